// conv_bn_fold.h — a first convolution's weight gradient folded through the training batchnorm block after it.
// Where a conv's input needs no gradient (the network's first conv, fed by the pair features), its weight and bias
// gradients are linear in per-channel sums the block's backward can gather row by row before the batch's
// statistics meet. With dz = act'(y) k (g - mean_g - xhat mean_gxhat), xhat = (act(y) - mean) invstd and
// k = gamma invstd (the block's backward), and X_t the input under tap t:
//   dw[c][t] = k (A - mean_g B - mean_gxhat invstd (C - mean B)),
//   A = sum act'(y) g X_t,  B = sum act'(y) X_t,  C = sum act(y) X_t  (over rows and output positions),
// and db the same with X_t = 1. The conv's output gradient is then never stored and never read back: the step
// keeps no copy of the block's dropped gradient, and the conv runs no backward pass. Sums in double; the result
// equals the unfused dz-then-dw within rounding (not bit for bit: the sums are added in another order).
#pragma once
#include <cstddef>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"

namespace gener::kernels {

// Can shape `s` be folded? Output height 1 (the direct kernels' shapes: every GENER conv), at most 64 taps
// (C_in x KH x KW), activation relu or none.
bool conv_bn_fold_available(const Conv2dShape& s, Activation act);
// Doubles of one lane's sums: C_out x 3 x (C_in*KH*KW + 1).
size_t conv_bn_fold_sums_doubles(const Conv2dShape& s);
// Floats of the per-row scratch conv_bn_fold_row_cpu needs: 3 x W_out.
size_t conv_bn_fold_scratch_floats(const Conv2dShape& s);

// Adds one sample's terms to `sums` (zeroed by the caller before the first row): x its conv input (C_in, H, W),
// y its conv output (C_out, W_out) before the activation, g its dropped gradient (the block's dropout applied to
// the gradient of the block's output; C_out, W_out).
void conv_bn_fold_row_cpu(const Conv2dShape& s, Activation act, const float* x, const float* y, const float* g,
                          float* scratch, double* sums);

// dw (C_out, C_in, KH, KW) and db (C_out; may be null) from one lane's sums and the whole batch's statistics of the
// block: gamma, save_mean and save_invstd per channel, sum_g and sum_g_xhat (sum g * xhat) over the batch, m its
// element count per channel (rows x W_out). Overwrites dw and db.
void conv_bn_fold_finish_cpu(const Conv2dShape& s, const double* sums, const float* gamma, const float* save_mean,
                             const float* save_invstd, const double* sum_g, const double* sum_g_xhat, double m,
                             float* dw, float* db);

}  // namespace gener::kernels
