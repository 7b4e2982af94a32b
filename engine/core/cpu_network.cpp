// cpu_network.cpp — the CPU backend: executes the planned graph with the kernels/*_cpu reference ops.
#include <algorithm>
#include <cmath>

#include "engine/core/network.h"
#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/concat.h"
#include "kernels/conv2d.h"
#include "kernels/dense.h"
#include "kernels/hash.h"
#include "kernels/optimizer.h"
#include "kernels/pair_features.h"
#include "kernels/softmax_xent.h"

namespace gener::core {
namespace {

namespace k = gener::kernels;

class CpuNetwork final : public Network {
 public:
  CpuNetwork(const Graph& g, const NetworkOptions& opt)
      : Network(g, opt.max_batch, opt.mode), train_(opt.train) {
    const Graph& gr = graph_;
    params_ = init_params(gr, train_.seed);
    state_ = init_state(gr);
    arena_.assign(static_cast<size_t>(plan_.arena_floats), 0.f);
    aux_.assign(gr.n_aux, 0.f);
    losses_.assign(static_cast<size_t>(plan_.max_batch), 0.f);
    size_t ws = 0;
    for (const Node& n : gr.nodes) {
      if (n.op == OpKind::Conv2d) {
        k::Conv2dShape s = n.conv;
        s.n = plan_.max_batch;
        ws = std::max(ws, k::conv2d_workspace_floats_cpu(s));
      }
      if (n.op == OpKind::ActBnDropout)
        ws = std::max(ws, static_cast<size_t>(plan_.max_batch) * n.bn_c * n.bn_s);
    }
    workspace_.assign(ws, 0.f);
    if (plan_.mode == PlanMode::Training) {
      grads_.assign(gr.n_params, 0.f);
      opt_.assign(2 * gr.n_params, 0.f);
    }
  }

  std::vector<float> get_params() const override { return params_; }
  void set_params(const std::vector<float>& p) override {
    GENER_CHECK(p.size() == params_.size(), "set_params: expected " << params_.size() << " floats, got " << p.size());
    params_ = p;
  }
  std::vector<float> get_grads() const override { return grads_; }
  std::vector<float> get_state() const override { return state_; }
  void set_state(const std::vector<float>& s) override {
    GENER_CHECK(s.size() == state_.size(), "set_state: expected " << state_.size() << " floats, got " << s.size());
    state_ = s;
  }
  std::vector<float> get_opt_state() const override { return opt_; }
  void set_opt_state(const std::vector<float>& s) override {
    GENER_CHECK(s.size() == opt_.size(), "set_opt_state: expected " << opt_.size() << " floats, got " << s.size());
    opt_ = s;
  }

  void set_expression(const float* expr, int n_genes) override {
    expr_.assign(expr, expr + static_cast<size_t>(n_genes) * graph_.L);
    n_genes_ = n_genes;
  }

  float forward_backward(const int32_t* pairs, const int32_t* labels, int B, uint64_t step) override {
    GENER_CHECK(plan_.mode == PlanMode::Training, "forward_backward: network was planned for inference only");
    check_batch(pairs, B);
    forward(pairs, labels, B, /*train=*/true, step);
    backward(labels, B, step);
    double sum = 0;
    for (int i = 0; i < B; ++i) sum += losses_[i];
    return static_cast<float>(sum / B);
  }

  void apply_update(float lr, long long t) override {
    GENER_CHECK(plan_.mode == PlanMode::Training, "apply_update: network was planned for inference only");
    const long long n = static_cast<long long>(params_.size());
    if (train_.optimizer == "adam")
      k::adam_update_cpu(n, lr, train_.adam_beta1, train_.adam_beta2, train_.adam_eps, t, params_.data(),
                         grads_.data(), opt_.data(), opt_.data() + n);
    else
      k::sgd_update_cpu(n, lr, train_.momentum, params_.data(), grads_.data(), opt_.data());
  }

  double predict(const int32_t* pairs, int B, float* p_pos, const int32_t* labels) override {
    check_batch(pairs, B);
    forward(pairs, labels, B, /*train=*/false, 0);
    const float* probs = value(graph_.t_probs);
    const int C = graph_.config.classes;
    for (int i = 0; i < B; ++i) p_pos[i] = probs[static_cast<size_t>(i) * C + 1];
    double sum = 0;
    if (labels)
      for (int i = 0; i < B; ++i) sum += losses_[i];
    return sum;
  }

 private:
  float* value(int t) { return arena_.data() + plan_.value_offset[t]; }
  float* grad(int t) { return plan_.grad_offset[t] < 0 ? nullptr : arena_.data() + plan_.grad_offset[t]; }
  float* P(int idx) { return params_.data() + graph_.params[idx].offset; }
  float* G(int idx) { return grads_.data() + graph_.params[idx].offset; }
  float* S(int idx) { return state_.data() + graph_.state[idx].offset; }

  void check_batch(const int32_t* pairs, int B) const {
    GENER_CHECK(B >= 1 && B <= plan_.max_batch, "batch of " << B << " pairs outside [1, " << plan_.max_batch << "]");
    GENER_CHECK(!expr_.empty(), "network: set_expression() was not called");
    for (int i = 0; i < 2 * B; ++i)
      GENER_CHECK(pairs[i] >= 0 && pairs[i] < n_genes_, "pair " << i / 2 << ": gene index " << pairs[i]
                                                                << " outside [0, " << n_genes_ << ")");
  }

  k::BnDropoutParams bn_params(const Node& n, uint64_t step) const {
    k::BnDropoutParams p;
    p.eps = n.bn_eps;
    p.momentum = n.bn_momentum;
    p.drop_rate = n.dropout;
    p.seed = (static_cast<uint64_t>(k::hash3(train_.seed, n.dropout_salt, 0)) << 32) | n.dropout_salt;
    p.step = step;
    return p;
  }

  void forward(const int32_t* pairs, const int32_t* labels, int B, bool train, uint64_t step) {
    for (const Node& n : graph_.nodes) {
      switch (n.op) {
        case OpKind::PairFeatures:
          k::pair_features_cpu(expr_.data(), graph_.L, pairs, B, value(n.out[0]),
                               n.out.size() > 1 ? value(n.out[1]) : nullptr);
          break;
        case OpKind::Conv2d: {
          k::Conv2dShape s = n.conv;
          s.n = B;
          k::conv2d_forward_cpu(s, value(n.in[0]), P(n.p_weight), P(n.p_bias), value(n.out[0]), workspace_.data());
          break;
        }
        case OpKind::Dense:
          k::dense_forward_cpu(B, n.dense_in, n.dense_out, value(n.in[0]), P(n.p_weight), P(n.p_bias),
                               value(n.out[0]));
          break;
        case OpKind::ActBnDropout: {
          k::BnShape s{B, n.bn_c, n.bn_s};
          float* saved = aux_.data() + n.saved_offset;
          if (train)
            k::act_bn_dropout_forward_train_cpu(s, bn_params(n, step), n.act, value(n.in[0]), P(n.p_weight),
                                                P(n.p_bias), S(n.s_mean), S(n.s_var), value(n.out[0]), saved,
                                                saved + n.bn_c);
          else
            k::act_bn_dropout_forward_eval_cpu(s, n.bn_eps, n.act, value(n.in[0]), P(n.p_weight), P(n.p_bias),
                                               S(n.s_mean), S(n.s_var), value(n.out[0]));
          break;
        }
        case OpKind::Concat: {
          const int n1 = static_cast<int>(graph_.tensors[n.in[0]].per_sample());
          const int n2 = static_cast<int>(graph_.tensors[n.in[1]].per_sample());
          k::concat2_cpu(B, n1, n2, value(n.in[0]), value(n.in[1]), value(n.out[0]));
          break;
        }
        case OpKind::SoftmaxXent:
          if (labels)
            k::softmax_xent_cpu(B, graph_.config.classes, value(n.in[0]), labels, 1.f / B, value(n.out[0]),
                                losses_.data(), nullptr);
          else
            k::softmax_cpu(B, graph_.config.classes, value(n.in[0]), value(n.out[0]));
          break;
      }
    }
  }

  void backward(const int32_t* labels, int B, uint64_t step) {
    for (auto it = graph_.nodes.rbegin(); it != graph_.nodes.rend(); ++it) {
      const Node& n = *it;
      switch (n.op) {
        case OpKind::PairFeatures: break;  // nothing upstream to train
        case OpKind::Conv2d: {
          k::Conv2dShape s = n.conv;
          s.n = B;
          k::conv2d_backward_cpu(s, value(n.in[0]), P(n.p_weight), grad(n.out[0]), grad(n.in[0]), G(n.p_weight),
                                 G(n.p_bias), workspace_.data());
          break;
        }
        case OpKind::Dense:
          k::dense_backward_cpu(B, n.dense_in, n.dense_out, value(n.in[0]), P(n.p_weight), grad(n.out[0]),
                                grad(n.in[0]), G(n.p_weight), G(n.p_bias));
          break;
        case OpKind::ActBnDropout: {
          k::BnShape s{B, n.bn_c, n.bn_s};
          const float* saved = aux_.data() + n.saved_offset;
          k::act_bn_dropout_backward_cpu(s, bn_params(n, step), n.act, value(n.in[0]), P(n.p_weight), saved,
                                         saved + n.bn_c, grad(n.out[0]), grad(n.in[0]), G(n.p_weight),
                                         G(n.p_bias), workspace_.data());
          break;
        }
        case OpKind::Concat: {
          const int n1 = static_cast<int>(graph_.tensors[n.in[0]].per_sample());
          const int n2 = static_cast<int>(graph_.tensors[n.in[1]].per_sample());
          k::split2_cpu(B, n1, n2, grad(n.out[0]), grad(n.in[0]), grad(n.in[1]));
          break;
        }
        case OpKind::SoftmaxXent:
          // Recomputes the probabilities from the logits (kept alive by the plan) and writes dlogits.
          k::softmax_xent_cpu(B, graph_.config.classes, value(n.in[0]), labels, 1.f / B, value(n.out[0]), nullptr,
                              grad(n.in[0]));
          break;
      }
    }
  }

  TrainConfig train_;
  std::vector<float> params_, grads_, state_, opt_;  // one buffer each
  std::vector<float> arena_, aux_, workspace_, losses_;
  std::vector<float> expr_;
  int n_genes_ = 0;
};

}  // namespace

std::unique_ptr<Network> make_cpu_network(const Graph& g, const NetworkOptions& opt) {
  return std::make_unique<CpuNetwork>(g, opt);
}

}  // namespace gener::core
