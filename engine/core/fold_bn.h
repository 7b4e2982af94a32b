// fold_bn.h — eval-mode batchnorm folded into the next linear layer: a backend-free transform of the parameter and
// state buffers. Each GENER block is layer → act → BN → dropout, so BN cannot go into its own layer (the activation
// sits between) but goes exactly into the following conv or dense layer: y = W (s ⊙ r + t) + b = (W·diag(s)) r +
// (W t + b), with s = γ / √(σ² + ε), t = β − μ s per channel. For a convolution this is exact only because every
// convolution here is valid (no padding: each output sees whole windows of real inputs).
#pragma once
#include <vector>

#include "engine/core/graph.h"

namespace gener::core {

// Which batchnorm nodes fold, and where into. Built once per graph.
struct BnFoldPlan {
  std::vector<int> into;        // per node: for a foldable ActBnDropout, the Conv2d/Dense node it folds into; else -1
  std::vector<int> column;      // per node: where its output starts in that layer's (flattened) input, in floats
  int count = 0;                // foldable batchnorm nodes
  bool folded(size_t node) const { return node < into.size() && into[node] >= 0; }
};

// A batchnorm folds when its output feeds a Conv2d or a Dense directly, or through a Concat that feeds a Dense
// (both branches' last batchnorm go into the head's column blocks).
BnFoldPlan plan_bn_fold(const Graph& g);

// fparams / fstate (the graph's layouts, n_params / n_state floats) = params / state with every foldable batchnorm
// folded into its layer (arithmetic in double, rounded once), and the folded batchnorm itself made the identity:
// γ = 1, β = 0, μ = 0, σ² = 1, to be used with ε = 0 (folded_bn_eps): its eval affine is then x·1 + 0 = x exactly,
// so a backend runs the folded network with its unchanged kernels (only the activation remains).
void fold_bn(const Graph& g, const BnFoldPlan& plan, const float* params, const float* state, float* fparams,
             float* fstate);

// The ε a backend uses for node i of a folded network: 0 for folded batchnorms, the config's otherwise.
inline float folded_bn_eps(const Graph& g, const BnFoldPlan& plan, size_t i) {
  return plan.folded(i) ? 0.f : g.nodes[i].bn_eps;
}

}  // namespace gener::core
