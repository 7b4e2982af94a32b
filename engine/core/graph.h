// graph.h — the static GENER graph: a flat list of nodes in topological order, built once from the config.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"

namespace gener::core {

enum class OpKind {
  PairFeatures,  // pairs + expression → x_cnn (1, 2, L), x_mlp (L)
  Conv2d,        // (C_in, H, W) → (C_out, H', W')
  Dense,         // (in) → (out); a conv output is read flattened in (C, H, W) order
  ActBnDropout,  // activation → batchnorm → dropout, per channel
  Concat,        // (n1), (n2) → (n1 + n2)
  SoftmaxXent,   // logits (C) → probs (C); loss against labels
};
const char* op_name(OpKind op);

// An activation tensor: `per_sample` floats for each of the batch's rows, batch-major.
struct TensorInfo {
  std::string name;
  int c = 1, h = 1, w = 1;  // per-sample shape (C, H, W)
  int producer = -1;        // node index
  int consumer = -1;        // node index (each tensor feeds at most one node)
  bool needs_grad = true;   // false for the pair features (nothing upstream to train)
  long long per_sample() const { return static_cast<long long>(c) * h * w; }
};

// A parameter tensor inside the one parameter buffer (and, at the same offset, the gradient buffer). Offsets are
// multiples of kParamAlignFloats, so vector loads (float4) of any tensor are aligned.
constexpr size_t kParamAlignFloats = 4;
struct ParamInfo {
  std::string name;              // checkpoint name, e.g. "cnn.conv1.weight"
  std::vector<int64_t> shape;
  size_t offset = 0;             // in floats
  size_t size() const;
};
// A non-trained state tensor (batchnorm running statistics) in the state buffer.
using StateInfo = ParamInfo;

struct Node {
  OpKind op = OpKind::Dense;
  std::string name;            // layer name for errors and checkpoints, e.g. "cnn.conv2"
  std::vector<int> in, out;    // tensor ids
  // Conv2d: per-sample shape (n is set per batch); Dense: units.
  kernels::Conv2dShape conv;
  int dense_in = 0, dense_out = 0;
  // ActBnDropout
  kernels::Activation act = kernels::Activation::Relu;
  int bn_c = 0, bn_s = 1;
  float bn_eps = 1e-3f, bn_momentum = 0.9f, dropout = 0.f;
  uint64_t dropout_salt = 0;   // per-layer stream: seed = hash(run seed, salt)
  size_t saved_offset = 0;     // save_mean / save_invstd (2 * bn_c) in the aux buffer
  // Parameter / state indices into Graph::params / Graph::state (-1: none).
  int p_weight = -1, p_bias = -1, s_mean = -1, s_var = -1;
};

struct Graph {
  ModelConfig config;
  int L = 0;                      // expression vector length (samples)
  std::vector<TensorInfo> tensors;
  std::vector<Node> nodes;
  std::vector<ParamInfo> params;  // one buffer of n_params floats; each tensor starts on a 16-byte boundary
  std::vector<StateInfo> state;   // running statistics
  size_t n_params = 0, n_state = 0, n_aux = 0;
  size_t n_trainable = 0;         // Σ parameter sizes (n_params less the alignment gaps, which hold zeros)
  int t_probs = -1, t_logits = -1;

  const ParamInfo* find_param(const std::string& name) const;
  const StateInfo* find_state(const std::string& name) const;
  long long multiply_adds_per_pair() const;  // forward pass
};

// Build the graph for expression vectors of length L; every shape is checked here and an error names the layer.
Graph build_gener_graph(const ModelConfig& config, int L);

}  // namespace gener::core
