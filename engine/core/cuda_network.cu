// cuda_network.cu — the CUDA backend: runs the planned graph on one GPU, op for op as cpu_network.cpp does.
// UNVERIFIED on a GPU: written and compiled on a machine without one; tests/test_cuda_network.cpp checks it.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "engine/core/cuda_buffer.h"
#include "engine/core/cuda_network_ops.h"
#include "engine/core/cuda_step_graph.h"
#include "engine/core/fold_bn.h"
#include "engine/core/fused_cnn_plan.h"
#include "engine/core/network.h"
#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/cnn_branch_fused.h"
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
        nan_fill_(debug_nan_fill_requested(opt)),
        use_graphs_(opt.cuda_graphs && !GENER_CUDA_LAUNCH_SYNC_),  // debug builds synchronise per launch
        ctx_(k::GpuContextOptions{opt.gpu, opt.allow_tf32}),  // the rank's GPU; TF32 off unless asked: fp32 like the CPU
        convs_(k::ConvPlanOptions{false, /*deterministic=*/training_, /*forward_only=*/!training_}) {
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
    loss_acc_.reset(1);
    zero(loss_acc_.get(), 2);  // one double
    if (opt.fold_bn) {  // inference runs on batchnorm-folded copies, refreshed when parameters or state change
      fold_ = plan_bn_fold(gr);
      fparams_.reset(gr.n_params);
      fstate_.reset(gr.n_state);
    }
    if (opt.score_path == ScorePath::FusedCnn) {
      GENER_CHECK(opt.fold_bn, "--score-path fused needs batchnorm folding (--fold-bn on)");
      fused_cnn_ = std::make_unique<FusedCnnPlan>(plan_fused_cnn(gr));
    }

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

  void prepare_batch(int B) override {
    GENER_CHECK(B >= 1 && B <= plan_.max_batch, "prepare_batch: " << B << " outside [1, " << plan_.max_batch << "]");
    bool has_conv = false;
    size_t ws = 0;
    for (const Node& n : graph_.nodes) {
      if (n.op != OpKind::Conv2d) continue;
      has_conv = true;
      k::Conv2dShape s = n.conv;
      s.n = B;
      ws = std::max(ws, convs_.workspace_bytes(ctx_, s, /*backward=*/false));
      if (training_) ws = std::max(ws, convs_.workspace_bytes(ctx_, s, /*backward=*/true));
    }
    if (has_conv && ws > 0) ctx_.workspace(ws);
  }

  void train_step(const int32_t* pairs, const int32_t* labels, int B, uint64_t step, float lr, long long t) override {
    GENER_CHECK(training_, "train_step: network was planned for inference only");
    GENER_CHECK(labels != nullptr, "train_step: labels are required");
    stage_batch(pairs, labels, B);
    prepare_batch(B);  // plans and workspace outside any capture (lookups only once seen)
    eval_affine_stale_ = true;
    fold_stale_ = true;
    if (use_graphs_) {
      try {
        run_step_as_graph(B, step, lr, t);
        return;
      } catch (const Error& e) {  // capture is best effort: fall back to plain launches for the rest of the run
        std::fprintf(stderr, "gener: CUDA graph of the training step failed (%s); launching kernels directly\n",
                     e.what());
        use_graphs_ = false;
        (void)cudaGetLastError();
      }
    }
    enqueue_step(B, step, lr, t);
  }

  std::pair<double, long long> take_loss_sum() override {
    double sum = 0;
    CUDA_CHECK(cudaMemcpyAsync(&sum, loss_acc_.get(), sizeof(double), cudaMemcpyDeviceToHost, ctx_.stream()));
    zero(loss_acc_.get(), 2);
    ctx_.synchronize();
    std::pair<double, long long> r{sum, pending_pairs_};
    pending_pairs_ = 0;
    return r;
  }

  std::vector<float> get_params() const override { return download(params_); }
  void set_params(const std::vector<float>& p) override {
    GENER_CHECK(p.size() == params_.size(), "set_params: expected " << params_.size() << " floats, got " << p.size());
    upload(params_.get(), p);
    eval_affine_stale_ = true;
    fold_stale_ = true;
  }
  std::vector<float> get_grads() const override { return download(grads_); }
  float* gradient_buffer() override { return grads_.get(); }
  bool gradients_on_device() const override { return true; }
  std::vector<float> get_state() const override { return download(state_); }
  void set_state(const std::vector<float>& s) override {
    GENER_CHECK(s.size() == state_.size(), "set_state: expected " << state_.size() << " floats, got " << s.size());
    upload(state_.get(), s);
    eval_affine_stale_ = true;
    fold_stale_ = true;
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
    fold_stale_ = true;
    const float* losses = fetch(d_losses, static_cast<size_t>(B));
    double sum = 0;
    for (int i = 0; i < B; ++i) sum += losses[i];  // the CPU's order and precision
    return static_cast<float>(sum / B);
  }

  void apply_update(float lr, long long t) override {
    GENER_CHECK(training_, "apply_update: network was planned for inference only");
    update(lr, t);
    eval_affine_stale_ = true;  // gamma and beta moved
    fold_stale_ = true;
  }

  double predict(const int32_t* pairs, int B, float* p_pos, const int32_t* labels) override {
    stage_batch(pairs, labels, B);
    if (!fold_.into.empty() && fold_stale_) refresh_fold();
    if (eval_affine_stale_) refresh_eval_affine();
    const int32_t* d_pairs = in_.get();
    const int32_t* d_labels = labels ? in_.get() + 2 * static_cast<size_t>(B) : nullptr;
    float* d_losses = labels ? out_.get() + B : nullptr;
    folded_now_ = !fold_.into.empty();
    try {
      forward(d_pairs, d_labels, d_losses, B, /*train=*/false, 0);
    } catch (...) {
      folded_now_ = false;
      throw;
    }
    folded_now_ = false;
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
  // Parameters and state a pass reads: as set, or (inference with fold_bn) their batchnorm-folded copies.
  float* P(int idx) const { return (folded_now_ ? fparams_ : params_).get() + graph_.params[idx].offset; }
  float* G(int idx) const { return grads_.get() + graph_.params[idx].offset; }
  float* S(int idx) const { return (folded_now_ ? fstate_ : state_).get() + graph_.state[idx].offset; }
  float bn_eps(size_t node) const {
    return fold_.into.empty() ? graph_.nodes[node].bn_eps : folded_bn_eps(graph_, fold_, node);
  }

  void update(float lr, long long t) {
    const long long n = static_cast<long long>(params_.size());
    if (train_.optimizer == "adam")
      k::adam_update_cuda(n, lr, train_.adam_beta1, train_.adam_beta2, train_.adam_eps, t, params_.get(),
                          grads_.get(), opt_.get(), opt_.get() + n, ctx_.stream());
    else
      k::sgd_update_cuda(n, lr, train_.momentum, params_.get(), grads_.get(), opt_.get(), ctx_.stream());
  }

  // One training step on the staged batch, queued without a host synchronisation; the batch's loss is summed into
  // loss_acc_ on the device.
  void enqueue_step(int B, uint64_t step, float lr, long long t) {
    const int32_t* d_pairs = in_.get();
    const int32_t* d_labels = in_.get() + 2 * static_cast<size_t>(B);
    float* d_losses = out_.get() + B;
    forward(d_pairs, d_labels, d_losses, B, /*train=*/true, step);
    backward(d_labels, B, step);
    update(lr, t);
    cuda_ops::accumulate_sum_cuda(B, d_losses, loss_acc_.get(), ctx_.stream());
    pending_pairs_ += B;
  }

  // The step as a CUDA graph (cuda_step_graph.h): captured afresh each step (the dropout step, the learning rate
  // and the batch size are kernel arguments) and replayed.
  void run_step_as_graph(int B, uint64_t step, float lr, long long t) {
    step_graph_.run(ctx_.stream(), [&] { enqueue_step(B, step, lr, t); });
  }

  // Batchnorm folded on the host (fold_bn.h) from the device's current parameters and state, then uploaded.
  void refresh_fold() {
    const std::vector<float> p = download(params_), s = download(state_);
    std::vector<float> fp(p.size()), fs(s.size());
    fold_bn(graph_, fold_, p.data(), s.data(), fp.data(), fs.data());
    upload(fparams_.get(), fp);
    upload(fstate_.get(), fs);
    fold_stale_ = false;
    eval_affine_stale_ = true;
  }

  // The fused kernel in place of the CNN branch's layers: writes bn_fc1's output (its folded batchnorm is x).
  void run_fused(const int32_t* d_pairs, int B) {
    const Graph& g = graph_;
    const std::vector<int>& L = fused_cnn_->layers;
    auto W = [&](int node) { return P(g.nodes[static_cast<size_t>(node)].p_weight); };
    auto Bi = [&](int node) { return P(g.nodes[static_cast<size_t>(node)].p_bias); };
    const k::CnnBranchWeights w{W(L[0]), Bi(L[0]), W(L[1]), Bi(L[1]), W(L[2]), Bi(L[2]), W(L[3]), Bi(L[3])};
    k::cnn_branch_fused_cuda(fused_cnn_->shape, fused_cnn_->act, expr_.get(), d_pairs, B, w, value(fused_cnn_->out),
                             ctx_.stream());
  }

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
    folded_now_ = !fold_.into.empty();  // the affine of the parameters inference runs on
    for (const Node& n : graph_.nodes) {
      if (n.op != OpKind::ActBnDropout) continue;
      float* a = eval_affine_.get() + n.saved_offset;
      const size_t i = static_cast<size_t>(&n - graph_.nodes.data());
      cuda_ops::bn_eval_scale_shift_cuda(n.bn_c, bn_eps(i), P(n.p_weight), P(n.p_bias), S(n.s_mean), S(n.s_var), a,
                                         a + n.bn_c, ctx_.stream());
    }
    eval_affine_stale_ = false;
    folded_now_ = false;
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
    if (nan_fill_)  // all bytes 0xFF: NaN floats, so a read of anything not written in this pass shows up
      CUDA_CHECK(cudaMemsetAsync(arena_.get(), 0xFF, arena_.size() * sizeof(float), st));
    const bool fused = fused_cnn_ != nullptr && !train;
    if (fused) run_fused(d_pairs, B);
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      const bool fuse = !train && epilogue_bn_[i] >= 0;
      if (fused && fused_cnn_->skip[i]) continue;  // computed by the fused CNN kernel
      switch (n.op) {
        case OpKind::PairFeatures:  // the fused path needs only the MLP input
          k::pair_features_cuda(expr_.get(), graph_.L, d_pairs, B, fused ? nullptr : value(n.out[0]),
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
            k::act_bn_dropout_forward_eval_cuda(s, bn_eps(i), n.act, value(n.in[0]), P(n.p_weight), P(n.p_bias),
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
  bool nan_fill_;      // debug: NaN-fill the arena before every pass
  bool use_graphs_;    // train_step replays a CUDA graph
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
  DeviceBuffer<float> fparams_, fstate_;  // batchnorm-folded copies for inference (fold_bn)
  DeviceBuffer<double> loss_acc_;         // train_step's loss sum since take_loss_sum()
  BnFoldPlan fold_;                       // empty without fold_bn
  bool fold_stale_ = true, folded_now_ = false;
  StepGraph step_graph_;                  // train_step's CUDA graph
  std::unique_ptr<FusedCnnPlan> fused_cnn_;  // --score-path fused: the nodes the fused CNN kernel replaces
  BatchShare share_;  // the training batch's place in the global batch, during forward_backward
};

}  // namespace

std::unique_ptr<Network> make_cuda_network(const Graph& g, const NetworkOptions& opt) {
  const k::CudaProbe probe = k::cuda_probe();
  GENER_CHECK(probe.devices > 0, "--device cuda: no usable CUDA GPU on this machine: " << probe.reason);
  return std::make_unique<CudaNetwork>(g, opt);
}

}  // namespace gener::core
