// conv2d.h — 2-D convolution, valid padding, stride 1, NCHW; CPU reference via im2col + sgemm.
#pragma once
#include <cstddef>
#include <functional>
#include "kernels/batchnorm.h"
#include "stream.h"

namespace gener::kernels {

struct Conv2dShape {
  int n = 0, c_in = 0, h = 0, w = 0;  // input (N, C_in, H, W)
  int c_out = 0, kh = 0, kw = 0;      // weight (C_out, C_in, KH, KW)
  int h_out() const { return h - kh + 1; }
  int w_out() const { return w - kw + 1; }
};

// Scratch floats the CPU implementation needs (im2col buffer for one sample).
size_t conv2d_workspace_floats_cpu(const Conv2dShape& s);

// Per-sample work fused into a conv's forward, run on the thread that handles sample n (t: its number in the team):
// `x` makes or finds sample n's input (C_in, H, W) just before the conv reads it and returns where it is (the x
// argument is not read then).
struct Conv2dForwardHooks {
  std::function<const float*(int n, int t)> x;
};

// y (N, C_out, H_out, W_out) = conv(x, w) + b.
void conv2d_forward_cpu(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                        float* workspace, const Conv2dForwardHooks* hooks = nullptr);
// Inference with the following activation → batchnorm folded in, one pass per sample while it is in cache:
// y[c] = act(conv(x, w)[c] + b[c]) * scale[c] + shift[c]  (scale = gamma / sqrt(var + eps), shift = beta -
// mean * scale; see bn_eval_scale_shift). Equals conv2d_forward_cpu then act_bn_dropout_forward_eval_cpu.
void conv2d_forward_act_bn_cpu(const Conv2dShape& s, const float* x, const float* w, const float* b, Activation act,
                               const float* scale, const float* shift, float* y, float* workspace);
// conv2d_forward_cpu, and where the direct kernel runs (returns true) also the training batchnorm's inputs while the
// output is in registers: per sample and output channel, the sum and the sum of squares of act(y) over the output
// positions, run_stats (N, C_out, 2) doubles. Returns false, stats unwritten, on the im2col path.
bool conv2d_forward_stats_cpu(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                              float* workspace, Activation act, double* run_stats,
                              const Conv2dForwardHooks* hooks = nullptr);
// Per-sample work fused into conv2d_backward_cpu, so that a sample's gradients are made and used while in cache.
// Each runs on the thread that handles sample n (t: its number in the team, for per-thread scratch); any may be
// empty. `x` makes or finds sample n's input (C_in, H, W) and returns where it is (the x argument is not read
// then; the hook runs first, and the row it returns stays valid through `dx_done`). `dy` makes or finds sample n's
// dy (C_out, H_out, W_out) and returns where it is: the dy argument is not read then, and db must be null. `dx`
// names where sample n's dx goes instead of the dx tensor; `dx_done` runs once it is written there.
struct Conv2dBackwardHooks {
  std::function<const float*(int n, int t)> x;
  std::function<const float*(int n, int t)> dy;
  std::function<float*(int n, int t)> dx;
  std::function<void(int n, int t, const float* dx_n)> dx_done;
};

// dw, db are overwritten (not accumulated); dx may be null (first layer).
void conv2d_backward_cpu(const Conv2dShape& s, const float* x, const float* w, const float* dy, float* dx,
                         float* dw, float* db, float* workspace, const Conv2dBackwardHooks* hooks = nullptr);

}  // namespace gener::kernels
