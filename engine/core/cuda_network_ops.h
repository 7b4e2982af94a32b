// cuda_network_ops.h — small CUDA ops private to the CUDA network: batchnorm eval affine, the fused inference
// epilogue of conv/dense layers, and the p_pos column gather. CUDA builds only (defined in cuda_network_ops.cu).
#pragma once
#include "kernels/batchnorm.h"
#include "kernels/stream.h"

namespace gener::core::cuda_ops {

// scale (C) = gamma / sqrt(var + eps), shift (C) = beta - mean * scale; computed in double exactly as the CPU's
// kernels::bn_eval_scale_shift, so both backends score with bit-identical affine maps.
void bn_eval_scale_shift_cuda(int c, float eps, const float* gamma, const float* beta, const float* running_mean,
                              const float* running_var, float* scale, float* shift, kernels::Stream stream);

// Inference epilogue on x (N, C, S): y = act(x + bias[c]) * scale[c] + shift[c] — a conv/dense layer's bias,
// activation and eval-mode batchnorm in one pass (the GPU form of kernels::act_bn_eval_run_cpu). bias may be
// null; y may alias x. At most 2^31 - 1 elements.
void bias_act_affine_cuda(int n, int c, int s, kernels::Activation act, const float* x, const float* bias,
                          const float* scale, const float* shift, float* y, kernels::Stream stream);

// *acc (one double) += Σ x[0..n): a training step's per-pair losses summed on the device (one block; stream order
// makes successive calls add up without atomics).
void accumulate_sum_cuda(int n, const float* x, double* acc, kernels::Stream stream);

// dst (B) = src[:, col] of src (B, C).
void gather_column_cuda(int B, int C, int col, const float* src, float* dst, kernels::Stream stream);

}  // namespace gener::core::cuda_ops
