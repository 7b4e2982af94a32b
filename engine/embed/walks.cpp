// walks.cpp — per-arc transition tables (sorted-list merges, OpenMP over sources) and the seeded walks.
#include "engine/embed/walks.h"

#include <algorithm>
#include <numeric>

#include "engine/embed/alias.h"
#include "engine/embed/rng.h"
#include "kernels/check.h"

namespace gener::embed {

TransitionTables build_transition_tables(const data::TrainingGraph& g, double p, double q) {
  GENER_CHECK(p > 0 && q > 0, "node2vec: p and q must be > 0, got p = " << p << ", q = " << q);
  const int n = g.n_nodes;
  const size_t arcs = g.neighbors.size();
  TransitionTables t;
  t.start.assign(arcs + 1, 0);
  for (size_t e = 0; e < arcs; ++e) t.start[e + 1] = t.start[e] + g.degree(g.neighbors[e]);
  t.prob.resize(static_cast<size_t>(t.start[arcs]));
  t.alias.resize(t.prob.size());
  const double w_back = 1.0 / p, w_out = 1.0 / q;
#pragma omp parallel
  {
    std::vector<double> w;
#pragma omp for schedule(dynamic, 32)
    for (int src = 0; src < n; ++src) {
      for (int64_t e = g.offsets[src]; e < g.offsets[src + 1]; ++e) {
        const int v = g.neighbors[e];
        // Walk v's sorted row against src's sorted row: x adjacent to src gets 1.
        const int32_t *x = g.begin(v), *xe = g.end(v), *y = g.begin(src), *ye = g.end(src);
        w.resize(static_cast<size_t>(xe - x));
        for (size_t j = 0; x != xe; ++x, ++j) {
          while (y != ye && *y < *x) ++y;
          w[j] = *x == src ? w_back : (y != ye && *y == *x) ? 1.0 : w_out;
        }
        build_alias(w.data(), static_cast<int>(w.size()), t.prob.data() + t.start[e], t.alias.data() + t.start[e]);
      }
    }
  }
  return t;
}

Walks node2vec_walks(const data::TrainingGraph& g, const WalkOptions& o, uint64_t seed) {
  GENER_CHECK(o.walk_length > 0, "node2vec: walk_length must be > 0, got " << o.walk_length);
  GENER_CHECK(o.walks_per_node > 0, "node2vec: walks_per_node must be > 0, got " << o.walks_per_node);
  GENER_CHECK(o.p > 0 && o.q > 0, "node2vec: p and q must be > 0, got p = " << o.p << ", q = " << o.q);
  const int n = g.n_nodes;
  const bool tables = o.force_tables || o.p != 1.0 || o.q != 1.0;
  TransitionTables tt;
  if (tables) tt = build_transition_tables(g, o.p, o.q);
  // Start genes: every round a fresh seeded permutation.
  std::vector<int32_t> starts(static_cast<size_t>(n) * o.walks_per_node);
  for (int r = 0; r < o.walks_per_node; ++r) {
    int32_t* s = starts.data() + static_cast<size_t>(r) * n;
    std::iota(s, s + n, 0);
    Rng rng(seed, 0x524f554e44000000ULL + static_cast<uint64_t>(r));
    for (int i = n - 1; i > 0; --i) std::swap(s[i], s[rng.below(static_cast<uint32_t>(i) + 1)]);
  }
  Walks w;
  w.length = o.walk_length;
  w.nodes.assign(starts.size() * static_cast<size_t>(o.walk_length), 0);
  w.len.assign(starts.size(), 1);
  const long long count = static_cast<long long>(starts.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (long long i = 0; i < count; ++i) {
    Rng rng(seed, 0x57414c4b00000000ULL + static_cast<uint64_t>(i));
    int32_t* out = w.nodes.data() + static_cast<size_t>(i) * o.walk_length;
    int v = starts[i];
    out[0] = v;
    if (g.degree(v) == 0) continue;
    int64_t arc = g.offsets[v] + rng.below(static_cast<uint32_t>(g.degree(v)));  // first step: uniform
    int len = 1;
    while (len < o.walk_length) {
      const int next = g.neighbors[arc];
      out[len++] = next;
      if (len == o.walk_length) break;
      const int d = g.degree(next);
      const int j = tables ? alias_draw(tt.prob.data() + tt.start[arc], tt.alias.data() + tt.start[arc], d, rng)
                           : static_cast<int>(rng.below(static_cast<uint32_t>(d)));
      arc = g.offsets[next] + j;
    }
    w.len[i] = len;
  }
  return w;
}

}  // namespace gener::embed
