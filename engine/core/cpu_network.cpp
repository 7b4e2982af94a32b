// cpu_network.cpp — the CPU backend: executes the planned graph with the kernels/*_cpu reference ops.
// Training splits each batch into lanes of contiguous rows, one per thread, each with its own activation arena
// and gradient buffer; the lanes meet only where batchnorm needs the whole batch's per-channel sums (once per
// block forward, once backward) and once at the end to add their weight gradients.
#include <algorithm>
#include <cmath>
#include <limits>

#include <omp.h>

#include "engine/core/fold_bn.h"
#include "engine/core/lane_barrier.h"
#include "engine/core/lowp_plan.h"
#include "engine/core/network.h"
#include "kernels/aligned_vector.h"
#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/concat.h"
#include "kernels/conv2d.h"
#include "kernels/conv2d_direct.h"
#include "kernels/conv_bn_fold.h"
#include "kernels/dense.h"
#include "kernels/cpu_features.h"
#include "kernels/hash.h"
#include "kernels/optimizer.h"
#include "kernels/pair_features.h"
#include "kernels/softmax_xent.h"

namespace gener::core {
namespace {

namespace k = gener::kernels;

// Per-thread inference state: a memory plan for a micro-batch and its buffers. Scoring splits a batch into
// micro-batches that run through the whole network on one thread each, so activations stay in cache.
struct Lane {
  MemoryPlan plan;
  std::vector<float> arena, aux, workspace, losses;
  LowpScratch lowp;  // reduced-precision activations (with a LowpPlan)
};

// One training lane: a thread's rows of the batch, planned and run as a batch of their own.
struct TrainLane {
  MemoryPlan plan;
  // The arena on cache lines (the planner's 16-float offsets are then 64-byte aligned: whole rows load and store
  // without splitting a line).
  kernels::AlignedVector<float> arena;
  std::vector<float> aux, workspace, losses, grads;  // grads: lane 0 writes the network's buffer instead
  std::vector<double> stats;                                 // per-channel merge scratch
  int syncs = 0;                                             // batchnorm meetings so far in this step
  std::vector<double> run_stats;  // a conv's per-row, per-channel sums for the batchnorm after it (rows, C, 2)
  bool run_stats_ready = false;   // set by that conv when its kernel wrote them
  // Row fusion (NetworkOptions::row_fusion), one sample each: a conv's output gradient and input gradient, which the
  // batchnorm blocks' backward halves make and use inside the conv's backward; and a conv's input, which the block
  // before makes from its own input in the conv's forward and again in its backward (the block's output is never
  // stored). open_slot: the meeting slot a conv's backward filled with the sums of the block before it.
  std::vector<float> row_dz, row_dy, row_x;
  double* open_slot = nullptr;
  // Per node, for a block whose output rows the next conv makes (bn_apply_in_conv): the lane's dropout decisions as
  // bits (kernels::BnKeepBits), hashed once in the forward and read by the backward. Empty elsewhere.
  std::vector<std::vector<uint16_t>> keep_bits;
  // First-conv fold (NetworkOptions::first_conv_fold): the conv's output row, remade from its input where it is read;
  // the block after it's dropped gradient row; the conv's packed weights (packed once per step, in the forward);
  // the lane's sums for its weight gradient, and their per-row scratch.
  std::vector<float> fold_y, fold_g, fold_packed, fold_scratch;
  std::vector<double> fold_sums;
  // A dense layer fed by a batchnorm block (bn_apply_in_dense), kDenseRows rows at a time: the block's output rows,
  // and their gradient.
  std::vector<float> dense_x, dense_dx;
};

constexpr int kMicroBatch = 64;
constexpr int kLowpMicroBatch = 16;  // bf16/int8: the fp32 conv activations of 16 pairs stay in L2
// fp32 (the convolution chain): a whole block of the dense rows' in-place hand-over (24), so no row is copied
constexpr int kChainMicroBatch = 24;
// Training: rows per block of a dense layer whose input rows a batchnorm block makes (bn_apply_in_dense): two blocks
// of the paper's 4,264 inputs are 0.5 MB, in L2.
constexpr int kDenseRows = 16;

class CpuNetwork final : public Network {
 public:
  CpuNetwork(const Graph& g, const NetworkOptions& opt)
      : Network(g, opt.max_batch, opt.mode),
        train_(opt.train),
        nan_fill_(debug_nan_fill_requested(opt)),
        row_fusion_(opt.row_fusion),
        keep_bits_avx512_(opt.row_fusion && k::fp32_simd() == k::Fp32Simd::Avx512) {
    const Graph& gr = graph_;
    if (opt.first_conv_fold) fold_conv_ = find_fold_conv();
    if (fold_conv_ >= 0) {  // asked once: the fold's rows run on these instructions for the network's life
      k::Conv2dShape s = gr.nodes[static_cast<size_t>(fold_conv_)].conv;
      s.n = 1;
      fold_isa_ = k::conv2d_direct_isa(s);
    }
    params_ = init_params(gr, train_.seed);
    state_ = init_state(gr);
    if (opt.fold_bn) {  // inference runs on batchnorm-folded copies, refreshed when parameters or state change
      fold_ = plan_bn_fold(gr);
      fparams_.assign(gr.n_params, 0.f);
      fstate_.assign(gr.n_state, 0.f);
    }
    // Folded inference runs the planned layers on the AVX-512 kernels of kernels/lowp.h: fp32 dense layers, or bf16 /
    // int8 convolutions and dense layers when asked for.
    const kernels::Precision prec = kernels::resolve_precision(opt.precision, nullptr);
    GENER_CHECK(prec == kernels::Precision::Fp32 || opt.fold_bn,
                "precision " << kernels::precision_name(prec) << " needs batchnorm folding (fold_bn on)");
    if (opt.fold_bn && (prec != kernels::Precision::Fp32 || kernels::fp32_dense_fast_available()))
      lowp_ = std::make_unique<LowpPlan>(gr, fold_, prec);
    aux_.assign(gr.n_aux, 0.f);
    // Workspace: conv scratch (im2col, weight-gradient partials, packed weights).
    auto conv_workspace = [&gr](int batch) {
      size_t ws = 0;
      for (const Node& n : gr.nodes)
        if (n.op == OpKind::Conv2d) {
          k::Conv2dShape s = n.conv;
          s.n = batch;
          ws = std::max(ws, k::conv2d_workspace_floats_cpu(s));
        }
      return ws;
    };
    const size_t conv_ws = conv_workspace(plan_.max_batch);
    if (plan_.mode == PlanMode::Training) plan_train_lanes(conv_workspace);
    const bool reduced = lowp_ && lowp_->precision() != kernels::Precision::Fp32;
    const bool chain = lowp_ && lowp_->has_conv_chain();
    const int mb = std::min(reduced ? kLowpMicroBatch : chain ? kChainMicroBatch : kMicroBatch, plan_.max_batch);
    lanes_.resize(static_cast<size_t>(std::max(1, omp_get_max_threads())));
    for (Lane& l : lanes_) {
      l.plan = plan_memory(gr, mb, PlanMode::Inference);
      l.arena.assign(static_cast<size_t>(l.plan.arena_floats), 0.f);
      l.aux.assign(gr.n_aux, 0.f);
      l.workspace.assign(conv_ws, 0.f);
      l.losses.assign(static_cast<size_t>(mb), 0.f);
      if (lowp_) lowp_->reserve(l.lowp, mb);
    }
    chunk_losses_.assign(static_cast<size_t>((plan_.max_batch + mb - 1) / mb), 0.0);
    if (plan_.mode == PlanMode::Training) {
      grads_.assign(gr.n_params, 0.f);
      opt_.assign(2 * gr.n_params, 0.f);
    }
  }

  // One lane per thread, each planned for its share of the largest batch. Checks here what the kernels would
  // otherwise check inside the lanes' parallel region, where an exception must not be thrown.
  template <class ConvWorkspace>
  void plan_train_lanes(const ConvWorkspace& conv_workspace) {
    const Graph& gr = graph_;
    const int lanes = std::max(1, std::min(omp_get_max_threads(), plan_.max_batch));
    const int rows = (plan_.max_batch + lanes - 1) / lanes;
    int max_c = 1;
    size_t conv_out = 0, conv_in = 0;  // per sample, the largest
    for (const Node& n : gr.nodes) {
      if (n.op == OpKind::Conv2d) {
        conv_out = std::max<size_t>(conv_out, gr.tensors[n.out[0]].per_sample());
        conv_in = std::max<size_t>(conv_in, gr.tensors[n.in[0]].per_sample());
      }
      if (n.op == OpKind::ActBnDropout) {
        max_c = std::max(max_c, n.bn_c);
        GENER_CHECK(n.dropout >= 0.f && n.dropout < 1.f,
                    "layer " << n.name << ": dropout rate must be in [0, 1), got " << n.dropout);
      }
    }
    train_lanes_.resize(static_cast<size_t>(lanes));
    for (size_t t = 0; t < train_lanes_.size(); ++t) {
      TrainLane& l = train_lanes_[t];
      l.plan = plan_memory(gr, rows, PlanMode::Training);
      l.arena.assign(static_cast<size_t>(l.plan.arena_floats), 0.f);
      l.aux.assign(gr.n_aux, 0.f);
      l.workspace.assign(conv_workspace(rows), 0.f);
      l.losses.assign(static_cast<size_t>(rows), 0.f);
      if (t > 0) l.grads.assign(gr.n_params, 0.f);
      l.stats.assign(4 * static_cast<size_t>(max_c) + static_cast<size_t>(lanes), 0.0);
      l.run_stats.assign(2 * static_cast<size_t>(rows) * max_c, 0.0);
      l.row_dz.assign(conv_out, 0.f);
      l.row_dy.assign(conv_in, 0.f);
      l.row_x.assign(conv_in, 0.f);
      l.keep_bits.assign(gr.nodes.size(), {});
      if (fold_conv_ >= 0) {
        k::Conv2dShape fs = gr.nodes[static_cast<size_t>(fold_conv_)].conv;
        fs.n = 1;
        const size_t out_row = static_cast<size_t>(fs.c_out) * fs.w_out();
        l.fold_y.assign(out_row, 0.f);
        l.fold_g.assign(out_row, 0.f);
        l.fold_packed.assign(k::conv2d_direct_packed_floats(fs), 0.f);
        l.fold_scratch.assign(k::conv_bn_fold_scratch_floats(fs), 0.f);
        l.fold_sums.assign(k::conv_bn_fold_sums_doubles(fs), 0.0);
      }
      size_t dense_in = 0;
      for (size_t j = 0; j < gr.nodes.size(); ++j)
        if (bn_apply_in_dense(j))
          dense_in = std::max<size_t>(dense_in, gr.tensors[gr.nodes[j].out[0]].per_sample());
      l.dense_x.assign(dense_in * std::min(kDenseRows, rows), 0.f);
      l.dense_dx.assign(l.dense_x.size(), 0.f);
      for (size_t j = 0; keep_bits_avx512_ && j < gr.nodes.size(); ++j)
        if (bn_apply_in_conv(j) || bn_apply_in_dense(j))
          l.keep_bits[j].assign(static_cast<size_t>(rows) * gr.nodes[j].bn_c * k::bn_keep_words(gr.nodes[j].bn_s), 0);
    }
    // Two slots (meetings alternate between them), each holding every lane's two sums per channel.
    lane_sums_.assign(2 * 2 * static_cast<size_t>(lanes) * max_c, 0.0);
    max_bn_c_ = max_c;
  }

  std::vector<float> get_params() const override { return params_; }
  void set_params(const std::vector<float>& p) override {
    GENER_CHECK(p.size() == params_.size(), "set_params: expected " << params_.size() << " floats, got " << p.size());
    params_ = p;
    fold_stale_ = true;
  }
  std::vector<float> get_grads() const override { return grads_; }
  float* gradient_buffer() override { return grads_.data(); }
  bool gradients_on_device() const override { return false; }
  std::vector<float> get_state() const override { return state_; }
  void set_state(const std::vector<float>& s) override {
    GENER_CHECK(s.size() == state_.size(), "set_state: expected " << state_.size() << " floats, got " << s.size());
    state_ = s;
    fold_stale_ = true;
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

  float forward_backward(const int32_t* pairs, const int32_t* labels, int B, uint64_t step,
                         const BatchShare& share) override {
    GENER_CHECK(plan_.mode == PlanMode::Training, "forward_backward: network was planned for inference only");
    GENER_CHECK(share.row0 >= 0 && share.global_batch >= B,
                "forward_backward: rows [" << share.row0 << ", +" << B << ") of a batch of " << share.global_batch);
    if (B == 0) {  // a rank without rows in this global batch contributes nothing
      std::fill(grads_.begin(), grads_.end(), 0.f);
      return 0.f;
    }
    check_batch(pairs, B);
    check_labels(labels, B);
    share_ = share;
    fold_stale_ = true;  // running statistics move
    const int asked = static_cast<int>(std::min<size_t>(train_lanes_.size(), static_cast<size_t>(B)));
    int lanes_run = 1;
#pragma omp parallel num_threads(asked)
    {
      const int lanes = omp_get_num_threads(), t = omp_get_thread_num();
      omp_set_num_threads(1);  // the kernels inside a lane run on its thread alone
      if (t == 0) lanes_run = lanes;
      TrainLane& l = train_lanes_[static_cast<size_t>(t)];
      const int r0 = lane_row(B, lanes, t), r1 = lane_row(B, lanes, t + 1);
      Buffers buf{l.plan, l.arena.data(), l.aux.data(), l.workspace.data(), l.losses.data()};
      buf.grads = t == 0 ? grads_.data() : l.grads.data();
      buf.lane = &l;
      buf.lane_index = t;
      buf.lanes = lanes;
      buf.row0 = r0;
      buf.batch = B;
      l.syncs = 0;
      if (nan_fill_) poison(l.arena);
      forward(buf, pairs + 2 * static_cast<size_t>(r0), labels + r0, r1 - r0, /*train=*/true, step);
      backward(buf, labels + r0, r1 - r0, step);
      lane_barrier_.wait(lanes);
      // The weight gradients: lane 0's buffer plus the others' in lane order, each thread a slice of it.
      const size_t np = grads_.size();
      const size_t p0 = np * static_cast<size_t>(t) / lanes, p1 = np * static_cast<size_t>(t + 1) / lanes;
      for (int u = 1; u < lanes; ++u) {
        const float* g = train_lanes_[static_cast<size_t>(u)].grads.data();
        for (size_t i = p0; i < p1; ++i) grads_[i] += g[i];
      }
    }
    share_ = BatchShare{};
    double sum = 0;  // in row order, lane by lane
    for (int t = 0; t < lanes_run; ++t) {
      const TrainLane& l = train_lanes_[static_cast<size_t>(t)];
      const int rows = lane_row(B, lanes_run, t + 1) - lane_row(B, lanes_run, t);
      for (int i = 0; i < rows; ++i) sum += l.losses[static_cast<size_t>(i)];
    }
    return static_cast<float>(sum / B);
  }

  void apply_update(float lr, long long t) override {
    GENER_CHECK(plan_.mode == PlanMode::Training, "apply_update: network was planned for inference only");
    const long long n = static_cast<long long>(params_.size());
    fold_stale_ = true;
    if (train_.optimizer == "adam")
      k::adam_update_cpu(n, lr, train_.adam_beta1, train_.adam_beta2, train_.adam_eps, t, params_.data(),
                         grads_.data(), opt_.data(), opt_.data() + n);
    else
      k::sgd_update_cpu(n, lr, train_.momentum, params_.data(), grads_.data(), opt_.data());
  }

  double predict(const int32_t* pairs, int B, float* p_pos, const int32_t* labels) override {
    check_batch(pairs, B);
    check_labels(labels, B);
    const int mb = lanes_[0].plan.max_batch;
    const int chunks = (B + mb - 1) / mb;
    const int C = graph_.config.classes;
    std::vector<double>& sums = chunk_losses_;  // sized for max_batch at construction: no allocation here
    std::fill(sums.begin(), sums.begin() + chunks, 0.0);
    if (!fold_.into.empty() && fold_stale_) {
      fold_bn(graph_, fold_, params_.data(), state_.data(), fparams_.data(), fstate_.data());
      fold_stale_ = false;
      if (lowp_) lowp_->pack(graph_, fparams_.data());  // weights converted once per parameter set
    }
    FoldedScope folded(*this, !fold_.into.empty());
    // At most one thread per lane, even if the thread count grew after construction.
    const int threads = static_cast<int>(std::min<size_t>(lanes_.size(), static_cast<size_t>(chunks)));
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int ch = 0; ch < chunks; ++ch) {
      Lane& l = lanes_[static_cast<size_t>(omp_get_thread_num())];
      const int first = ch * mb, n = std::min(mb, B - first);
      Buffers buf{l.plan, l.arena.data(), l.aux.data(), l.workspace.data(), l.losses.data(), &l.lowp};
      if (nan_fill_) poison(l.arena);
      forward(buf, pairs + 2 * first, labels ? labels + first : nullptr, n, /*train=*/false, 0);
      const float* probs = buf.value(graph_.t_probs);
      for (int i = 0; i < n; ++i) p_pos[first + i] = probs[static_cast<size_t>(i) * C + 1];
      if (labels)
        for (int i = 0; i < n; ++i) sums[ch] += l.losses[i];
    }
    double sum = 0;
    for (int ch = 0; ch < chunks; ++ch) sum += sums[ch];  // fixed order: deterministic
    return sum;
  }

 private:
  // The activation buffers one pass runs on: a training lane's, or an inference lane's.
  struct Buffers {
    const MemoryPlan& plan;
    float *arena, *aux, *workspace, *losses;
    LowpScratch* lowp = nullptr;  // inference lanes only
    // Training: where this lane writes weight gradients, and its place in the batch.
    float* grads = nullptr;
    TrainLane* lane = nullptr;
    int lane_index = 0, lanes = 1, row0 = 0, batch = 0;
    float* value(int t) const { return arena + plan.value_offset[t]; }
    float* grad(int t) const { return plan.grad_offset[t] < 0 ? nullptr : arena + plan.grad_offset[t]; }
  };
  // First row of lane t of `lanes` over a batch of B rows (contiguous, balanced).
  static int lane_row(int B, int lanes, int t) {
    return static_cast<int>(static_cast<long long>(B) * t / lanes);
  }
  // Parameters and state a pass reads: as set, or (inference with fold_bn) their batchnorm-folded copies.
  float* P(int idx) { return (folded_now_ ? fparams_ : params_).data() + graph_.params[idx].offset; }
  float* G(const Buffers& b, int idx) { return b.grads + graph_.params[idx].offset; }
  float* S(int idx) { return (folded_now_ ? fstate_ : state_).data() + graph_.state[idx].offset; }
  float bn_eps(size_t node) const {
    return folded_now_ ? folded_bn_eps(graph_, fold_, node) : graph_.nodes[node].bn_eps;
  }
  // Folded parameters for the duration of one predict().
  struct FoldedScope {
    FoldedScope(CpuNetwork& n, bool on) : net(n) { net.folded_now_ = on; }
    ~FoldedScope() { net.folded_now_ = false; }
    CpuNetwork& net;
  };
  template <class V>
  static void poison(V& v) {
    std::fill(v.begin(), v.end(), std::numeric_limits<float>::quiet_NaN());
  }

  // Labels are checked here, before any parallel region: an exception must not escape an OpenMP team.
  void check_labels(const int32_t* labels, int B) const {
    if (!labels) return;
    for (int i = 0; i < B; ++i)
      GENER_CHECK(labels[i] >= 0 && labels[i] < graph_.config.classes,
                  "pair " << i << ": label " << labels[i] << " outside [0, " << graph_.config.classes << ")");
  }

  void check_batch(const int32_t* pairs, int B) const {
    GENER_CHECK(B >= 1 && B <= plan_.max_batch, "batch of " << B << " pairs outside [1, " << plan_.max_batch << "]");
    GENER_CHECK(!expr_.empty(), "network: set_expression() was not called");
    for (int i = 0; i < 2 * B; ++i)
      GENER_CHECK(pairs[i] >= 0 && pairs[i] < n_genes_, "pair " << i / 2 << ": gene index " << pairs[i]
                                                                << " outside [0, " << n_genes_ << ")");
  }

  k::BnDropoutParams bn_params(const Buffers& b, const Node& n, uint64_t step) const {
    return bn_dropout_params(n, train_.seed, step, share_.row0 + b.row0);
  }

  // The lanes' meeting slot of this lane's next batchnorm sync: (2 sums, lanes, channels) doubles. Meetings
  // alternate between two slots, so a lane that runs ahead to the next one never overwrites sums another
  // lane is still reading.
  double* next_sync_slot(const Buffers& b) {
    const int slot = b.lane->syncs++ & 1;
    return lane_sums_.data() + static_cast<size_t>(slot) * 2 * b.lanes * max_bn_c_;
  }
  // In a slot of C channels: sum `which` (0 or 1) of lane `lane`.
  static double* slot_sums(double* slot, const Buffers& b, int C, int which, int lane) {
    return slot + (static_cast<size_t>(which) * b.lanes + lane) * C;
  }

  // Training-mode act → batchnorm → dropout over the lanes: each lane's statistics, one meeting, the merged
  // batch statistics (running statistics updated by lane 0), then the lane's rows.
  // With row fusion the last step (y) runs row by row inside the forward of the conv the block feeds.
  void bn_forward_lanes(const Buffers& b, size_t j, int rows, uint64_t step) {
    const Node& n = graph_.nodes[j];
    const int C = n.bn_c, L = b.lanes;
    const k::BnShape s{rows, C, n.bn_s};
    double* slot = next_sync_slot(b);
    double *means = slot_sums(slot, b, C, 0, 0), *m2s = slot_sums(slot, b, C, 1, 0);
    const float* x = b.value(n.in[0]);
    double *my_mean = slot_sums(slot, b, C, 0, b.lane_index), *my_m2 = slot_sums(slot, b, C, 1, b.lane_index);
    if (b.lane->run_stats_ready)  // the conv before wrote them
      k::bn_lane_stats_from_runs(s, b.lane->run_stats.data(), my_mean, my_m2);
    else
      k::act_bn_lane_stats_cpu(s, n.act, x, my_mean, my_m2);
    b.lane->run_stats_ready = false;
    lane_barrier_.wait(L);
    double *mean = b.lane->stats.data(), *var = mean + C, *counts = mean + 4 * static_cast<size_t>(max_bn_c_);
    for (int u = 0; u < L; ++u)
      counts[u] = static_cast<double>(lane_row(b.batch, L, u + 1) - lane_row(b.batch, L, u)) * n.bn_s;
    k::bn_merge_lane_stats(C, L, counts, means, m2s, mean, var);
    float* saved = b.aux + n.saved_offset;
    const k::BnDropoutParams p = bn_params(b, n, step);
    const bool first = b.lane_index == 0;
    k::bn_finish_stats(C, p, mean, var, first ? S(n.s_mean) : nullptr, first ? S(n.s_var) : nullptr, saved,
                       saved + C);
    if (bn_apply_in_conv(j) || bn_apply_in_dense(j)) return;
    k::act_bn_dropout_apply_cpu(s, p, n.act, x, P(n.p_weight), P(n.p_bias), saved, saved + C, b.value(n.out[0]));
  }

  // Its backward: each lane's dropped gradient and sums, one meeting, then dx from the batch's sums. Lane 0
  // writes dgamma and dbeta; the other lanes write zeros there, so the final sum over lanes keeps them.
  // With row fusion the first half ran inside the backward of the conv after the block, and the second half runs
  // inside the backward of the conv before it (conv_backward).
  void bn_backward_lanes(const Buffers& b, size_t j, int rows, uint64_t step) {
    const Node& n = graph_.nodes[j];
    const int C = n.bn_c, L = b.lanes;
    const k::BnShape s{rows, C, n.bn_s};
    const float* x = b.value(n.in[0]);
    const float* saved = b.aux + n.saved_offset;
    float* dx = b.grad(n.in[0]);
    double* slot = b.lane->open_slot;
    if (bn_sums_in_conv(b, j) || bn_sums_in_dense(b, j)) {  // the layer after the block wrote g and the lane's sums
      b.lane->open_slot = nullptr;
    } else {
      slot = next_sync_slot(b);
      k::act_bn_dropout_backward_lane_sums_cpu(s, bn_params(b, n, step), n.act, x, saved, b.grad(n.out[0]), dx,
                                               slot_sums(slot, b, C, 0, b.lane_index),
                                               slot_sums(slot, b, C, 1, b.lane_index));
    }
    const double *sg = slot_sums(slot, b, C, 0, 0), *sd = slot_sums(slot, b, C, 1, 0);
    lane_barrier_.wait(L);
    double *sum_g = b.lane->stats.data(), *sum_gx = sum_g + C;
    for (int c = 0; c < C; ++c) {
      double g = 0, d = 0;
      for (int u = 0; u < L; ++u) {
        g += sg[static_cast<size_t>(u) * C + c];
        d += sd[static_cast<size_t>(u) * C + c];
      }
      sum_g[c] = g;
      sum_gx[c] = d * saved[C + c];  // sum g * xhat
    }
    float *dgamma = G(b, n.p_weight), *dbeta = G(b, n.p_bias);
    const bool first = b.lane_index == 0;
    for (int c = 0; c < C; ++c) {
      dbeta[c] = first ? static_cast<float>(sum_g[c]) : 0.f;
      dgamma[c] = first ? static_cast<float>(sum_gx[c]) : 0.f;
    }
    if (bn_finish_in_conv(j)) return;  // dx row by row in the conv's backward, from these sums
    // The conv before the block takes its bias gradient from this pass (its backward then skips the sum).
    const int prod = graph_.tensors[n.in[0]].producer;
    const bool conv_bias = prod >= 0 && bias_grad_from_bn(graph_.nodes[static_cast<size_t>(prod)]);
    double* sum_dz = sum_g + 2 * static_cast<size_t>(C);
    k::act_bn_dropout_backward_lane_finish_cpu(s, n.act, x, P(n.p_weight), saved, saved + C, sum_g, sum_gx,
                                               static_cast<double>(b.batch) * n.bn_s, dx,
                                               conv_bias ? sum_dz : nullptr);
    if (conv_bias) {
      float* db = G(b, graph_.nodes[static_cast<size_t>(prod)].p_bias);
      for (int c = 0; c < C; ++c) db[c] = static_cast<float>(sum_dz[c]);
    }
  }
  // A conv whose output feeds a batchnorm block directly: that block's backward sums the conv's bias gradient.
  bool bias_grad_from_bn(const Node& conv) const {
    if (conv.op != OpKind::Conv2d || conv.p_bias < 0) return false;
    const int next = graph_.tensors[conv.out[0]].consumer;
    return next >= 0 && graph_.nodes[static_cast<size_t>(next)].op == OpKind::ActBnDropout;
  }
  // Row fusion, training: may the act → batchnorm block at node j run its work row by row (a conv-shaped block)?
  bool bn_row_fusable(const Node& n) const { return row_fusion_ && n.op == OpKind::ActBnDropout && n.bn_s > 1; }
  // ... its backward's second half (dx from the batch's sums) inside the backward of the conv that made its input?
  bool bn_finish_in_conv(size_t j) const {
    const Node& n = graph_.nodes[j];
    if (!bn_row_fusable(n)) return false;
    const int prod = graph_.tensors[n.in[0]].producer;
    return prod >= 0 && graph_.nodes[static_cast<size_t>(prod)].op == OpKind::Conv2d;
  }
  // ... its forward's last step (y from the batch's statistics) inside the forward of the conv it feeds?
  bool bn_apply_in_conv(size_t j) const {
    const Node& n = graph_.nodes[j];
    if (!bn_row_fusable(n)) return false;
    const int next = graph_.tensors[n.out[0]].consumer;
    if (next < 0 || graph_.nodes[static_cast<size_t>(next)].op != OpKind::Conv2d) return false;
    const k::Conv2dShape& c = graph_.nodes[static_cast<size_t>(next)].conv;
    return c.h_out() > 0 && c.w_out() > 0 && c.c_out > 0;  // the conv visits every row
  }
  // ... or inside the forward and backward of the dense layer it feeds, kDenseRows rows at a time, and its backward's
  // first half there too? Where the dense kernels are the AVX-512 ones (whose outputs do not depend on the rows that
  // share a call, and whose weight gradient continues its chains from part to part) and the keep decisions are bits.
  bool bn_apply_in_dense(size_t j) const {
    const Node& n = graph_.nodes[j];
    if (!bn_row_fusable(n) || !keep_bits_avx512_ || !graph_.tensors[n.out[0]].needs_grad) return false;
    const int next = graph_.tensors[n.out[0]].consumer;
    return next >= 0 && graph_.nodes[static_cast<size_t>(next)].op == OpKind::Dense &&
           graph_.nodes[static_cast<size_t>(next)].dense_in == graph_.tensors[n.out[0]].per_sample();
  }
  bool bn_sums_in_dense(const Buffers& b, size_t j) const {
    return bn_apply_in_dense(j) && b.grad(graph_.nodes[j].in[0]) != nullptr;
  }
  // ... and its first half (the dropped gradient and the lane's sums) inside the backward of the conv it feeds?
  bool bn_sums_in_conv(const Buffers& b, size_t j) const {
    const Node& n = graph_.nodes[j];
    if (!bn_row_fusable(n)) return false;
    const int next = graph_.tensors[n.out[0]].consumer;
    return next >= 0 && graph_.nodes[static_cast<size_t>(next)].op == OpKind::Conv2d && b.grad(n.out[0]) &&
           b.grad(n.in[0]);
  }

  // A conv's backward over a lane, with the batchnorm blocks around it fused in row by row where row fusion
  // applies: before each row's weight and input gradients, the row of dz from the block after (its second half);
  // after, the block before's first half on the row of dy just written. Neither row goes to memory.
  void conv_backward(const Buffers& b, size_t j, int B, uint64_t step) {
    if (b.lane && static_cast<int>(j) == fold_conv_) {
      fold_backward(b, j);
      return;
    }
    const Node& n = graph_.nodes[j];
    k::Conv2dShape s = n.conv;
    s.n = B;
    const int next = graph_.tensors[n.out[0]].consumer, prev = graph_.tensors[n.in[0]].producer;
    const bool finish = b.lane && next >= 0 && bn_finish_in_conv(static_cast<size_t>(next));
    const bool sums = b.lane && prev >= 0 && bn_sums_in_conv(b, static_cast<size_t>(prev));
    const bool bias_from_bn = bias_grad_from_bn(n);
    k::Conv2dBackwardHooks hooks;
    double* sum_dz = nullptr;
    const bool remake_x = b.lane && prev >= 0 && bn_apply_in_conv(static_cast<size_t>(prev));
    if (remake_x) hooks.x = input_row_maker(b, static_cast<size_t>(prev), B, step, true);
    if (finish) {
      const Node& a = graph_.nodes[static_cast<size_t>(next)];
      const int C = a.bn_c;
      const k::BnShape sa{B, C, a.bn_s};
      const float *x = b.value(a.in[0]), *g = b.grad(a.in[0]), *saved = b.aux + a.saved_offset, *gamma = P(a.p_weight);
      const double* sum_g = b.lane->stats.data();  // the batch's sums, as bn_backward_lanes left them
      if (bias_from_bn) {
        sum_dz = b.lane->stats.data() + 2 * static_cast<size_t>(C);
        std::fill(sum_dz, sum_dz + C, 0.0);
      }
      const double m = static_cast<double>(b.batch) * a.bn_s;
      float* row = b.lane->row_dz.data();
      const k::Activation act = a.act;
      hooks.dy = [=](int r, int) -> const float* {
        k::act_bn_dropout_backward_row_finish_cpu(sa, act, r, x, g, gamma, saved, saved + C, sum_g, sum_g + C, m,
                                                  row, sum_dz);
        return row;
      };
    }
    if (sums) {
      const Node& q = graph_.nodes[static_cast<size_t>(prev)];
      const int C = q.bn_c;
      double* slot = next_sync_slot(b);  // the block's meeting, opened here
      b.lane->open_slot = slot;
      double *my_g = slot_sums(slot, b, C, 0, b.lane_index), *my_d = slot_sums(slot, b, C, 1, b.lane_index);
      std::fill(my_g, my_g + C, 0.0);
      std::fill(my_d, my_d + C, 0.0);
      const BlockRows in = block_rows(b, static_cast<size_t>(prev), B, step, true);
      float* g = b.grad(q.in[0]);
      float* row = b.lane->row_dy.data();
      hooks.dx = [row](int, int) { return row; };
      if (folded_input(q)) {
        // The block's input row is the fold conv's, remade by hooks.x just before; its dropped gradient goes to the
        // lane's row and, with that row, into the sums of the fold conv's weight gradient.
        const FoldRow fr = fold_row(b);
        TrainLane& l = *b.lane;
        std::fill(l.fold_sums.begin(), l.fold_sums.end(), 0.0);
        float *grow = l.fold_g.data(), *scratch = l.fold_scratch.data();
        double* fsums = l.fold_sums.data();
        hooks.dx_done = [=](int r, int, const float* dy) {
          in.alone(r, fr.y).sums(0, dy, grow, my_g, my_d);
          k::conv_bn_fold_row_cpu(fr.s, in.act, fr.x + static_cast<size_t>(r) * fr.in_row, fr.y, grow, scratch,
                                  fsums);
        };
      } else {
        hooks.dx_done = [=](int r, int, const float* dy) { in.sums(r, dy, g, my_g, my_d); };
      }
    }
    k::conv2d_backward_cpu(s, b.value(n.in[0]), P(n.p_weight), b.grad(n.out[0]), b.grad(n.in[0]), G(b, n.p_weight),
                           bias_from_bn ? nullptr : G(b, n.p_bias), b.workspace,
                           finish || sums || remake_x ? &hooks : nullptr);
    if (sum_dz) {
      float* db = G(b, n.p_bias);
      for (int c = 0; c < s.c_out; ++c) db[c] = static_cast<float>(sum_dz[c]);
    }
  }

  // ---- a dense layer fed by a batchnorm block, kDenseRows rows at a time (bn_apply_in_dense) ----

  // A batchnorm block's rows, one at a time: row r of its output made into dst from its input (its dropout
  // decisions hashed and kept in the forward, read back in the backward: `again`), and its backward's first half on
  // row r of the gradient of its output.
  struct BlockRows {
    k::BnShape s;
    k::BnDropoutParams p;
    k::Activation act;
    const float *x, *gamma, *beta, *saved;
    k::BnKeepBits keep;
    void make(int r, float* dst) const {
      k::act_bn_dropout_apply_row_cpu(s, p, act, r, x, gamma, beta, saved, saved + s.c, dst, keep);
    }
    // g's row r = dropout'(dy_row), its sums added to sum_g and sum_dev.
    void sums(int r, const float* dy_row, float* g, double* sum_g, double* sum_dev) const {
      k::act_bn_dropout_backward_row_sums_cpu(s, p, act, r, x, saved, dy_row, g, sum_g, sum_dev, keep);
    }
    // Row r alone, its input at x_row (made elsewhere): a batch of that one row, with row r's dropout stream and
    // keep decisions.
    BlockRows alone(int r, const float* x_row) const {
      BlockRows one = *this;
      one.s.n = 1;
      one.x = x_row;
      one.p.index0 += static_cast<uint64_t>(r) * static_cast<uint64_t>(s.c) * static_cast<uint64_t>(s.s);
      if (one.keep.words) one.keep.words += static_cast<size_t>(r) * s.c * k::bn_keep_words(s.s);
      return one;
    }
  };
  BlockRows block_rows(const Buffers& b, size_t qi, int B, uint64_t step, bool again) {
    const Node& q = graph_.nodes[qi];
    return BlockRows{k::BnShape{B, q.bn_c, q.bn_s}, bn_params(b, q, step), q.act, b.value(q.in[0]), P(q.p_weight),
                     P(q.p_bias), b.aux + q.saved_offset, keep_bits(b, qi, again)};
  }
  // Forward: each block of rows made, then the layer over it. Each output is the kernel's one chain whatever rows
  // share the call: the layer over the whole stored input's bits.
  void dense_forward_rows(const Buffers& b, size_t i, int B, uint64_t step) {
    const Node& n = graph_.nodes[i];
    const BlockRows in = block_rows(b, static_cast<size_t>(graph_.tensors[n.in[0]].producer), B, step, false);
    float* xs = b.lane->dense_x.data();
    const size_t I = static_cast<size_t>(n.dense_in);
    for (int r0 = 0; r0 < B; r0 += kDenseRows) {
      const int rows = std::min(kDenseRows, B - r0);
      for (int r = 0; r < rows; ++r) in.make(r0 + r, xs + r * I);
      k::dense_forward_fast_cpu(rows, n.dense_in, n.dense_out, xs, P(n.p_weight), P(n.p_bias),
                                b.value(n.out[0]) + static_cast<size_t>(r0) * n.dense_out);
    }
  }
  // Backward: db from the whole dy; per block of rows, its input made again, dw continued over it, its dx, and
  // the block's first backward half on that dx (the dropped gradient and the lane's sums, the meeting opened here).
  void dense_backward_rows(const Buffers& b, size_t j, int B, uint64_t step) {
    const Node& n = graph_.nodes[j];
    const size_t qi = static_cast<size_t>(graph_.tensors[n.in[0]].producer);
    const Node& q = graph_.nodes[qi];
    const BlockRows in = block_rows(b, qi, B, step, true);
    const int C = q.bn_c, I = n.dense_in, O = n.dense_out;
    const float *w = P(n.p_weight), *dy = b.grad(n.out[0]);
    float *dw = G(b, n.p_weight), *db = n.p_bias >= 0 ? G(b, n.p_bias) : nullptr;
    if (db) k::dense_backward_fast_cpu(B, I, O, nullptr, w, dy, nullptr, nullptr, db);
    std::fill(dw, dw + static_cast<size_t>(I) * O, 0.f);
    double* slot = next_sync_slot(b);
    b.lane->open_slot = slot;
    double *my_g = slot_sums(slot, b, C, 0, b.lane_index), *my_d = slot_sums(slot, b, C, 1, b.lane_index);
    std::fill(my_g, my_g + C, 0.0);
    std::fill(my_d, my_d + C, 0.0);
    float *xs = b.lane->dense_x.data(), *dxs = b.lane->dense_dx.data(), *g = b.grad(q.in[0]);
    for (int r0 = 0; r0 < B; r0 += kDenseRows) {
      const int rows = std::min(kDenseRows, B - r0);
      const float* dyr = dy + static_cast<size_t>(r0) * O;
      for (int r = 0; r < rows; ++r) in.make(r0 + r, xs + static_cast<size_t>(r) * I);
      k::dense_dw_accumulate_fast_cpu(rows, I, O, xs, dyr, dw);
      k::dense_backward_fast_cpu(rows, I, O, nullptr, w, dyr, dxs, nullptr, nullptr);
      for (int r = 0; r < rows; ++r) in.sums(r0 + r, dxs + static_cast<size_t>(r) * I, g, my_g, my_d);
    }
  }

  // ---- first-conv fold (NetworkOptions::first_conv_fold) ----

  // The conv node the step folds, or -1: a conv fed by the pair features (no input gradient) that the direct kernel
  // runs (its forward gives the block's per-row sums), whose act -> batchnorm block runs row by row on both sides:
  // its output feeds another conv, which computes an input gradient, so every row of the first conv's output is
  // read only there and by the block's own backward halves.
  int find_fold_conv() const {
    if (plan_.mode != PlanMode::Training || !row_fusion_) return -1;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      if (n.op != OpKind::Conv2d || n.in.empty() || graph_.tensors[n.in[0]].needs_grad) continue;
      const int q = graph_.tensors[n.out[0]].consumer;
      if (q < 0 || !bn_apply_in_conv(static_cast<size_t>(q)) || !bn_finish_in_conv(static_cast<size_t>(q))) continue;
      const Node& bn = graph_.nodes[static_cast<size_t>(q)];
      if (!graph_.tensors[bn.out[0]].needs_grad) continue;
      k::Conv2dShape s = n.conv;
      s.n = 1;
      if (!k::conv_bn_fold_available(s, bn.act)) continue;
      if (k::conv2d_direct_isa(s) == k::Fp32Simd::None) continue;
      return static_cast<int>(i);
    }
    return -1;
  }
  // Is the batchnorm block q's input the fold conv's output?
  bool folded_input(const Node& q) const { return fold_conv_ >= 0 && graph_.tensors[q.in[0]].producer == fold_conv_; }

  // Row r of the fold conv's output, made in the lane's fold_y from the conv's input row (the same kernel and packed
  // weights as its forward, so the same bits each time).
  struct FoldRow {
    k::Conv2dShape s;  // one sample
    const float* x;    // the conv's input (the lane's rows)
    size_t in_row;
    const float *packed, *bias;
    float* y;
    k::Fp32Simd isa;
    const float* make(int r, k::Activation stats_act = k::Activation::None, double* stats = nullptr) const {
      k::conv2d_direct_sample(s, x + static_cast<size_t>(r) * in_row, packed, bias, k::Activation::None, nullptr,
                              nullptr, y, isa, stats_act, stats);
      return y;
    }
  };
  FoldRow fold_row(const Buffers& b) {
    const Node& n = graph_.nodes[static_cast<size_t>(fold_conv_)];
    FoldRow fr;
    fr.s = n.conv;
    fr.s.n = 1;
    fr.x = b.value(n.in[0]);
    fr.in_row = static_cast<size_t>(graph_.tensors[n.in[0]].per_sample());
    fr.packed = b.lane->fold_packed.data();
    fr.bias = n.p_bias >= 0 ? P(n.p_bias) : nullptr;
    fr.y = b.lane->fold_y.data();
    fr.isa = fold_isa_;
    return fr;
  }
  // Forward: the weights packed for the step, then each row made and dropped with the block's per-row sums.
  void fold_forward(const Buffers& b, size_t i, int B) {
    const Node& n = graph_.nodes[i];
    const FoldRow fr = fold_row(b);
    k::conv2d_direct_pack(fr.s, P(n.p_weight), b.lane->fold_packed.data());
    const k::Activation act = graph_.nodes[static_cast<size_t>(graph_.tensors[n.out[0]].consumer)].act;
    for (int r = 0; r < B; ++r) fr.make(r, act, b.lane->run_stats.data() + 2 * static_cast<size_t>(r) * fr.s.c_out);
    b.lane->run_stats_ready = true;
  }
  // Backward: the weight and bias gradients from the lane's sums (gathered in the next conv's backward) and the
  // block's batch sums (its meeting, in bn_backward_lanes, just before).
  void fold_backward(const Buffers& b, size_t j) {
    const Node& n = graph_.nodes[j];
    const Node& q = graph_.nodes[static_cast<size_t>(graph_.tensors[n.out[0]].consumer)];
    const int C = q.bn_c;
    const double* sum_g = b.lane->stats.data();  // sum g, then sum g * xhat, as bn_backward_lanes left them
    const float* saved = b.aux + q.saved_offset;
    k::conv_bn_fold_finish_cpu(n.conv, b.lane->fold_sums.data(), P(q.p_weight), saved, saved + C, sum_g, sum_g + C,
                               static_cast<double>(b.batch) * q.bn_s, G(b, n.p_weight),
                               n.p_bias >= 0 ? G(b, n.p_bias) : nullptr);
  }

  // Scale of the loss gradient: 1 / rows of the global batch (this batch's B outside data-parallel training).
  float grad_scale(int B) const { return 1.f / static_cast<float>(share_.global_batch > 0 ? share_.global_batch : B); }

  void forward(const Buffers& b, const int32_t* pairs, const int32_t* labels, int B, bool train, uint64_t step) {
    bool skip_next = false;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& n = graph_.nodes[i];
      if (skip_next) {  // this act → batchnorm block ran as the previous conv's epilogue
        skip_next = false;
        continue;
      }
      switch (n.op) {
        case OpKind::PairFeatures:
          k::pair_features_cpu(expr_.data(), graph_.L, pairs, B, b.value(n.out[0]),
                               n.out.size() > 1 ? b.value(n.out[1]) : nullptr);
          break;
        case OpKind::Conv2d: {
          if (run_lowp(b, i, B, &skip_next)) break;
          k::Conv2dShape s = n.conv;
          s.n = B;
          const int next = graph_.tensors[n.out[0]].consumer;
          if (!train && next >= 0 && graph_.nodes[next].op == OpKind::ActBnDropout) {
            // Inference: fold the following act → batchnorm into the conv's per-sample epilogue.
            const Node& bn = graph_.nodes[next];
            float* scale = b.aux + bn.saved_offset;
            k::bn_eval_scale_shift(bn.bn_c, bn_eps(static_cast<size_t>(next)), P(bn.p_weight), P(bn.p_bias), S(bn.s_mean), S(bn.s_var), scale,
                                   scale + bn.bn_c);
            k::conv2d_forward_act_bn_cpu(s, b.value(n.in[0]), P(n.p_weight), P(n.p_bias), bn.act, scale,
                                         scale + bn.bn_c, b.value(bn.out[0]), b.workspace);
            skip_next = static_cast<size_t>(next) == i + 1;
            GENER_CHECK(skip_next, "layer " << n.name << ": its batchnorm must follow it directly");
          } else if (train && b.lane && static_cast<int>(i) == fold_conv_) {
            fold_forward(b, i, B);
          } else if (train && b.lane && next >= 0 && graph_.nodes[next].op == OpKind::ActBnDropout) {
            // Training: the batchnorm's per-row sums come from the conv's epilogue, while its output is in registers.
            k::Conv2dForwardHooks hooks;
            b.lane->run_stats_ready = k::conv2d_forward_stats_cpu(
                s, b.value(n.in[0]), P(n.p_weight), P(n.p_bias), b.value(n.out[0]), b.workspace,
                graph_.nodes[next].act, b.lane->run_stats.data(), input_rows(b, n, B, step, &hooks));
          } else {
            k::Conv2dForwardHooks hooks;
            k::conv2d_forward_cpu(s, b.value(n.in[0]), P(n.p_weight), P(n.p_bias), b.value(n.out[0]), b.workspace,
                                  train && b.lane ? input_rows(b, n, B, step, &hooks) : nullptr);
          }
          break;
        }
        case OpKind::Dense: {
          if (run_lowp(b, i, B, &skip_next)) break;
          const int prev = graph_.tensors[n.in[0]].producer;
          if (train && b.lane && prev >= 0 && bn_apply_in_dense(static_cast<size_t>(prev))) {
            dense_forward_rows(b, i, B, step);
            break;
          }
          k::dense_forward_fast_cpu(B, n.dense_in, n.dense_out, b.value(n.in[0]), P(n.p_weight), P(n.p_bias),
                                    b.value(n.out[0]));
          break;
        }
        case OpKind::ActBnDropout: {
          const k::BnShape s{B, n.bn_c, n.bn_s};
          if (train)
            bn_forward_lanes(b, i, B, step);
          else
            k::act_bn_dropout_forward_eval_cpu(s, bn_eps(i), n.act, b.value(n.in[0]), P(n.p_weight), P(n.p_bias),
                                               S(n.s_mean), S(n.s_var), b.value(n.out[0]));
          break;
        }
        case OpKind::Concat: {
          const int n1 = static_cast<int>(graph_.tensors[n.in[0]].per_sample());
          const int n2 = static_cast<int>(graph_.tensors[n.in[1]].per_sample());
          k::concat2_cpu(B, n1, n2, b.value(n.in[0]), b.value(n.in[1]), b.value(n.out[0]));
          break;
        }
        case OpKind::SoftmaxXent:
          if (labels)
            k::softmax_xent_cpu(B, graph_.config.classes, b.value(n.in[0]), labels, grad_scale(B),
                                b.value(n.out[0]), b.losses, nullptr);
          else
            k::softmax_cpu(B, graph_.config.classes, b.value(n.in[0]), b.value(n.out[0]));
          break;
      }
    }
  }

  // Training with row fusion: the hook that makes each row of a conv's input from the batchnorm block before it,
  // just before the conv reads the row (in *hooks; null where the block ran whole).
  const k::Conv2dForwardHooks* input_rows(const Buffers& b, const Node& conv, int B, uint64_t step,
                                          k::Conv2dForwardHooks* hooks) {
    const int prev = graph_.tensors[conv.in[0]].producer;
    if (prev < 0 || !bn_apply_in_conv(static_cast<size_t>(prev))) return nullptr;
    hooks->x = input_row_maker(b, static_cast<size_t>(prev), B, step, false);
    return hooks;
  }
  // The lane's dropout decisions of block qi as bits, where it keeps them (made: by this step's forward).
  k::BnKeepBits keep_bits(const Buffers& b, size_t qi, bool made) const {
    k::BnKeepBits keep;
    if (!b.lane || b.lane->keep_bits[qi].empty()) return keep;
    keep.words = b.lane->keep_bits[qi].data();
    keep.made = made;
    keep.avx512 = keep_bits_avx512_;
    return keep;
  }
  // Row r of the output of the act → batchnorm block qi, made into the lane's row_x from the block's input: in the
  // forward (the dropout decisions hashed, and kept where the lane keeps them) or again in the backward (`again`).
  std::function<const float*(int, int)> input_row_maker(const Buffers& b, size_t qi, int B, uint64_t step,
                                                        bool again) {
    const BlockRows in = block_rows(b, qi, B, step, again);
    float* out = b.lane->row_x.data();
    if (folded_input(graph_.nodes[qi])) {  // the block's input row is the fold conv's, remade first
      const FoldRow fr = fold_row(b);
      return [=](int r, int) -> const float* {
        in.alone(r, fr.make(r)).make(0, out);
        return out;
      };
    }
    return [=](int r, int) -> const float* {
      in.make(r, out);
      return out;
    };
  }

  // Inference through the reduced-precision plan: node i, and its (folded) batchnorm node i + 1 with it.
  bool run_lowp(const Buffers& b, size_t i, int B, bool* skip_next) {
    if (!folded_now_ || !lowp_ || !lowp_->runs(i) || !b.lowp) return false;
    const Node& n = graph_.nodes[i];
    *skip_next = lowp_->fuses_next(i);
    lowp_->forward(i, B, b.value(n.in[0]), b.value(graph_.nodes[*skip_next ? i + 1 : i].out[0]), *b.lowp);
    return true;
  }

  void backward(const Buffers& b, const int32_t* labels, int B, uint64_t step) {
    for (size_t j = graph_.nodes.size(); j-- > 0;) {
      const Node& n = graph_.nodes[j];
      switch (n.op) {
        case OpKind::PairFeatures: break;  // nothing upstream to train
        case OpKind::Conv2d: conv_backward(b, j, B, step); break;
        case OpKind::Dense: {
          const int prev = graph_.tensors[n.in[0]].producer;
          if (b.lane && prev >= 0 && bn_sums_in_dense(b, static_cast<size_t>(prev))) {
            dense_backward_rows(b, j, B, step);
            break;
          }
          k::dense_backward_fast_cpu(B, n.dense_in, n.dense_out, b.value(n.in[0]), P(n.p_weight), b.grad(n.out[0]),
                                     b.grad(n.in[0]), G(b, n.p_weight), G(b, n.p_bias));
          break;
        }
        case OpKind::ActBnDropout: bn_backward_lanes(b, j, B, step); break;
        case OpKind::Concat: {
          const int n1 = static_cast<int>(graph_.tensors[n.in[0]].per_sample());
          const int n2 = static_cast<int>(graph_.tensors[n.in[1]].per_sample());
          k::split2_cpu(B, n1, n2, b.grad(n.out[0]), b.grad(n.in[0]), b.grad(n.in[1]));
          break;
        }
        case OpKind::SoftmaxXent:
          // Recomputes the probabilities from the logits (kept alive by the plan) and writes dlogits.
          k::softmax_xent_cpu(B, graph_.config.classes, b.value(n.in[0]), labels, grad_scale(B), b.value(n.out[0]),
                              nullptr, b.grad(n.in[0]));
          break;
      }
    }
  }

  TrainConfig train_;
  bool nan_fill_ = false;                            // debug: NaN-fill the arena before every pass
  bool row_fusion_ = true;                           // training: batchnorm blocks' rows inside the convs
  bool keep_bits_avx512_ = false;                    // ... with their dropout decisions kept as bits (AVX-512)
  int fold_conv_ = -1;                               // training: the first-conv fold's conv node (-1: none)
  k::Fp32Simd fold_isa_ = k::Fp32Simd::None;         // ... the direct kernel it runs on
  std::vector<float> params_, grads_, state_, opt_;  // one buffer each
  BnFoldPlan fold_;                                  // empty without fold_bn
  std::vector<float> fparams_, fstate_;              // batchnorm-folded copies for inference
  bool fold_stale_ = true, folded_now_ = false;
  std::unique_ptr<LowpPlan> lowp_;                   // folded inference's kernel plan (NetworkOptions::precision)
  std::vector<float> aux_;
  std::vector<TrainLane> train_lanes_;  // training: one lane per thread
  std::vector<double> lane_sums_;       // training: the lanes' batchnorm meeting slots
  LaneBarrier lane_barrier_;            // training: where the lanes meet (spin briefly, then sleep)
  int max_bn_c_ = 1;
  std::vector<float> expr_;
  std::vector<Lane> lanes_;
  std::vector<double> chunk_losses_;  // per micro-batch loss sums of one predict()
  BatchShare share_;                  // the training batch's place in the global batch, during forward_backward
  int n_genes_ = 0;
};

}  // namespace

std::unique_ptr<Network> make_cpu_network(const Graph& g, const NetworkOptions& opt) {
  return std::make_unique<CpuNetwork>(g, opt);
}

}  // namespace gener::core
