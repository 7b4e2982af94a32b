// isomap.h — Isomap of the training graph's adjacency rows: k-nearest-neighbour graph over the rows
// (Euclidean), all-pairs shortest paths (Dijkstra), classical MDS (mds.h).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/training_graph.h"
#include "engine/embed/embedding.h"
#include "engine/embed/options.h"

namespace gener::embed {

// Undirected weighted graph, CSR (each edge stored in both rows).
struct WeightedGraph {
  int n = 0;
  std::vector<int64_t> offsets;    // (n + 1)
  std::vector<int32_t> neighbors;  // (2 * edges)
  std::vector<float> weights;      // (2 * edges)
};

// The training graph with every edge of length 1 (its geodesics are hop counts).
WeightedGraph unit_weight_graph(const data::TrainingGraph& g);

// Each gene's k nearest other genes by the Euclidean distance between adjacency rows,
// ||A_u - A_v||² = deg u + deg v - 2 |N(u) ∩ N(v)| (ties to the lower index), symmetrised (union), edge length =
// that distance. Disconnected parts are then joined as scikit-learn's Isomap does (>= 1.0): for every two
// components, one edge between their closest pair of genes. `components` (optional) receives the number of
// components before joining.
WeightedGraph adjacency_knn_graph(const data::TrainingGraph& g, int k, int* components = nullptr);

// (n, n) shortest-path lengths, row-major (Dijkstra from every node, OpenMP over sources); unreachable = +inf.
std::vector<float> geodesic_distances(const WeightedGraph& g);

// The whole method: knn graph, geodesics, classical MDS to o.dim dimensions.
Embedding isomap_embed(const data::TrainingGraph& g, const IsomapOptions& o);

}  // namespace gener::embed
