// training_graph.cpp — CSR graph of the training positives; the genes that occur in training pairs.
#include "engine/data/training_graph.h"

#include <algorithm>

#include "kernels/check.h"

namespace gener::data {

bool TrainingGraph::has_edge(int u, int v) const { return std::binary_search(begin(u), end(u), v); }

namespace {
void check_pair(const PairSet& s, size_t i, int n_nodes) {
  int a = s.ab[2 * i], b = s.ab[2 * i + 1];
  if (a < 0 || a >= n_nodes || b < 0 || b >= n_nodes)
    GENER_THROW("training pair " << i << " (" << a << ", " << b << ") names a gene outside [0, " << n_nodes << ")");
}
}  // namespace

TrainingGraph build_training_graph(const PairSet& train, int n_nodes) {
  GENER_CHECK(n_nodes >= 0, "training graph: negative node count " << n_nodes);
  TrainingGraph g;
  g.n_nodes = n_nodes;
  std::vector<int64_t> deg(static_cast<size_t>(n_nodes) + 1, 0);
  for (size_t i = 0; i < train.size(); ++i) {
    if (train.label[i] != 1) continue;
    check_pair(train, i, n_nodes);
    int a = train.ab[2 * i], b = train.ab[2 * i + 1];
    if (a == b) continue;
    ++deg[a];
    ++deg[b];
  }
  g.offsets.assign(static_cast<size_t>(n_nodes) + 1, 0);
  for (int v = 0; v < n_nodes; ++v) g.offsets[v + 1] = g.offsets[v] + deg[v];
  std::vector<int32_t> nb(static_cast<size_t>(g.offsets[n_nodes]));
  std::vector<int64_t> fill(g.offsets.begin(), g.offsets.end() - 1);
  for (size_t i = 0; i < train.size(); ++i) {
    if (train.label[i] != 1) continue;
    int a = train.ab[2 * i], b = train.ab[2 * i + 1];
    if (a == b) continue;
    nb[fill[a]++] = b;
    nb[fill[b]++] = a;
  }
  // Sort and deduplicate each row, then compact.
  g.neighbors.reserve(nb.size());
  std::vector<int64_t> off(static_cast<size_t>(n_nodes) + 1, 0);
  for (int v = 0; v < n_nodes; ++v) {
    auto first = nb.begin() + g.offsets[v], last = nb.begin() + g.offsets[v + 1];
    std::sort(first, last);
    last = std::unique(first, last);
    g.neighbors.insert(g.neighbors.end(), first, last);
    off[v + 1] = static_cast<int64_t>(g.neighbors.size());
  }
  g.offsets = std::move(off);
  return g;
}

std::vector<uint8_t> genes_in_pairs(const PairSet& train, int n_nodes) {
  std::vector<uint8_t> seen(static_cast<size_t>(std::max(n_nodes, 0)), 0);
  for (size_t i = 0; i < train.size(); ++i) {
    check_pair(train, i, n_nodes);
    seen[train.ab[2 * i]] = 1;
    seen[train.ab[2 * i + 1]] = 1;
  }
  return seen;
}

}  // namespace gener::data
