// walks.h — node2vec's p/q-biased second-order random walks over the training graph: one alias table per arc
// (t -> v) over v's neighbours x, weight 1/p for x = t, 1 for x adjacent to t, 1/q otherwise.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/training_graph.h"

namespace gener::embed {

// Packed per-arc tables: arc e = CSR position (row t, entry v = g.neighbors[e]); its table over N(v) is
// prob/alias[start[e] .. start[e] + deg v). Size: the sum over genes of deg², 8 bytes each.
struct TransitionTables {
  std::vector<int64_t> start;  // (arcs + 1)
  std::vector<float> prob;
  std::vector<int32_t> alias;
};
TransitionTables build_transition_tables(const data::TrainingGraph& g, double p, double q);

struct WalkOptions {
  int walk_length = 80;
  int walks_per_node = 10;
  double p = 1.0, q = 1.0;
  bool force_tables = false;  // p = q = 1 needs no tables (every weight is 1); tests force them
};

// walks_per_node rounds; each round visits every gene once in a seeded random order. Walk w (round r,
// position i) has its own random stream (seed, w), so the walks do not depend on the thread count.
// A walk from an isolated gene is that gene alone.
struct Walks {
  int length = 0;               // the longest walk (walk_length)
  std::vector<int32_t> nodes;   // (count, length) row-major; row w holds walk w in its first len[w] entries
  std::vector<int32_t> len;     // (count)
  size_t count() const { return len.size(); }
  const int32_t* walk(size_t w) const { return nodes.data() + w * static_cast<size_t>(length); }
};
Walks node2vec_walks(const data::TrainingGraph& g, const WalkOptions& o, uint64_t seed);

}  // namespace gener::embed
