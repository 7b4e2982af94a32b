// isomap.cpp — kNN over adjacency rows (exact integer distances), component joining, Dijkstra geodesics, MDS.
#include "engine/embed/isomap.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <utility>

#include "engine/embed/mds.h"
#include "kernels/check.h"

namespace gener::embed {
namespace {

constexpr int kMaxComponents = 2048;

// Squared distances from u to every gene: deg u + deg v - 2 * common(u, v). `common` is scratch (n, zero on
// entry and on exit).
void squared_distances_from(const data::TrainingGraph& g, int u, std::vector<int32_t>& common,
                            std::vector<int32_t>& touched, int64_t* d2) {
  touched.clear();
  for (const int32_t* w = g.begin(u); w != g.end(u); ++w)
    for (const int32_t* v = g.begin(*w); v != g.end(*w); ++v) {
      if (common[*v]++ == 0) touched.push_back(*v);
    }
  const int64_t du = g.degree(u);
  for (int v = 0; v < g.n_nodes; ++v) d2[v] = du + g.degree(v);
  for (int32_t v : touched) {
    d2[v] -= 2 * static_cast<int64_t>(common[v]);
    common[v] = 0;
  }
}

struct UnionFind {
  std::vector<int> parent;
  explicit UnionFind(int n) : parent(static_cast<size_t>(n)) { std::iota(parent.begin(), parent.end(), 0); }
  int find(int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(int a, int b) {
    a = find(a), b = find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

WeightedGraph from_edges(int n, std::vector<std::pair<uint64_t, float>>& edges) {
  // edges: key (u << 32 | v) with u < v; deduplicated here.
  std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  edges.erase(std::unique(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              edges.end());
  WeightedGraph w;
  w.n = n;
  w.offsets.assign(static_cast<size_t>(n) + 1, 0);
  for (const auto& e : edges) {
    ++w.offsets[(e.first >> 32) + 1];
    ++w.offsets[(e.first & 0xffffffffu) + 1];
  }
  for (int i = 0; i < n; ++i) w.offsets[i + 1] += w.offsets[i];
  w.neighbors.resize(static_cast<size_t>(w.offsets[n]));
  w.weights.resize(w.neighbors.size());
  std::vector<int64_t> fill(w.offsets.begin(), w.offsets.end() - 1);
  for (const auto& e : edges) {
    const int u = static_cast<int>(e.first >> 32), v = static_cast<int>(e.first & 0xffffffffu);
    w.neighbors[fill[u]] = v, w.weights[fill[u]++] = e.second;
    w.neighbors[fill[v]] = u, w.weights[fill[v]++] = e.second;
  }
  return w;
}

uint64_t edge_key(int u, int v) {
  if (u > v) std::swap(u, v);
  return (static_cast<uint64_t>(u) << 32) | static_cast<uint32_t>(v);
}

}  // namespace

WeightedGraph unit_weight_graph(const data::TrainingGraph& g) {
  WeightedGraph w;
  w.n = g.n_nodes;
  w.offsets = g.offsets;
  w.neighbors = g.neighbors;
  w.weights.assign(g.neighbors.size(), 1.0f);
  return w;
}

WeightedGraph adjacency_knn_graph(const data::TrainingGraph& g, int k, int* components) {
  const int n = g.n_nodes;
  GENER_CHECK(k > 0, "isomap: n_neighbors must be > 0, got " << k);
  GENER_CHECK(n >= 2, "isomap: needs at least 2 genes, got " << n);
  const int kk = std::min(k, n - 1);
  std::vector<std::pair<uint64_t, float>> edges(static_cast<size_t>(n) * static_cast<size_t>(kk));
#pragma omp parallel
  {
    std::vector<int32_t> common(static_cast<size_t>(n), 0), touched;
    std::vector<int64_t> d2(static_cast<size_t>(n));
    std::vector<uint64_t> keys(static_cast<size_t>(n) - 1);
#pragma omp for schedule(dynamic, 16)
    for (int u = 0; u < n; ++u) {
      squared_distances_from(g, u, common, touched, d2.data());
      // key = d² (high bits) | v: the k smallest keys are the nearest genes, ties to the lower index.
      size_t m = 0;
      for (int v = 0; v < n; ++v)
        if (v != u) keys[m++] = (static_cast<uint64_t>(d2[v]) << 32) | static_cast<uint32_t>(v);
      std::nth_element(keys.begin(), keys.begin() + (kk - 1), keys.end());
      std::sort(keys.begin(), keys.begin() + kk);
      for (int j = 0; j < kk; ++j) {
        const int v = static_cast<int>(keys[j] & 0xffffffffu);
        edges[static_cast<size_t>(u) * kk + j] = {edge_key(u, v), static_cast<float>(std::sqrt(static_cast<double>(keys[j] >> 32)))};
      }
    }
  }
  UnionFind uf(n);
  for (const auto& e : edges) uf.unite(static_cast<int>(e.first >> 32), static_cast<int>(e.first & 0xffffffffu));
  std::vector<int> comp(static_cast<size_t>(n), -1), root_id(static_cast<size_t>(n), -1);
  int n_comp = 0;
  for (int v = 0; v < n; ++v) {
    const int r = uf.find(v);
    if (root_id[r] < 0) root_id[r] = n_comp++;
    comp[v] = root_id[r];
  }
  if (components) *components = n_comp;
  if (n_comp > 1) {
    GENER_CHECK(n_comp <= kMaxComponents, "isomap: the " << kk << "-nearest-neighbour graph of the adjacency rows has "
                                                          << n_comp << " components (at most " << kMaxComponents
                                                          << " can be joined); raise isomap.n_neighbors");
    // Closest pair (smallest d², then lowest u, then lowest v) between every two components.
    const size_t cc = static_cast<size_t>(n_comp) * static_cast<size_t>(n_comp);
    const uint64_t none = std::numeric_limits<uint64_t>::max();
    std::vector<uint64_t> best_d2(cc, none);
    std::vector<uint64_t> best_pair(cc, 0);
    std::vector<int32_t> common(static_cast<size_t>(n), 0), touched;
    std::vector<int64_t> d2(static_cast<size_t>(n));
    for (int u = 0; u < n; ++u) {
      squared_distances_from(g, u, common, touched, d2.data());
      for (int v = u + 1; v < n; ++v) {
        if (comp[u] == comp[v]) continue;
        const size_t slot = static_cast<size_t>(std::min(comp[u], comp[v])) * n_comp + std::max(comp[u], comp[v]);
        if (static_cast<uint64_t>(d2[v]) < best_d2[slot]) best_d2[slot] = static_cast<uint64_t>(d2[v]), best_pair[slot] = edge_key(u, v);
      }
    }
    for (size_t s = 0; s < cc; ++s)
      if (best_d2[s] != none) edges.push_back({best_pair[s], static_cast<float>(std::sqrt(static_cast<double>(best_d2[s])))});
  }
  return from_edges(n, edges);
}

std::vector<float> geodesic_distances(const WeightedGraph& g) {
  const int n = g.n;
  std::vector<float> d(static_cast<size_t>(n) * static_cast<size_t>(n));
#pragma omp parallel
  {
    std::vector<double> dist(static_cast<size_t>(n));
    using Item = std::pair<double, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
#pragma omp for schedule(dynamic, 8)
    for (int s = 0; s < n; ++s) {
      std::fill(dist.begin(), dist.end(), std::numeric_limits<double>::infinity());
      dist[s] = 0;
      heap.push({0.0, s});
      while (!heap.empty()) {
        const auto [du, u] = heap.top();
        heap.pop();
        if (du > dist[u]) continue;
        for (int64_t e = g.offsets[u]; e < g.offsets[u + 1]; ++e) {
          const int v = g.neighbors[e];
          const double nd = du + g.weights[e];
          if (nd < dist[v]) {
            dist[v] = nd;
            heap.push({nd, v});
          }
        }
      }
      float* row = d.data() + static_cast<size_t>(s) * n;
      for (int v = 0; v < n; ++v) row[v] = static_cast<float>(dist[v]);
    }
  }
  // Both directions are shortest paths; summation order can make them differ in the last bit: keep the shorter.
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      float& a = d[static_cast<size_t>(i) * n + j];
      float& b = d[static_cast<size_t>(j) * n + i];
      a = b = std::min(a, b);
    }
  return d;
}

Embedding isomap_embed(const data::TrainingGraph& g, const IsomapOptions& o) {
  WeightedGraph knn = adjacency_knn_graph(g, o.n_neighbors);
  std::vector<float> d = geodesic_distances(knn);
  return classical_mds(d, g.n_nodes, o.dim, o.eigen_solver);
}

}  // namespace gener::embed
