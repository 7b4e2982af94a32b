// cuda_network.cu — the CUDA backend: runs the planned graph on one GPU, op for op as cpu_network.cpp does.
// UNVERIFIED on a GPU: written and compiled on a machine without one; tests/test_cuda_network.cpp checks it.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "engine/core/cuda_buffer.h"
#include "engine/core/cuda_network_ops.h"
#include "engine/core/network.h"
#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/concat.h"
#include "kernels/conv2d_cudnn.h"
#include "kernels/cuda_check.h"
#include "kernels/cuda_probe.h"
#include "kernels/dense_cublas.h"
#include "kernels/gpu_context.h"
#include "kernels/hash.h"
#include "kernels/optimizer.h"
#include "kernels/pair_features.h"
#include "kernels/softmax_xent.h"

namespace gener::core {
namespace {

namespace k = gener::kernels;
using gpumem::DeviceBuffer;
using gpumem::Event;
using gpumem::PinnedBuffer;

bool overlap(long long a, long long b, long long n) { return a >= 0 && b >= 0 && a < b + n && b < a + n; }

// Everything lives on the device: parameters, gradients, state, optimizer moments, the planned activation arena
// and the expression matrix. Per batch only the pair indices (and labels) go host → device, in one copy from a
// pinned staging buffer; forward_backward brings back the B per-pair losses (its return value needs them: one
// small device → host copy and one stream synchronisation per step), predict the B probabilities (and losses).
// Nothing is allocated per step, except that cuDNN plans and workspace for a batch size not seen before are made
// on first use (workspace for max_batch is reserved up front).
class CudaNetwork final : public Network {
 public:
  CudaNetwork(const Graph& g, const NetworkOptions& opt)
      : Network(g, opt.max_batch, opt.mode),
        train_(opt.train),
        training_(opt.mode == PlanMode::Training),
        ctx_(k::GpuContextOptions{opt.gpu, false}),  // TF32 off: fp32 results comparable with the CPU backend
        convs_(k::ConvPlanOptions{false, /*deterministic=*/training_}) {
    const Graph& gr = graph_;
    const long long mb = plan_.max_batch;
    for (const TensorInfo& t : gr.tensors)
      GENER_CHECK(mb * t.per_sample() < (1LL << 31),
                  "--device cuda: batch " << mb << " is too large: tensor " << t.name << " would hold "
                                          << mb * t.per_sample() << " floats, at most 2^31 - 1 (use a smaller batch)");
    params_.reset(gr.n_params);
    state_.reset(gr.n_state);
    arena_.reset(static_cast<size_t>(plan_.arena_floats));
    aux_.reset(gr.n_aux);
    eval_affine_.reset(gr.n_aux);
    out_.reset(2 * static_cast<size_t>(mb));
    in_.reset(3 * static_cast<size_t>(mb));
    in_host_.reset(3 * static_cast<size_t>(mb));
    out_host_.reset(2 * static_cast<size_t>(mb));
    if (training_) {
      grads_.reset(gr.n_params);
      opt_.reset(2 * gr.n_params);
      zero(grads_.get(), grads_.size());
      zero(opt_.get(), opt_.size());
    }
    zero(arena_.get(), arena_.size());
    zero(aux_.get(), aux_.size());
    upload(params_.get(), init_params(gr, train_.seed));
    upload(state_.get(), init_state(gr));

    // Inference: a conv/dense layer followed by act → batchnorm writes the batchnorm output in its epilogue.
    epilogue_bn_.assign(gr.nodes.size(), -1);
    fused_.assign(gr.nodes.size(), 0);
    for (size_t i = 0; i < gr.nodes.size(); ++i) {
      const Node& n = gr.nodes[i];
      if (n.op != OpKind::Conv2d && n.op != OpKind::Dense) continue;
      const int next = gr.tensors[n.out[0]].consumer;
      if (next >= 0 && gr.nodes[next].op == OpKind::ActBnDropout) {
        epilogue_bn_[i] = next;
        fused_[static_cast<size_t>(next)] = 1;
      }
    }
    // The fused GPU batchnorm needs y apart from x (forward: x is kept for backward, so an aliasing plan is a
    // bug) and dx apart from x and dy (backward). The plan keeps them apart; should a plan let dx alias, that
    // layer's backward goes through a scratch buffer and a copy.
    bn_scratch_.assign(gr.nodes.size(), 0);
    size_t scratch = 0;
    if (training_)
      for (size_t i = 0; i < gr.nodes.size(); ++i) {
        const Node& n = gr.nodes[i];
        if (n.op != OpKind::ActBnDropout) continue;
        const int x = n.in[0], y = n.out[0];
        const long long len = mb * gr.tensors[x].per_sample();
        const long long gx = plan_.grad_offset[x];
        GENER_CHECK(!overlap(plan_.value_offset[x], plan_.value_offset[y], len),
                    "memory plan: layer " << n.name << " output shares memory with its input");
        const bool bwd = gx < 0 || overlap(gx, plan_.value_offset[x], len) || overlap(gx, plan_.grad_offset[y], len);
        bn_scratch_[i] = bwd ? 1 : 0;
        if (bwd) scratch = std::max(scratch, static_cast<size_t>(len));
      }
    scratch_.reset(scratch);

    // Plan every convolution for max_batch now and reserve the largest workspace, so steps do not allocate.
    size_t ws = 0;
    for (const Node& n : gr.nodes) {
      if (n.op != OpKind::Conv2d) continue;
      k::Conv2dShape s = n.conv;
      s.n = plan_.max_batch;
      ws = std::max(ws, convs_.workspace_bytes(ctx_, s, /*backward=*/false));
      if (training_) ws = std::max(ws, convs_.workspace_bytes(ctx_, s, /*backward=*/true));
    }
    if (ws > 0) ctx_.workspace(ws);
    ctx_.synchronize();
  }

  ~CudaNetwork() override {
    // Buffers are freed after this; let queued work that reads them finish first.
    GENER_CUDA_WARN(cudaStreamSynchronize(ctx_.stream()) == cudaSuccess, "cudaStreamSynchronize");
  }

  std::vector<float> get_params() const override { return download(params_); }
  void set_params(const std::vector<float>& p) override {
    GENER_CHECK(p.size() == params_.size(), "set_params: expected " << params_.size() << " floats, got " << p.size());
    upload(params_.get(), p);
    eval_affine_stale_ = true;
  }
  std::vector<float> get_grads() const override { return download(grads_); }
  float* gradient_buffer() override { return grads_.get(); }
  bool gradients_on_device() const override { return true; }
  std::vector<float> get_state() const override { return download(state_); }
  void set_state(const std::vector<float>& s) override {
    GENER_CHECK(s.size() == state_.size(), "set_state: expected " << state_.size() << " floats, got " << s.size());
    upload(state_.get(), s);
    eval_affine_stale_ = true;
  }
  std::vector<float> get_opt_state() const override { return download(opt_); }
  void set_opt_state(const std::vector<float>& s) override {
    GENER_CHECK(s.size() == opt_.size(), "set_opt_state: expected " << opt_.size() << " floats, got " << s.size());
    upload(opt_.get(), s);
  }

  void set_expression(const float* expr, int n_genes) override {
    GENER_CHECK(n_genes >= 1, "set_expression: need at least one gene, got " << n_genes);
    const size_t n = static_cast<size_t>(n_genes) * graph_.L;
    ctx_.synchronize();  // no queued kernel may still read the old matrix
    if (expr_.size() != n) expr_.reset(n);
    CUDA_CHECK(cudaMemcpyAsync(expr_.get(), expr, n * sizeof(float), cudaMemcpyHostToDevice, ctx_.stream()));
    ctx_.synchronize();
    n_genes_ = n_genes;
  }

  float forward_backward(const int32_t* pairs, const int32_t* labels, int B, uint64_t step,
                         const BatchShare& share) override {
    GENER_CHECK(training_, "forward_backward: network was planned for inference only");
    GENER_CHECK(labels != nullptr, "forward_backward: labels are required");
    GENER_CHECK(share.row0 >= 0 && share.global_batch >= B,
                "forward_backward: rows [" << share.row0 << ", +" << B << ") of a batch of " << share.global_batch);
    if (B == 0) {  // a rank without rows in this global batch contributes nothing
      zero(grads_.get(), grads_.size());
      ctx_.synchronize();
      return 0.f;
    }
    share_ = share;
    stage_batch(pairs, labels, B);
    const int32_t* d_pairs = in_.get();
    const int32_t* d_labels = in_.get() + 2 * static_cast<size_t>(B);
    float* d_losses = out_.get() + B;
    forward(d_pairs, d_labels, d_losses, B, /*train=*/true, step);
    backward(d_labels, B, step);
    share_ = BatchShare{};
    eval_affine_stale_ = true;  // running statistics moved
    const float* losses = fetch(d_losses, static_cast<size_t>(B));
    double sum = 0;
    for (int i = 0; i < B; ++i) sum += losses[i];  // the CPU's order and precision
    return static_cast<float>(sum / B);
  }

  void apply_update(float lr, long long t) override {
    GENER_CHECK(training_, "apply_update: network was planned for inference only");
    const long long n = static_cast<long long>(params_.size());
    if (train_.optimizer == "adam")
      k::adam_update_cuda(n, lr, train_.adam_beta1, train_.adam_beta2, train_.adam_eps, t, params_.get(),
                          grads_.get(), opt_.get(), opt_.get() + n, ctx_.stream());
    else
      k::sgd_update_cuda(n, lr, train_.momentum, params_.get(), grads_.get(), opt_.get(), ctx_.stream());
    eval_affine_stale_ = true;  // gamma and beta moved
  }

  double predict(const int32_t* pairs, int B, float* p_pos, const int32_t* labels) override {
    stage_batch(pairs, labels, B);
    if (eval_affine_stale_) refresh_eval_affine();
    const int32_t* d_pairs = in_.get();
    const int32_t* d_labels = labels ? in_.get() + 2 * static_cast<size_t>(B) : nullptr;
    float* d_losses = labels ? out_.get() + B : nullptr;
    forward(d_pairs, d_labels, d_losses, B, /*train=*/false, 0);
    cuda_ops::gather_column_cuda(B, graph_.config.classes, 1, value(graph_.t_probs), out_.get(), ctx_.stream());
    const float* host = fetch(out_.get(), static_cast<size_t>(labels ? 2 * B : B));  // [p_pos (B) | losses (B)]
    std::memcpy(p_pos, host, sizeof(float) * static_cast<size_t>(B));
    double sum = 0;
    if (labels)
      for (int i = 0; i < B; ++i) sum += host[B + i];
    return sum;
  }

 private:
  float* value(int t) const { return arena_.get() + plan_.value_offset[t]; }
  float* grad(int t) const { return plan_.grad_offset[t] < 0 ? nullptr : arena_.get() + plan_.grad_offset[t]; }
  float* P(int idx) const { return params_.get() + graph_.params[idx].offset; }
  float* G(int idx) const { return grads_.get() + graph_.params[idx].offset; }
  float* S(int idx) const { return state_.get() + graph_.state[idx].offset; }

  void zero(void* p, size_t floats) {
    if (floats > 0) CUDA_CHECK(cudaMemsetAsync(p, 0, floats * sizeof(float), ctx_.stream()));
  }
  void upload(float* dst, const std::vector<float>& src) {
    if (src.empty()) return;
    CUDA_CHECK(cudaMemcpyAsync(dst, src.data(), src.size() * sizeof(float), cudaMemcpyHostToDevice, ctx_.stream()));
    CUDA_CHECK(cudaStreamSynchronize(ctx_.stream()));
  }
  std::vector<float> download(const DeviceBuffer<float>& src) const {
    std::vector<float> h(src.size());
    if (h.empty()) return h;
    CUDA_CHECK(cudaMemcpyAsync(h.data(), src.get(), h.size() * sizeof(float), cudaMemcpyDeviceToHost, ctx_.stream()));
    CUDA_CHECK(cudaStreamSynchronize(ctx_.stream()));
    return h;
  }
  // Device → pinned host copy of n floats, waited for.
  const float* fetch(const float* src, size_t n) {
    CUDA_CHECK(cudaMemcpyAsync(out_host_.get(), src, n * sizeof(float), cudaMemcpyDeviceToHost, ctx_.stream()));
    ctx_.synchronize();
    return out_host_.get();
  }

  // Checks the batch on the host (indices in range: the gather kernel trusts them), then queues one copy of
  // [pairs (2B) | labels (B)] from the pinned staging buffer into in_.
  void stage_batch(const int32_t* pairs, const int32_t* labels, int B) {
    GENER_CHECK(B >= 1 && B <= plan_.max_batch, "batch of " << B << " pairs outside [1, " << plan_.max_batch << "]");
    GENER_CHECK(n_genes_ > 0, "network: set_expression() was not called");
    for (int i = 0; i < 2 * B; ++i)
      GENER_CHECK(pairs[i] >= 0 && pairs[i] < n_genes_, "pair " << i / 2 << ": gene index " << pairs[i]
                                                                << " outside [0, " << n_genes_ << ")");
    const int C = graph_.config.classes;
    if (labels)
      for (int i = 0; i < B; ++i)
        GENER_CHECK(labels[i] >= 0 && labels[i] < C, "pair " << i << ": label " << labels[i] << " outside [0, " << C
                                                              << ")");
    CUDA_CHECK(cudaEventSynchronize(staged_.get()));  // the previous batch has left the staging buffer
    int32_t* h = in_host_.get();
    std::memcpy(h, pairs, sizeof(int32_t) * 2 * static_cast<size_t>(B));
    const size_t n = static_cast<size_t>(labels ? 3 * B : 2 * B);
    if (labels) std::memcpy(h + 2 * static_cast<size_t>(B), labels, sizeof(int32_t) * static_cast<size_t>(B));
    CUDA_CHECK(cudaMemcpyAsync(in_.get(), h, n * sizeof(int32_t), cudaMemcpyHostToDevice, ctx_.stream()));
    CUDA_CHECK(cudaEventRecord(staged_.get(), ctx_.stream()));
  }

  // Eval-mode batchnorm as per-channel (scale, shift), recomputed on the device after params/state change.
  void refresh_eval_affine() {
    for (const Node& n : graph_.nodes) {
      if (n.op != OpKind::ActBnDropout) continue;
      float* a = eval_affine_.get() + n.saved_offset;
      cuda_ops::bn_eval_scale_shift_cuda(n.bn_c, n.bn_eps, P(n.p_weight), P(n.p_bias), S(n.s_mean), S(n.s_var), a,
                                         a + n.bn_c, ctx_.stream());
    }
    eval_affine_stale_ = false;
  }

  k::BnDropoutParams bn_params(const Node& n, uint64_t step) const {
    return bn_dropout_params(n, train_.seed, step, share_.row0);
  }
  // Scale of the loss gradient: 1 / rows of the global batch (this batch's B outside data-parallel training).
  float grad_scale(int B) const { return 1.f / static_cast<float>(share_.global_batch > 0 ? share_.global_batch : B); }

  // Inference epilogue of layer i: its batchnorm's output = act(raw + bias) * scale + shift.
  void epilogue(size_t i, int B, const float* raw) {
    const Node& layer = graph_.nodes[i];
    const Node& bn = graph_.nodes[static_cast<size_t>(epilogue_bn_[i])];
    const float* a = eval_affine_.get() + bn.saved_offset;
    cuda_ops::bias_act_affine_cuda(B, bn.bn_c, bn.bn_s, bn.act, raw, P(layer.p_bias), a, a + bn.bn_c,
                                   value(bn.out[0]), ctx_.stream());
  }

  void forward(const int32_t* d_pairs, const int32_t* d_labels, float* d_losses, int B, bool train, uint64_t step) {
    k::Stream st = ctx_.stream();
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      const bool fuse = !train && epilogue_bn_[i] >= 0;
      switch (n.op) {
        case OpKind::PairFeatures:
          k::pair_features_cuda(expr_.get(), graph_.L, d_pairs, B, value(n.out[0]),
                                n.out.size() > 1 ? value(n.out[1]) : nullptr, st);
          break;
        case OpKind::Conv2d: {
          k::Conv2dShape s = n.conv;
          s.n = B;
          k::conv2d_forward_cuda(ctx_, convs_, s, value(n.in[0]), P(n.p_weight), fuse ? nullptr : P(n.p_bias),
                                 value(n.out[0]));
          if (fuse) epilogue(i, B, value(n.out[0]));
          break;
        }
        case OpKind::Dense:
          k::dense_forward_cuda(ctx_, B, n.dense_in, n.dense_out, value(n.in[0]), P(n.p_weight),
                                fuse ? nullptr : P(n.p_bias), value(n.out[0]));
          if (fuse) epilogue(i, B, value(n.out[0]));
          break;
        case OpKind::ActBnDropout: {
          k::BnShape s{B, n.bn_c, n.bn_s};
          if (train) {
            float* saved = aux_.get() + n.saved_offset;
            k::act_bn_dropout_forward_train_cuda(s, bn_params(n, step), n.act, value(n.in[0]), P(n.p_weight),
                                                 P(n.p_bias), S(n.s_mean), S(n.s_var), value(n.out[0]), saved,
                                                 saved + n.bn_c, st);
          } else if (!fused_[i]) {  // (a fused one already ran as its layer's epilogue)
            k::act_bn_dropout_forward_eval_cuda(s, n.bn_eps, n.act, value(n.in[0]), P(n.p_weight), P(n.p_bias),
                                                S(n.s_mean), S(n.s_var), value(n.out[0]), st);
          }
          break;
        }
        case OpKind::Concat: {
          const int n1 = static_cast<int>(graph_.tensors[n.in[0]].per_sample());
          const int n2 = static_cast<int>(graph_.tensors[n.in[1]].per_sample());
          k::concat2_cuda(B, n1, n2, value(n.in[0]), value(n.in[1]), value(n.out[0]), st);
          break;
        }
        case OpKind::SoftmaxXent:
          k::softmax_xent_cuda(B, graph_.config.classes, value(n.in[0]), d_labels, grad_scale(B), value(n.out[0]),
                               d_labels ? d_losses : nullptr, nullptr, st);
          break;
      }
    }
  }

  void backward(const int32_t* d_labels, int B, uint64_t step) {
    k::Stream st = ctx_.stream();
    for (size_t j = graph_.nodes.size(); j-- > 0;) {
      const Node& n = graph_.nodes[j];
      switch (n.op) {
        case OpKind::PairFeatures: break;  // nothing upstream to train
        case OpKind::Conv2d: {
          k::Conv2dShape s = n.conv;
          s.n = B;
          k::conv2d_backward_cuda(ctx_, convs_, s, value(n.in[0]), P(n.p_weight), grad(n.out[0]), grad(n.in[0]),
                                  G(n.p_weight), G(n.p_bias));
          break;
        }
        case OpKind::Dense:
          k::dense_backward_cuda(ctx_, B, n.dense_in, n.dense_out, value(n.in[0]), P(n.p_weight), grad(n.out[0]),
                                 grad(n.in[0]), G(n.p_weight), G(n.p_bias));
          break;
        case OpKind::ActBnDropout: {
          k::BnShape s{B, n.bn_c, n.bn_s};
          const float* saved = aux_.get() + n.saved_offset;
          const bool via_scratch = bn_scratch_[j] != 0;
          float* dx = via_scratch ? scratch_.get() : grad(n.in[0]);
          k::act_bn_dropout_backward_cuda(s, bn_params(n, step), n.act, value(n.in[0]), P(n.p_weight), saved,
                                          saved + n.bn_c, grad(n.out[0]), dx, G(n.p_weight), G(n.p_bias), st);
          if (via_scratch && grad(n.in[0]) != nullptr) copy(grad(n.in[0]), dx, s.count());
          break;
        }
        case OpKind::Concat: {
          const int n1 = static_cast<int>(graph_.tensors[n.in[0]].per_sample());
          const int n2 = static_cast<int>(graph_.tensors[n.in[1]].per_sample());
          k::split2_cuda(B, n1, n2, grad(n.out[0]), grad(n.in[0]), grad(n.in[1]), st);
          break;
        }
        case OpKind::SoftmaxXent:
          // Recomputes the probabilities from the logits (kept alive by the plan) and writes dlogits.
          k::softmax_xent_cuda(B, graph_.config.classes, value(n.in[0]), d_labels, grad_scale(B), value(n.out[0]),
                               nullptr, grad(n.in[0]), st);
          break;
      }
    }
  }

  void copy(float* dst, const float* src, long long n) {
    CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice,
                               ctx_.stream()));
  }

  TrainConfig train_;
  bool training_;
  k::GpuContext ctx_;  // declared first among the GPU members: destroyed last
  k::ConvPlanCache convs_;
  DeviceBuffer<float> params_, grads_, state_, opt_;  // one buffer each; opt_ = 2 x n_params
  DeviceBuffer<float> arena_;                         // activations and their gradients, as planned
  DeviceBuffer<float> aux_;                           // training batchnorm saved mean / invstd
  DeviceBuffer<float> eval_affine_;                   // inference batchnorm scale / shift (same offsets)
  DeviceBuffer<float> scratch_;                       // batchnorm dx, only where the plan lets dx alias
  DeviceBuffer<float> out_;                           // [p_pos (max_batch) | losses (max_batch)]
  DeviceBuffer<float> expr_;                          // (G, L), resident
  DeviceBuffer<int32_t> in_;                          // [pairs (2B) | labels (B)] of the current batch
  PinnedBuffer<int32_t> in_host_;
  PinnedBuffer<float> out_host_;
  Event staged_;                     // recorded after each batch's upload: staging buffer free again
  std::vector<int> epilogue_bn_;     // per node: the batchnorm a conv/dense computes in its inference epilogue
  std::vector<char> fused_;          // per node: a batchnorm computed by its layer's epilogue in inference
  std::vector<char> bn_scratch_;     // per batchnorm node: its backward writes dx via scratch_
  bool eval_affine_stale_ = true;
  int n_genes_ = 0;
  BatchShare share_;  // the training batch's place in the global batch, during forward_backward
};

}  // namespace

std::unique_ptr<Network> make_cuda_network(const Graph& g, const NetworkOptions& opt) {
  GENER_CHECK(k::cuda_device_count_safe() > 0, "--device cuda: no CUDA GPU is available on this machine");
  return std::make_unique<CudaNetwork>(g, opt);
}

}  // namespace gener::core
