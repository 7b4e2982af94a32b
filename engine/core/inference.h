// inference.h — inference over pair lists: mean loss and P(interacting) of labelled pairs, scores of unlabelled
// pairs streamed through a network in batches of its max_batch.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/core/network.h"

namespace gener::core {

// A read-only view of labelled pairs: ab (n, 2) gene indices, label (n) in {0, 1}.
struct PairView {
  const int32_t* ab = nullptr;
  const int8_t* label = nullptr;
  size_t n = 0;
  // Pairs [begin, end) of this view.
  PairView slice(size_t begin, size_t end) const { return {ab + 2 * begin, label + begin, end - begin}; }
};

// Summed cross-entropy and P(interacting) per pair of a labelled set, in inference mode.
double evaluate_loss_sum(Network& net, PairView pairs, std::vector<float>* scores);
// The mean of the same (0 for an empty set).
double evaluate_loss(Network& net, PairView pairs, std::vector<float>* scores);
// P(interacting) for unlabelled pairs (ab (n, 2)), streamed through the network in chunks of max_batch.
void predict_pairs(Network& net, const int32_t* ab, size_t n, float* scores, bool progress = false);

}  // namespace gener::core
