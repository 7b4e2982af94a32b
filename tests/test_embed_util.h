// test_embed_util.h — small graphs and datasets for the embed suites: training graphs from edge lists, a
// planted-partition dataset with held-out edges, and AUROC of scores.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/data/dataset_cache.h"
#include "engine/data/pairs.h"
#include "engine/data/training_graph.h"

namespace gener::embedtest {

inline data::TrainingGraph graph_of(int n, const std::vector<std::pair<int, int>>& edges) {
  data::PairSet p;
  for (const auto& e : edges) p.push(e.first, e.second, 1);
  return data::build_training_graph(p, n);
}

// Two communities of `half` genes: within-community pairs are edges with probability p_in, between-community
// pairs with p_out (seeded). 20% of the within-community edges are held out as test positives; test negatives
// are as many between-community non-edges. Training pairs: the remaining edges and as many random non-edges
// (none of them a test pair); validation: a further 10% of within-community edges and between non-edges.
// Expression: `L` values per gene carrying the community (+/-1 plus noise), so "+" variants and GNE see it.
data::DatasetCache planted_partition(int half, double p_in, double p_out, int L, uint64_t seed);

// AUROC of scores against the 0/1 labels of a pair set.
double auroc_of(const std::vector<float>& scores, const data::PairSet& p);

}  // namespace gener::embedtest
