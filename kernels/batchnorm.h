// batchnorm.h — activation → batchnorm → dropout, the block after every conv/dense layer of GENER.
// Layout (N, C, S): per-channel statistics over N and S (S = H*W for convs, 1 for dense layers).
// The unfused CPU ops are the reference; the fused op is their composition (CPU) or one kernel (CUDA).
#pragma once
#include <cstdint>
#include "stream.h"

namespace gener::kernels {

enum class Activation { None, Relu };

struct BnShape {
  int n = 0, c = 0, s = 1;
  long long count() const { return static_cast<long long>(n) * c * s; }
};

struct BnDropoutParams {
  float eps = 1e-3f;       // variance epsilon (Keras default 1e-3)
  float momentum = 0.9f;   // running = momentum * running + (1 - momentum) * batch
  float drop_rate = 0.5f;  // 0 disables dropout
  uint64_t seed = 0;       // dropout stream: mask(i) = dropout_keep(seed, step, index0 + i, rate)
  uint64_t step = 0;
  uint64_t index0 = 0;     // flat index of this batch's first element in the global batch (data-parallel ranks)
};

// ---- unfused reference ops (CPU) ----
void activation_forward_cpu(Activation act, long long n, const float* x, float* y);
// dx = dy * act'(x)
void activation_backward_cpu(Activation act, long long n, const float* x, const float* dy, float* dx);
// Training-mode batchnorm: batch mean/biased variance; updates running stats in place;
// saves mean and 1/sqrt(var + eps) per channel for backward.
void batchnorm_forward_train_cpu(const BnShape& s, float eps, float momentum, const float* x, const float* gamma,
                                 const float* beta, float* running_mean, float* running_var, float* y,
                                 float* save_mean, float* save_invstd);
void batchnorm_forward_eval_cpu(const BnShape& s, float eps, const float* x, const float* gamma, const float* beta,
                                const float* running_mean, const float* running_var, float* y);
// dgamma, dbeta overwritten.
void batchnorm_backward_cpu(const BnShape& s, const float* x, const float* gamma, const float* save_mean,
                            const float* save_invstd, const float* dy, float* dx, float* dgamma, float* dbeta);
// Inverted dropout: y = keep ? x / (1 - rate) : 0, element k's mask drawn at index index0 + k. In-place allowed.
void dropout_forward_cpu(long long n, float rate, uint64_t seed, uint64_t step, const float* x, float* y,
                         uint64_t index0 = 0);
void dropout_backward_cpu(long long n, float rate, uint64_t seed, uint64_t step, const float* dy, float* dx,
                          uint64_t index0 = 0);

// Eval-mode batchnorm as a per-channel affine map: scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
void bn_eval_scale_shift(int c, float eps, const float* gamma, const float* beta, const float* running_mean,
                         const float* running_var, float* scale, float* shift);

// One contiguous run: y = act(x + bias) * scale + shift (y may be x). The epilogue of fused inference ops.
void act_bn_eval_run_cpu(Activation act, const float* x, int n, float bias, float scale, float shift, float* y);

// ---- fused block: y = dropout(batchnorm(act(x))) ----
// x is the pre-activation input (kept by the caller for backward); the mask is recomputed in backward.
void act_bn_dropout_forward_train_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                      const float* gamma, const float* beta, float* running_mean,
                                      float* running_var, float* y, float* save_mean, float* save_invstd);
// Eval: no dropout, running statistics.
void act_bn_dropout_forward_eval_cpu(const BnShape& s, float eps, Activation act, const float* x, const float* gamma,
                                     const float* beta, const float* running_mean, const float* running_var,
                                     float* y);
// dx overwritten; dgamma, dbeta overwritten. `scratch` holds s.count() floats.
void act_bn_dropout_backward_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                 const float* gamma, const float* save_mean, const float* save_invstd,
                                 const float* dy, float* dx, float* dgamma, float* dbeta, float* scratch);

// ---- fused block, CPU fast path (bn_train_fused_cpu.cpp): the same math per channel in three passes forward
// (two read-only for the statistics, one writing y) and two backward, instead of the composition's five and
// eight whole-tensor passes; the whole batch as one lane of the functions below. Dense layers (S == 1) go to the
// composition here. Backward needs dx != x.
void act_bn_dropout_forward_train_fast_cpu(const BnShape& s, const BnDropoutParams& p, Activation act,
                                           const float* x, const float* gamma, const float* beta,
                                           float* running_mean, float* running_var, float* y, float* save_mean,
                                           float* save_invstd);
void act_bn_dropout_backward_fast_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                      const float* gamma, const float* save_mean, const float* save_invstd,
                                      const float* dy, float* dx, float* dgamma, float* dbeta, float* scratch);

// ---- the block over one lane's rows (bn_train_fused_cpu.cpp): training splits a batch into lanes of rows, one
// per thread, which meet once per block forward and once backward to merge their per-channel sums. A lane's
// BnShape counts its own rows; p.index0 is the flat index of its first element. ----
// Per channel over the lane's rows: the mean of act(x) and the sum of squared deviations from it (two passes).
void act_bn_lane_stats_cpu(const BnShape& s, Activation act, const float* x, double* mean, double* m2);
// The same from per-run sums (s.n rows x s.c channels x {sum, sum of squares} of act(x) over each run of s.s, as
// conv2d_forward_stats_cpu writes them): each run's deviations from its own mean, merged run by run.
void bn_lane_stats_from_runs(const BnShape& s, const double* run_stats, double* mean, double* m2);
// The batch's mean and biased variance per channel from `lanes` lanes' (count, mean, m2), merged in lane order
// (pairwise update); means and m2s are (lanes, c).
void bn_merge_lane_stats(int c, int lanes, const double* counts, const double* means, const double* m2s,
                         double* mean, double* var);
// Running statistics (momentum update; either may be null) and the saved mean and 1/sqrt(var + eps).
void bn_finish_stats(int c, const BnDropoutParams& p, const double* mean, const double* var, float* running_mean,
                     float* running_var, float* save_mean, float* save_invstd);
// y = dropout(act(x) * scale + shift), scale = gamma * invstd, shift = beta - mean * scale (y may be x).
void act_bn_dropout_apply_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                              const float* gamma, const float* beta, const float* mean, const float* invstd,
                              float* y);
// Backward, first half: g = dropout'(dy) (g may be dy, not x) and per channel the lane's sums of g and of
// g * (act(x) - mean).
void act_bn_dropout_backward_lane_sums_cpu(const BnShape& s, const BnDropoutParams& p, Activation act,
                                           const float* x, const float* save_mean, const float* dy, float* g,
                                           double* sum_g, double* sum_g_dev);
// Second half, in place on dx (holding g): dx = act'(x) * gamma * invstd * (g - sum_g / m - xhat * sum_g_xhat / m)
// with the whole batch's sums (sum_g_xhat = sum_g_dev * invstd) over its m = N * S elements. With sum_dx, also
// per channel the sum of the lane's dx: the bias gradient of the conv before the block.
void act_bn_dropout_backward_lane_finish_cpu(const BnShape& s, Activation act, const float* x, const float* gamma,
                                             const float* save_mean, const float* save_invstd, const double* sum_g,
                                             const double* sum_g_xhat, double m, float* dx,
                                             double* sum_dx = nullptr);

// ---- one row (sample) of a lane at a time (bn_train_fused_cpu.cpp, S > 1): the halves above for row `row` of the
// lane's rows alone, so the training step runs them inside the neighbouring convolution's per-sample loop while
// the sample is in cache. `x` and `g` are the lane's tensors; `y_row`, `dy_row` and `dx_row` one row (C, S) anywhere.
// Called for rows 0, 1, ... in order (the sums starting at zero), they add per channel in the lane functions'
// order: the same bits. ----
// Dropout's keep decisions of a lane's rows kept as bits, so that a step hashes each element once (in the forward)
// instead of three times: run (row, channel) holds bn_keep_words(S) 16-bit words, element k in bit k % 16 of word
// k / 16 (bits past S zero). `made`: the words hold this step's decisions (the forward's apply_row wrote them);
// otherwise apply_row writes them. `avx512`: run the AVX-512 kernels (the caller asks fp32_simd() once), else the
// portable loops. Either way the same bits as the hashing path.
struct BnKeepBits {
  uint16_t* words = nullptr;  // null: hash the decisions
  bool made = false;
  bool avx512 = false;
};
inline int bn_keep_words(int S) { return (S + 15) / 16; }

// y_row = dropout(act(x's row) * scale + shift), row `row` of act_bn_dropout_apply_cpu's y.
void act_bn_dropout_apply_row_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, int row,
                                  const float* x, const float* gamma, const float* beta, const float* mean,
                                  const float* invstd, float* y_row, BnKeepBits keep = {});
// g's row = dropout'(dy_row), adding the row's sums of g and g * (act(x) - mean) to sum_g and sum_g_dev. With
// keep.words (made), the decisions come from there.
void act_bn_dropout_backward_row_sums_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, int row,
                                          const float* x, const float* save_mean, const float* dy_row, float* g,
                                          double* sum_g, double* sum_g_dev, BnKeepBits keep = {});
// dx_row from the lane's x and g (rows of the same tensor shape) and the batch's sums, as
// act_bn_dropout_backward_lane_finish_cpu; with sum_dx, adds the row's per-channel sums of dx to it.
void act_bn_dropout_backward_row_finish_cpu(const BnShape& s, Activation act, int row, const float* x,
                                            const float* g, const float* gamma, const float* save_mean,
                                            const float* save_invstd, const double* sum_g, const double* sum_g_xhat,
                                            double m, float* dx_row, double* sum_dx = nullptr);

void act_bn_dropout_forward_train_cuda(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                       const float* gamma, const float* beta, float* running_mean,
                                       float* running_var, float* y, float* save_mean, float* save_invstd,
                                       Stream stream);
void act_bn_dropout_forward_eval_cuda(const BnShape& s, float eps, Activation act, const float* x,
                                      const float* gamma, const float* beta, const float* running_mean,
                                      const float* running_var, float* y, Stream stream);
void act_bn_dropout_backward_cuda(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                  const float* gamma, const float* save_mean, const float* save_invstd,
                                  const float* dy, float* dx, float* dgamma, float* dbeta, Stream stream);

}  // namespace gener::kernels
