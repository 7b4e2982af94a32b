// cnn_branch_fused_impl.h — the fused CNN-branch kernel's block program, written once for the GPU and for a CPU
// emulation: each phase does the work of thread `tid` of a kThreads-thread block on the block's shared memory, and a
// barrier separates phases (__syncthreads on the GPU; on the CPU every tid runs a phase before the next begins).
// The CPU emulation (cnn_branch_fused_cpu.cpp) tests the tiling and indexing against the layer-by-layer reference.
#pragma once
#include <cstdint>

#include "kernels/cnn_branch_fused.h"

#if defined(__CUDA_ARCH__)
#define GENER_LDG(p) __ldg(p)
#define GENER_UNROLL _Pragma("unroll")
#else
#define GENER_LDG(p) (*(p))
#define GENER_UNROLL
#endif

namespace gener::kernels::fused_cnn {

constexpr int kC1 = 16, kC2 = 16, kC3 = 8;  // the channel counts the kernel is built for
constexpr int kMaxF = 64, kMaxK = 8;
constexpr int kTP = 8;    // pairs per block
constexpr int kTW = 32;   // conv3 positions per chunk
constexpr int kThreads = 256;

GENER_HOST_DEVICE inline float act_fn(float v, bool relu) { return relu ? (v < 0.f ? 0.f : v) : v; }

// Offsets (floats) of the block's buffers in shared memory, and the widths of one chunk's activations.
struct Smem {
  int w1, b1, w2, b2, w3, b3, in, h1, h2, h3, wf, red, total;
  int in_w, h1_w, h2_w;  // gathered input columns, conv1 and conv2 outputs per chunk
};

GENER_HOST_DEVICE inline Smem smem_layout(const CnnBranchShape& s) {
  Smem m{};
  int at = 0;
  auto take = [&at](int n) {
    const int o = at;
    at += (n + 3) / 4 * 4;
    return o;
  };
  m.h2_w = kTW + s.k3 - 1;
  m.h1_w = m.h2_w + s.k2 - 1;
  m.in_w = m.h1_w + s.k1 - 1;
  m.w1 = take(kC1 * 2 * s.k1);
  m.b1 = take(kC1);
  m.w2 = take(kC2 * kC1 * s.k2);
  m.b2 = take(kC2);
  m.w3 = take(kC3 * kC2 * s.k3);
  m.b3 = take(kC3);
  m.in = take(kTP * 2 * m.in_w);
  m.h1 = take(kTP * kC1 * m.h1_w);
  m.h2 = take(kTP * kC2 * m.h2_w);
  m.h3 = take(kTP * kC3 * kTW);
  m.wf = take(s.f * (kC3 * kTW + 1));  // row stride kC3*kTW + 1: threads of consecutive units hit distinct banks
  m.red = take(kThreads / s.f * kTP * s.f);
  m.total = at;
  return m;
}

// Everything one block reads: the shape, its first pair, and the global inputs.
struct Block {
  CnnBranchShape s;
  Smem m;
  bool relu;
  const float* expr;
  const int32_t* pairs;
  int B, p0;
  CnnBranchWeights w;
  float* y;
};

GENER_HOST_DEVICE inline void load_weights(const Block& b, float* sm, int tid) {
  const CnnBranchShape& s = b.s;
  for (int i = tid; i < kC1 * 2 * s.k1; i += kThreads) sm[b.m.w1 + i] = b.w.w1[i];
  for (int i = tid; i < kC2 * kC1 * s.k2; i += kThreads) sm[b.m.w2 + i] = b.w.w2[i];
  for (int i = tid; i < kC3 * kC2 * s.k3; i += kThreads) sm[b.m.w3 + i] = b.w.w3[i];
  if (tid < kC1) sm[b.m.b1 + tid] = b.w.b1[tid];
  if (tid < kC2) sm[b.m.b2 + tid] = b.w.b2[tid];
  if (tid < kC3) sm[b.m.b3 + tid] = b.w.b3[tid];
}

// Chunk j0: input columns [j0, j0 + in_w) of both genes (0 past L or past the batch), and the dense layer's weight
// columns wf[u][c][j] = W[u][c * W3 + j0 + j], 0 for j >= the chunk's width (so positions past W3 add nothing).
GENER_HOST_DEVICE inline void gather(const Block& b, float* sm, int j0, int tid) {
  const CnnBranchShape& s = b.s;
  const int in_w = b.m.in_w, W3 = s.w3(), tw = W3 - j0 < kTW ? W3 - j0 : kTW;
  for (int i = tid; i < kTP * 2 * in_w; i += kThreads) {
    const int p = i / (2 * in_w), r = (i / in_w) % 2, x = i % in_w;
    const int pair = b.p0 + p, col = j0 + x;
    float v = 0.f;
    if (pair < b.B && col < s.L)
      v = GENER_LDG(b.expr + static_cast<long long>(GENER_LDG(b.pairs + 2 * pair + r)) * s.L + col);
    sm[b.m.in + (p * 2 + r) * in_w + x] = v;
  }
  for (int i = tid; i < s.f * kC3 * kTW; i += kThreads) {
    const int u = i / (kC3 * kTW), c = (i / kTW) % kC3, j = i % kTW;
    sm[b.m.wf + u * (kC3 * kTW + 1) + c * kTW + j] =
        j < tw ? GENER_LDG(b.w.wf + static_cast<long long>(u) * kC3 * W3 + static_cast<long long>(c) * W3 + j0 + j)
               : 0.f;
  }
}

// conv1: (2 x k1) over the two rows, all kC1 channels per (pair, position), activation applied.
GENER_HOST_DEVICE inline void conv1(const Block& b, float* sm, int tid) {
  const Smem& m = b.m;
  for (int i = tid; i < kTP * m.h1_w; i += kThreads) {
    const int p = i / m.h1_w, x = i % m.h1_w;
    float a[kC1];
    GENER_UNROLL
    for (int c = 0; c < kC1; ++c) a[c] = sm[m.b1 + c];
    for (int r = 0; r < 2; ++r)
      for (int k = 0; k < b.s.k1; ++k) {
        const float v = sm[m.in + (p * 2 + r) * m.in_w + x + k];
        GENER_UNROLL
    for (int c = 0; c < kC1; ++c) a[c] += sm[m.w1 + (c * 2 + r) * b.s.k1 + k] * v;
      }
    for (int c = 0; c < kC1; ++c) sm[m.h1 + (p * kC1 + c) * m.h1_w + x] = act_fn(a[c], b.relu);
  }
}

// conv2: (1 x k2) over kC1 channels.
GENER_HOST_DEVICE inline void conv2(const Block& b, float* sm, int tid) {
  const Smem& m = b.m;
  for (int i = tid; i < kTP * m.h2_w; i += kThreads) {
    const int p = i / m.h2_w, x = i % m.h2_w;
    float a[kC2];
    GENER_UNROLL
    for (int c = 0; c < kC2; ++c) a[c] = sm[m.b2 + c];
    for (int ci = 0; ci < kC1; ++ci)
      for (int k = 0; k < b.s.k2; ++k) {
        const float v = sm[m.h1 + (p * kC1 + ci) * m.h1_w + x + k];
        GENER_UNROLL
    for (int c = 0; c < kC2; ++c) a[c] += sm[m.w2 + (c * kC1 + ci) * b.s.k2 + k] * v;
      }
    for (int c = 0; c < kC2; ++c) sm[m.h2 + (p * kC2 + c) * m.h2_w + x] = act_fn(a[c], b.relu);
  }
}

// conv3: (1 x k3) over kC2 channels, kTW positions.
GENER_HOST_DEVICE inline void conv3(const Block& b, float* sm, int tid) {
  const Smem& m = b.m;
  for (int i = tid; i < kTP * kTW; i += kThreads) {
    const int p = i / kTW, x = i % kTW;
    float a[kC3];
    GENER_UNROLL
    for (int c = 0; c < kC3; ++c) a[c] = sm[m.b3 + c];
    for (int ci = 0; ci < kC2; ++ci)
      for (int k = 0; k < b.s.k3; ++k) {
        const float v = sm[m.h2 + (p * kC2 + ci) * m.h2_w + x + k];
        GENER_UNROLL
    for (int c = 0; c < kC3; ++c) a[c] += sm[m.w3 + (c * kC2 + ci) * b.s.k3 + k] * v;
      }
    for (int c = 0; c < kC3; ++c) sm[m.h3 + (p * kC3 + c) * kTW + x] = act_fn(a[c], b.relu);
  }
}

// Dense partial sums of thread tid = (unit tid % f, channel group tid / f) over this chunk, into acc (kTP).
GENER_HOST_DEVICE inline void dense_partial(const Block& b, const float* sm, int tid, float* acc) {
  const int f = b.s.f, groups = kThreads / f, fu = tid % f, cg = tid / f;
  for (int c = cg; c < kC3; c += groups)
    for (int j = 0; j < kTW; ++j) {
      const float wv = sm[b.m.wf + fu * (kC3 * kTW + 1) + c * kTW + j];
      GENER_UNROLL
      for (int p = 0; p < kTP; ++p) acc[p] += wv * sm[b.m.h3 + (p * kC3 + c) * kTW + j];
    }
}

GENER_HOST_DEVICE inline void store_partial(const Block& b, float* sm, int tid, const float* acc) {
  const int f = b.s.f, fu = tid % f, cg = tid / f;
  for (int p = 0; p < kTP; ++p) sm[b.m.red + (cg * kTP + p) * f + fu] = acc[p];
}

// y (B, f) = act(Σ groups + bias) for the block's pairs.
GENER_HOST_DEVICE inline void reduce_write(const Block& b, const float* sm, int tid) {
  const int f = b.s.f, groups = kThreads / f;
  for (int i = tid; i < kTP * f; i += kThreads) {
    const int p = i / f, u = i % f;
    if (b.p0 + p >= b.B) continue;
    float v = GENER_LDG(b.w.bf + u);
    for (int g = 0; g < groups; ++g) v += sm[b.m.red + (g * kTP + p) * f + u];
    b.y[static_cast<long long>(b.p0 + p) * f + u] = act_fn(v, b.relu);
  }
}

}  // namespace gener::kernels::fused_cnn
