// cuda_network_ops.cu — kernels of cuda_network_ops.h: eval affine, fused bias/act/batchnorm epilogue, gather.
// UNVERIFIED on a GPU until bench/gpu_check.sh has run tests/test_cuda_network.cpp on one.
#include <cuda_runtime.h>

#include "engine/core/cuda_network_ops.h"
#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/cuda_launch.h"

namespace gener::core::cuda_ops {
namespace {

constexpr int kThreads = 256;

int blocks_for(long long n) { return kernels::grid_stride_blocks(n, kThreads, 65536LL * 8); }

// Same expression tree as the CPU's bn_eval_scale_shift; __dmul_rn keeps nvcc from contracting into an FMA
// the CPU does not use.
__global__ void bn_eval_scale_shift_kernel(int c, float eps, const float* gamma, const float* beta,
                                           const float* mean, const float* var, float* scale, float* shift) {
  const int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= c) return;
  const float s = static_cast<float>(static_cast<double>(gamma[k]) / sqrt(static_cast<double>(var[k]) + eps));
  scale[k] = s;
  shift[k] = static_cast<float>(static_cast<double>(beta[k]) - __dmul_rn(static_cast<double>(mean[k]), s));
}

// y (N, C, S) = act(x + bias[c]) * scale[c] + shift[c]; x and y may alias (each element is read, then written).
__global__ void bias_act_affine_kernel(unsigned total, unsigned c, unsigned s, bool relu, const float* x,
                                       const float* __restrict__ bias, const float* __restrict__ scale,
                                       const float* __restrict__ shift, float* y) {
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const unsigned ch = (i / s) % c;
    float v = bias != nullptr ? x[i] + bias[ch] : x[i];
    if (relu) v = v < 0.0f ? 0.0f : v;  // std::max(v, 0.f) as on the CPU: NaN stays NaN
    y[i] = v * scale[ch] + shift[ch];
  }
}

constexpr int kSumThreads = 256;
__global__ void accumulate_sum_kernel(int n, const float* __restrict__ x, double* acc) {
  __shared__ double part[kSumThreads];
  double v = 0;
  for (int i = threadIdx.x; i < n; i += kSumThreads) v += x[i];
  part[threadIdx.x] = v;
  __syncthreads();
  for (int w = kSumThreads / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *acc += part[0];
}

__global__ void gather_column_kernel(int B, int C, int col, const float* __restrict__ src, float* __restrict__ dst) {
  for (long long r = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; r < B;
       r += static_cast<long long>(gridDim.x) * blockDim.x)
    dst[r] = src[r * C + col];
}

}  // namespace

void bn_eval_scale_shift_cuda(int c, float eps, const float* gamma, const float* beta, const float* running_mean,
                              const float* running_var, float* scale, float* shift, kernels::Stream stream) {
  GENER_CHECK(c >= 0, "bn_eval_scale_shift_cuda: negative channel count " << c);
  if (c == 0) return;
  bn_eval_scale_shift_kernel<<<(c + kThreads - 1) / kThreads, kThreads, 0, stream>>>(c, eps, gamma, beta,
                                                                                      running_mean, running_var,
                                                                                      scale, shift);
  CUDA_CHECK_LAUNCH();
}

void bias_act_affine_cuda(int n, int c, int s, kernels::Activation act, const float* x, const float* bias,
                          const float* scale, const float* shift, float* y, kernels::Stream stream) {
  const long long total = static_cast<long long>(n) * c * s;
  GENER_CHECK(n >= 0 && c >= 1 && s >= 1, "bias_act_affine_cuda: bad shape (" << n << ", " << c << ", " << s << ")");
  GENER_CHECK(total < (1LL << 31), "bias_act_affine_cuda: " << total << " elements; at most 2^31 - 1 per call");
  if (total == 0) return;
  bias_act_affine_kernel<<<blocks_for(total), kThreads, 0, stream>>>(
      static_cast<unsigned>(total), static_cast<unsigned>(c), static_cast<unsigned>(s),
      act == kernels::Activation::Relu, x, bias, scale, shift, y);
  CUDA_CHECK_LAUNCH();
}

void accumulate_sum_cuda(int n, const float* x, double* acc, kernels::Stream stream) {
  GENER_CHECK(n >= 0, "accumulate_sum_cuda: n = " << n);
  if (n == 0) return;
  accumulate_sum_kernel<<<1, kSumThreads, 0, stream>>>(n, x, acc);
  CUDA_CHECK_LAUNCH();
}

void gather_column_cuda(int B, int C, int col, const float* src, float* dst, kernels::Stream stream) {
  GENER_CHECK(B >= 0 && col >= 0 && col < C, "gather_column_cuda: column " << col << " of " << C << ", B=" << B);
  if (B == 0) return;
  gather_column_kernel<<<blocks_for(B), kThreads, 0, stream>>>(B, C, col, src, dst);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::core::cuda_ops
