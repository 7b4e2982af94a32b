// correlation.h — the correlation baseline: Pearson r of the two genes' expression vectors for each pair.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gener::metrics {

// expr: (G, L) row-major, one row per gene, finite; pairs: (N, 2) gene indices in [0, G).
// Returns r in [-1, 1] per pair; a gene with constant expression gives r = 0.
// O(G·L) to centre and normalise each gene once, then one length-L dot product per pair
// (parallel over pairs when built with OpenMP). Throws gener::Error naming a bad gene or pair index.
std::vector<float> pearson_scores(const float* expr, int G, int L, const int32_t* pairs, size_t N);

// Monotone map of r in [-1, 1] to a score in [0, 1] for compute_metrics: (r + 1) / 2, clamped.
float correlation_to_probability(float r);
std::vector<float> correlation_to_probability(const std::vector<float>& r);

}  // namespace gener::metrics
