// fold_bn.cpp — batchnorm folded into the next conv/dense layer's weights and bias (see fold_bn.h).
#include "engine/core/fold_bn.h"

#include <algorithm>
#include <cmath>

#include "kernels/check.h"

namespace gener::core {

BnFoldPlan plan_bn_fold(const Graph& g) {
  BnFoldPlan plan;
  plan.into.assign(g.nodes.size(), -1);
  plan.column.assign(g.nodes.size(), 0);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op != OpKind::ActBnDropout) continue;
    const int c = g.tensors[n.out[0]].consumer;
    if (c < 0) continue;
    const Node& next = g.nodes[static_cast<size_t>(c)];
    int into = -1, column = 0;
    if (next.op == OpKind::Conv2d || next.op == OpKind::Dense) {
      into = c;
    } else if (next.op == OpKind::Concat) {
      for (int t : next.in) {  // the concat slot this batchnorm fills
        if (t == n.out[0]) break;
        column += static_cast<int>(g.tensors[t].per_sample());
      }
      const int after = g.tensors[next.out[0]].consumer;
      if (after >= 0 && g.nodes[static_cast<size_t>(after)].op == OpKind::Dense) into = after;
    }
    if (into < 0) continue;
    // A conv's input channels are the batchnorm's channels; a dense layer reads them flattened (C, S) at `column`.
    const Node& layer = g.nodes[static_cast<size_t>(into)];
    if (layer.op == OpKind::Conv2d)
      GENER_CHECK(column == 0 && layer.conv.c_in == n.bn_c && layer.conv.h * layer.conv.w == n.bn_s,
                  "fold_bn: layer " << layer.name << " does not read " << n.name << " channel by channel");
    else
      GENER_CHECK(column + static_cast<long long>(n.bn_c) * n.bn_s <= layer.dense_in,
                  "fold_bn: " << n.name << " does not fit the input of " << layer.name);
    plan.into[i] = into;
    plan.column[i] = column;
    ++plan.count;
  }
  return plan;
}

void fold_bn(const Graph& g, const BnFoldPlan& plan, const float* params, const float* state, float* fparams,
             float* fstate) {
  std::copy(params, params + g.n_params, fparams);
  std::copy(state, state + g.n_state, fstate);
  // Per consumer layer: bias in double from the original weights, then the weight columns scaled.
  std::vector<std::vector<double>> bias(g.nodes.size());
  std::vector<double> s, t;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!plan.folded(i)) continue;
    const Node& bn = g.nodes[i];
    const Node& layer = g.nodes[static_cast<size_t>(plan.into[i])];
    const float* gamma = params + g.params[bn.p_weight].offset;
    const float* beta = params + g.params[bn.p_bias].offset;
    const float* mean = state + g.state[bn.s_mean].offset;
    const float* var = state + g.state[bn.s_var].offset;
    s.resize(bn.bn_c);
    t.resize(bn.bn_c);
    for (int c = 0; c < bn.bn_c; ++c) {
      s[c] = static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(var[c]) + bn.bn_eps);
      t[c] = static_cast<double>(beta[c]) - static_cast<double>(mean[c]) * s[c];
    }
    const float* w = params + g.params[layer.p_weight].offset;
    float* fw = fparams + g.params[layer.p_weight].offset;
    const float* b = params + g.params[layer.p_bias].offset;
    std::vector<double>& acc = bias[static_cast<size_t>(plan.into[i])];
    // Rows of the layer's weight, and how each row's entries map onto the batchnorm's channels.
    int rows = 0;
    long long row_len = 0, first = 0, per_channel = 0;
    if (layer.op == OpKind::Conv2d) {  // (C_out, C_in, KH, KW): channel c covers KH*KW entries at c*KH*KW
      rows = layer.conv.c_out;
      row_len = static_cast<long long>(layer.conv.c_in) * layer.conv.kh * layer.conv.kw;
      per_channel = static_cast<long long>(layer.conv.kh) * layer.conv.kw;
    } else {  // (out, in): channel c covers bn_s entries at column + c*bn_s
      rows = layer.dense_out;
      row_len = layer.dense_in;
      first = plan.column[i];
      per_channel = bn.bn_s;
    }
    if (acc.empty()) acc.assign(b, b + rows);
    for (int o = 0; o < rows; ++o) {
      const float* wr = w + o * row_len + first;
      float* fr = fw + o * row_len + first;
      double sum = 0;
      for (int c = 0; c < bn.bn_c; ++c)
        for (long long k = 0; k < per_channel; ++k) {
          const long long at = c * per_channel + k;
          sum += static_cast<double>(wr[at]) * t[c];
          fr[at] = static_cast<float>(static_cast<double>(wr[at]) * s[c]);
        }
      acc[o] += sum;
    }
    // The folded batchnorm becomes the identity affine (with ε = 0).
    std::fill(fparams + g.params[bn.p_weight].offset, fparams + g.params[bn.p_weight].offset + bn.bn_c, 1.f);
    std::fill(fparams + g.params[bn.p_bias].offset, fparams + g.params[bn.p_bias].offset + bn.bn_c, 0.f);
    std::fill(fstate + g.state[bn.s_mean].offset, fstate + g.state[bn.s_mean].offset + bn.bn_c, 0.f);
    std::fill(fstate + g.state[bn.s_var].offset, fstate + g.state[bn.s_var].offset + bn.bn_c, 1.f);
  }
  for (size_t l = 0; l < g.nodes.size(); ++l) {
    if (bias[l].empty()) continue;
    float* fb = fparams + g.params[g.nodes[l].p_bias].offset;
    for (size_t o = 0; o < bias[l].size(); ++o) fb[o] = static_cast<float>(bias[l][o]);
  }
}

}  // namespace gener::core
