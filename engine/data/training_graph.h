// training_graph.h — the undirected graph of the training positives (CSR adjacency over all genes), the one
// place where "what the model saw in training" lives: gene degrees, C1/C2/C3 strata and graph embeddings use it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/data/pairs.h"

namespace gener::data {

// Genes are nodes 0..n_nodes-1 (rows of the expression matrix); every gene is a node, isolated ones included.
// Edges: the training pairs labelled 1, undirected, deduplicated, self-pairs dropped. Negatives, unlabelled
// pairs, validation and test pairs never enter it.
struct TrainingGraph {
  int n_nodes = 0;
  std::vector<int64_t> offsets;    // (n_nodes + 1) CSR row starts
  std::vector<int32_t> neighbors;  // (2 * n_edges) sorted ascending within each row

  size_t n_edges() const { return neighbors.size() / 2; }
  int degree(int v) const { return static_cast<int>(offsets[v + 1] - offsets[v]); }
  const int32_t* begin(int v) const { return neighbors.data() + offsets[v]; }
  const int32_t* end(int v) const { return neighbors.data() + offsets[v + 1]; }
  bool has_edge(int u, int v) const;  // binary search in u's row
};

// Build from the positives of `train` (an index outside [0, n_nodes) is an error naming the pair).
TrainingGraph build_training_graph(const PairSet& train, int n_nodes);

// Per gene: 1 when it occurs in any training pair (positive or negative), else 0 — the "seen in training"
// set that the C1/C2/C3 strata of a test pair are defined by.
std::vector<uint8_t> genes_in_pairs(const PairSet& train, int n_nodes);

}  // namespace gener::data
