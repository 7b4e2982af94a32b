// cnn_branch_fused_impl.h — the fused CNN-branch kernel's block program, written once for the GPU and for a CPU
// emulation: each phase does the work of thread `tid` of a kThreads-thread block on the block's shared memory, and a
// barrier separates phases (__syncthreads on the GPU; on the CPU every tid runs a phase before the next begins).
// The CPU emulation (cnn_branch_fused_cpu.cpp) tests the tiling and indexing against the layer-by-layer reference.
#pragma once
#include <cstdint>

#include "kernels/check.h"
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

// v[0..3] = p[0..3], one 16-byte shared-memory load on the GPU (p must be 16-byte aligned: checked on the CPU).
GENER_HOST_DEVICE inline void load4(const float* p, float* v) {
#if defined(__CUDA_ARCH__)
  const float4 q = *reinterpret_cast<const float4*>(p);
  v[0] = q.x;
  v[1] = q.y;
  v[2] = q.z;
  v[3] = q.w;
#else
  GENER_CHECK((reinterpret_cast<uintptr_t>(p) & 15) == 0, "fused CNN: unaligned 16-byte load");
  for (int i = 0; i < 4; ++i) v[i] = p[i];
#endif
}

// a[0..C) += w[0..C) * v, w read in 16-byte loads (C a multiple of 4): one input value into every output channel.
template <int C>
GENER_HOST_DEVICE inline void axpy4(float* a, const float* w, float v) {
  static_assert(C % 4 == 0, "axpy4: C must be a multiple of 4");
  GENER_UNROLL
  for (int c = 0; c < C; c += 4) {
    float w4[4];
    load4(w + c, w4);
    GENER_UNROLL
    for (int q = 0; q < 4; ++q) a[c + q] += w4[q] * v;
  }
}

// Offsets (floats) of the block's buffers in shared memory, and the widths of one chunk's activations.
struct Smem {
  int w1, b1, w2, b2, w3, b3, in, h1, h2, h3, wf, red, total;
  int in_w, h1_w, h2_w;  // gathered input columns, conv1 and conv2 outputs per chunk
  int h1_s;              // h1 row stride: a multiple of 4 covering conv2's reads of whole groups of 4 positions
  int wf_s;              // dense weight row stride: kC3*kTW + 4 (16-byte rows, conflict-free float4 loads)
  int ng2;               // conv2 position groups of 4
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
  m.ng2 = (m.h2_w + 3) / 4;
  const int h1_need = m.h1_w > 4 * m.ng2 + s.k2 - 1 ? m.h1_w : 4 * m.ng2 + s.k2 - 1;
  m.h1_s = (h1_need + 3) / 4 * 4;
  m.wf_s = kC3 * kTW + 4;
  m.w1 = take(kC1 * 2 * s.k1);    // transposed: [r][k][co]
  m.b1 = take(kC1);
  m.w2 = take(kC2 * kC1 * s.k2);  // transposed: [ci][k][co], so 4 output channels are one float4
  m.b2 = take(kC2);
  m.w3 = take(kC3 * kC2 * s.k3);   // transposed: [ci][k][co]
  m.b3 = take(kC3);
  m.in = take(kTP * 2 * m.in_w);
  m.h1 = take(kTP * kC1 * m.h1_s);
  m.h2 = take(kTP * kC2 * m.h2_w);
  m.h3 = take(kTP * kC3 * kTW);
  m.wf = take(s.f * m.wf_s);
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
  for (int i = tid; i < kC1 * 2 * s.k1; i += kThreads) {  // w1 (co, 1, r, k) → [r][k][co]
    const int co = i / (2 * s.k1), r = (i / s.k1) % 2, k = i % s.k1;
    sm[b.m.w1 + (r * s.k1 + k) * kC1 + co] = b.w.w1[i];
  }
  for (int i = tid; i < kC2 * kC1 * s.k2; i += kThreads) {  // w2 (co, ci, k) → [ci][k][co]
    const int co = i / (kC1 * s.k2), ci = (i / s.k2) % kC1, k = i % s.k2;
    sm[b.m.w2 + (ci * s.k2 + k) * kC2 + co] = b.w.w2[i];
  }
  for (int i = tid; i < kC3 * kC2 * s.k3; i += kThreads) {  // w3 (co, ci, k) → [ci][k][co]
    const int co = i / (kC2 * s.k3), ci = (i / s.k3) % kC2, k = i % s.k3;
    sm[b.m.w3 + (ci * s.k3 + k) * kC3 + co] = b.w.w3[i];
  }
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
    sm[b.m.wf + u * b.m.wf_s + c * kTW + j] =
        j < tw ? GENER_LDG(b.w.wf + static_cast<long long>(u) * kC3 * W3 + static_cast<long long>(c) * W3 + j0 + j)
               : 0.f;
  }
}

// conv1: (2 x k1) over the two rows, all kC1 channels per (pair, position), activation applied; the 16 channels'
// weights of a tap are 4 float4 broadcasts.
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
        const float* w = sm + m.w1 + (r * b.s.k1 + k) * kC1;
        axpy4<kC1>(a, w, v);
      }
    GENER_UNROLL
    for (int c = 0; c < kC1; ++c) sm[m.h1 + (p * kC1 + c) * m.h1_s + x] = act_fn(a[c], b.relu);
  }
}

// conv2: (1 x k2) over kC1 channels. A thread computes 4 output channels at 4 consecutive positions of one pair:
// per input channel it reads the 4 + k2 - 1 inputs once (a float4 and the rest) and reuses them for every tap, and
// the 4 channels' weights of a tap are one float4 broadcast (about 1 shared-memory wavefront per 5 FMAs per warp).
GENER_HOST_DEVICE inline void conv2(const Block& b, float* sm, int tid) {
  const Smem& m = b.m;
  const int k2 = b.s.k2, ng = m.ng2;
  for (int i = tid; i < (kC2 / 4) * kTP * ng; i += kThreads) {
    const int xg = i % ng, p = (i / ng) % kTP, cg = i / (ng * kTP), x0 = 4 * xg;
    float a[4][4];
    GENER_UNROLL
    for (int c = 0; c < 4; ++c) {
      const float bias = sm[m.b2 + 4 * cg + c];
      GENER_UNROLL
      for (int j = 0; j < 4; ++j) a[c][j] = bias;
    }
    for (int ci = 0; ci < kC1; ++ci) {
      const float* row = sm + m.h1 + (p * kC1 + ci) * m.h1_s + x0;
      float v[4 + kMaxK - 1];
      load4(row, v);
      GENER_UNROLL
      for (int t = 4; t < 4 + kMaxK - 1; ++t)
        if (t < 4 + k2 - 1) v[t] = row[t];
      GENER_UNROLL
      for (int k = 0; k < kMaxK; ++k) {
        if (k >= k2) break;
        float w4[4];
        load4(sm + m.w2 + (ci * k2 + k) * kC2 + 4 * cg, w4);
        GENER_UNROLL
        for (int c = 0; c < 4; ++c)
          GENER_UNROLL
          for (int j = 0; j < 4; ++j) a[c][j] += w4[c] * v[j + k];
      }
    }
    GENER_UNROLL
    for (int c = 0; c < 4; ++c)
      GENER_UNROLL
      for (int j = 0; j < 4; ++j)
        if (x0 + j < m.h2_w) sm[m.h2 + (p * kC2 + 4 * cg + c) * m.h2_w + x0 + j] = act_fn(a[c][j], b.relu);
  }
}

// conv3: (1 x k3) over kC2 channels, kTW positions; the 8 channels' weights of a tap are 2 float4 broadcasts.
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
        const float* w = sm + m.w3 + (ci * b.s.k3 + k) * kC3;
        axpy4<kC3>(a, w, v);
      }
    GENER_UNROLL
    for (int c = 0; c < kC3; ++c) sm[m.h3 + (p * kC3 + c) * kTW + x] = act_fn(a[c], b.relu);
  }
}

// Dense partial sums of thread tid = (unit tid % f, channel group tid / f) over this chunk, into acc (kTP): float4
// loads of the unit's weights (rows 16-byte aligned, conflict-free) and of each pair's h3 row (a broadcast).
GENER_HOST_DEVICE inline void dense_partial(const Block& b, const float* sm, int tid, float* acc) {
  const int f = b.s.f, groups = kThreads / f, fu = tid % f, cg = tid / f;
  for (int c = cg; c < kC3; c += groups)
    for (int j = 0; j < kTW; j += 4) {
      float w4[4];
      load4(sm + b.m.wf + fu * b.m.wf_s + c * kTW + j, w4);
      GENER_UNROLL
      for (int p = 0; p < kTP; ++p) {
        float h4[4];
        load4(sm + b.m.h3 + (p * kC3 + c) * kTW + j, h4);
        acc[p] += w4[0] * h4[0] + w4[1] * h4[1] + w4[2] * h4[2] + w4[3] * h4[3];
      }
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
