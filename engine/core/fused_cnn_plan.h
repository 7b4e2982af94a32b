// fused_cnn_plan.h — which nodes of a GENER graph the fused CNN-branch kernel (kernels/cnn_branch_fused.h)
// replaces in inference, and its shape. Backend-free: planned once, used by the CUDA backend.
#pragma once
#include <vector>

#include "engine/core/graph.h"
#include "kernels/cnn_branch_fused.h"

namespace gener::core {

struct FusedCnnPlan {
  kernels::CnnBranchShape shape;
  kernels::Activation act = kernels::Activation::Relu;
  std::vector<int> layers;  // conv1, conv2, conv3, cnn.fc1 (node indices)
  std::vector<char> skip;   // per node: computed by the kernel (the four layers and their folded batchnorms)
  int out = -1;             // the tensor the kernel writes: cnn.fc1's batchnorm output (folded: the identity)
};

// Throws gener::Error naming the reason when the graph's CNN branch is not what the kernel computes (three
// convolutions, the first 2 x k over [a; b], then 1 x k; a dense layer; the channel counts the kernel is built for).
FusedCnnPlan plan_fused_cnn(const Graph& g);

}  // namespace gener::core
