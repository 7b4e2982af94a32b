// cnn_branch_fused.cu — the fused inference kernel of GENER's CNN branch (see cnn_branch_fused.h), fp32 SIMT.
// UNVERIFIED on a GPU: compiled on a machine without one.
//
// One block scores kTP pairs. It walks conv3's output width in chunks of kTW positions; per chunk it gathers the
// input columns the chunk needs (kTW + K2 + K3 + K1 - 3 of both genes), computes conv1 → conv2 → conv3 in shared
// memory (one thread per pair and position, all output channels in registers, weights read as broadcasts), stages
// the dense layer's weight columns of the chunk (coalesced, rows padded against bank conflicts) and accumulates the
// dense layer per (unit, conv3 channel) thread in registers; the channel partial sums are reduced at the end.
#include <cuda_runtime.h>

#include "kernels/check.h"
#include "kernels/cnn_branch_fused.h"
#include "kernels/cuda_check.h"

namespace gener::kernels {
namespace {

constexpr int kC1 = 16, kC2 = 16, kC3 = 8;  // the channel counts the kernel is built for
constexpr int kMaxF = 64, kMaxK = 8;
constexpr int kTP = 8;    // pairs per block
constexpr int kTW = 32;   // conv3 positions per chunk
constexpr int kThreads = 256;

__device__ __forceinline__ float act_fn(float v, bool relu) { return relu ? (v < 0.f ? 0.f : v) : v; }

struct Smem {  // offsets (floats) into the dynamic shared memory
  int w1, b1, w2, b2, w3, b3, in, h1, h2, h3, wf, red, total;
};

__host__ __device__ inline Smem smem_layout(const CnnBranchShape& s) {
  Smem m{};
  int at = 0;
  auto take = [&at](int n) { const int o = at; at += (n + 3) / 4 * 4; return o; };
  m.w1 = take(kC1 * 2 * s.k1);
  m.b1 = take(kC1);
  m.w2 = take(kC2 * kC1 * s.k2);
  m.b2 = take(kC2);
  m.w3 = take(kC3 * kC2 * s.k3);
  m.b3 = take(kC3);
  const int in_w = kTW + s.k3 - 1 + s.k2 - 1 + s.k1 - 1, h1_w = kTW + s.k3 - 1 + s.k2 - 1, h2_w = kTW + s.k3 - 1;
  m.in = take(kTP * 2 * in_w);
  m.h1 = take(kTP * kC1 * h1_w);
  m.h2 = take(kTP * kC2 * h2_w);
  m.h3 = take(kTP * kC3 * kTW);
  m.wf = take(s.f * (kC3 * kTW + 1));  // row stride kC3*kTW + 1: threads of consecutive units hit distinct banks
  m.red = take(kThreads / s.f * kTP * s.f);
  m.total = at;
  return m;
}

__global__ void __launch_bounds__(kThreads) cnn_branch_fused_kernel(CnnBranchShape s, bool relu,
                                                                     const float* __restrict__ expr,
                                                                     const int32_t* __restrict__ pairs, int B,
                                                                     CnnBranchWeights w, float* __restrict__ y) {
  extern __shared__ float sm[];
  const Smem m = smem_layout(s);
  const int tid = threadIdx.x;
  const int p0 = blockIdx.x * kTP;
  const int W3 = s.w3();
  const int in_w = kTW + s.k3 - 1 + s.k2 - 1 + s.k1 - 1, h1_w = kTW + s.k3 - 1 + s.k2 - 1, h2_w = kTW + s.k3 - 1;

  // Conv weights once per block.
  for (int i = tid; i < kC1 * 2 * s.k1; i += kThreads) sm[m.w1 + i] = w.w1[i];
  for (int i = tid; i < kC2 * kC1 * s.k2; i += kThreads) sm[m.w2 + i] = w.w2[i];
  for (int i = tid; i < kC3 * kC2 * s.k3; i += kThreads) sm[m.w3 + i] = w.w3[i];
  if (tid < kC1) sm[m.b1 + tid] = w.b1[tid];
  if (tid < kC2) sm[m.b2 + tid] = w.b2[tid];
  if (tid < kC3) sm[m.b3 + tid] = w.b3[tid];

  // Dense accumulators: thread = (unit fu, conv3 channel group cg); kTP partial sums each.
  const int groups = kThreads / s.f;  // >= 4 since f <= 64
  const int fu = tid % s.f, cg = tid / s.f;
  float acc[kTP];
#pragma unroll
  for (int p = 0; p < kTP; ++p) acc[p] = 0.f;

  for (int j0 = 0; j0 < W3; j0 += kTW) {
    const int tw = min(kTW, W3 - j0);
    __syncthreads();  // the previous chunk's buffers are free
    // Gather: columns [j0, j0 + in_w) of both genes, zero past L (those positions only feed weights staged as 0).
    for (int i = tid; i < kTP * 2 * in_w; i += kThreads) {
      const int p = i / (2 * in_w), r = (i / in_w) % 2, x = i % in_w;
      const int pair = p0 + p, col = j0 + x;
      float v = 0.f;
      if (pair < B && col < s.L) v = __ldg(expr + static_cast<long long>(__ldg(pairs + 2 * pair + r)) * s.L + col);
      sm[m.in + (p * 2 + r) * in_w + x] = v;
    }
    // Dense weight columns of this chunk: wf[u][c][j] = W[u][c * W3 + j0 + j], 0 for j >= tw.
    for (int i = tid; i < s.f * kC3 * kTW; i += kThreads) {
      const int u = i / (kC3 * kTW), c = (i / kTW) % kC3, j = i % kTW;
      sm[m.wf + u * (kC3 * kTW + 1) + c * kTW + j] =
          j < tw ? __ldg(w.wf + static_cast<long long>(u) * kC3 * W3 + static_cast<long long>(c) * W3 + j0 + j) : 0.f;
    }
    __syncthreads();
    // conv1: (2 x k1) over the two rows, all kC1 channels per (pair, position).
    for (int i = tid; i < kTP * h1_w; i += kThreads) {
      const int p = i / h1_w, x = i % h1_w;
      float a[kC1];
#pragma unroll
      for (int c = 0; c < kC1; ++c) a[c] = sm[m.b1 + c];
      for (int r = 0; r < 2; ++r)
        for (int k = 0; k < s.k1; ++k) {
          const float v = sm[m.in + (p * 2 + r) * in_w + x + k];
#pragma unroll
          for (int c = 0; c < kC1; ++c) a[c] += sm[m.w1 + (c * 2 + r) * s.k1 + k] * v;
        }
#pragma unroll
      for (int c = 0; c < kC1; ++c) sm[m.h1 + (p * kC1 + c) * h1_w + x] = act_fn(a[c], relu);
    }
    __syncthreads();
    // conv2: (1 x k2) over kC1 channels.
    for (int i = tid; i < kTP * h2_w; i += kThreads) {
      const int p = i / h2_w, x = i % h2_w;
      float a[kC2];
#pragma unroll
      for (int c = 0; c < kC2; ++c) a[c] = sm[m.b2 + c];
      for (int ci = 0; ci < kC1; ++ci)
        for (int k = 0; k < s.k2; ++k) {
          const float v = sm[m.h1 + (p * kC1 + ci) * h1_w + x + k];
#pragma unroll
          for (int c = 0; c < kC2; ++c) a[c] += sm[m.w2 + (c * kC1 + ci) * s.k2 + k] * v;
        }
#pragma unroll
      for (int c = 0; c < kC2; ++c) sm[m.h2 + (p * kC2 + c) * h2_w + x] = act_fn(a[c], relu);
    }
    __syncthreads();
    // conv3: (1 x k3) over kC2 channels.
    for (int i = tid; i < kTP * kTW; i += kThreads) {
      const int p = i / kTW, x = i % kTW;
      float a[kC3];
#pragma unroll
      for (int c = 0; c < kC3; ++c) a[c] = sm[m.b3 + c];
      for (int ci = 0; ci < kC2; ++ci)
        for (int k = 0; k < s.k3; ++k) {
          const float v = sm[m.h2 + (p * kC2 + ci) * h2_w + x + k];
#pragma unroll
          for (int c = 0; c < kC3; ++c) a[c] += sm[m.w3 + (c * kC2 + ci) * s.k3 + k] * v;
        }
#pragma unroll
      for (int c = 0; c < kC3; ++c) sm[m.h3 + (p * kC3 + c) * kTW + x] = act_fn(a[c], relu);
    }
    __syncthreads();
    // Dense partial sums: unit fu, channels cg, cg + groups, ...; h3 reads are broadcasts across the warp.
    for (int c = cg; c < kC3; c += groups)
      for (int j = 0; j < kTW; ++j) {
        const float wv = sm[m.wf + fu * (kC3 * kTW + 1) + c * kTW + j];
#pragma unroll
        for (int p = 0; p < kTP; ++p) acc[p] += wv * sm[m.h3 + (p * kC3 + c) * kTW + j];
      }
  }
  // Reduce the channel groups, add the bias, activate, write (B, f).
#pragma unroll
  for (int p = 0; p < kTP; ++p) sm[m.red + (cg * kTP + p) * s.f + fu] = acc[p];
  __syncthreads();
  for (int i = tid; i < kTP * s.f; i += kThreads) {
    const int p = i / s.f, u = i % s.f;
    if (p0 + p >= B) continue;
    float v = __ldg(w.bf + u);
    for (int g = 0; g < groups; ++g) v += sm[m.red + (g * kTP + p) * s.f + u];
    y[static_cast<long long>(p0 + p) * s.f + u] = act_fn(v, relu);
  }
}

}  // namespace

const char* cnn_branch_fused_unsupported(const CnnBranchShape& s) {
  if (s.c1 != kC1 || s.c2 != kC2 || s.c3 != kC3) return "conv channels must be 16, 16, 8 (the paper's)";
  if (s.k1 < 1 || s.k2 < 1 || s.k3 < 1 || s.k1 > kMaxK || s.k2 > kMaxK || s.k3 > kMaxK)
    return "conv kernel widths must be 1..8";
  if (s.f < 1 || s.f > kMaxF || kThreads % s.f != 0) return "the dense layer must have 1..64 units dividing 256";
  if (s.w3() < 1) return "the expression vector is too short for the convolutions";
  return "";
}

void cnn_branch_fused_cuda(const CnnBranchShape& s, Activation act, const float* expr, const int32_t* pairs, int B,
                           const CnnBranchWeights& w, float* y, Stream stream) {
  const char* why = cnn_branch_fused_unsupported(s);
  GENER_CHECK(why[0] == '\0', "cnn_branch_fused_cuda: " << why);
  GENER_CHECK(B >= 0, "cnn_branch_fused_cuda: batch " << B);
  if (B == 0) return;
  const size_t bytes = sizeof(float) * static_cast<size_t>(smem_layout(s).total);
  CUDA_CHECK(cudaFuncSetAttribute(cnn_branch_fused_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(bytes)));
  const int blocks = (B + kTP - 1) / kTP;
  cnn_branch_fused_kernel<<<blocks, kThreads, bytes, stream>>>(s, act == Activation::Relu, expr, pairs, B, w, y);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
