// dense_fp32_cpu.cpp — fp32 dense rows for CPUs with AVX2 + FMA (8 units per vector, 6 rows x 2 vectors or 12 rows x
// 1 vector of accumulators), and the in-place activation hand-over both fp32 dense kernels share (dense_fp32.h).
#include "kernels/dense_fp32.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/cpu_util.h"
#include "kernels/lowp_amx.h"

namespace gener::kernels::fp32dense {

size_t bytes(const LowpWeights& lw) { return static_cast<size_t>(lw.k) * sizeof(float) * kRowPad; }

void convert(const LowpWeights& lw, int n, const float* x, LowpActs& a) {
  const int K = lw.k;
  a.in_place = x;
  a.in_place_end = n / kRowPad * kRowPad;
  a.stride = static_cast<size_t>(K) * sizeof(float);
  amx::size_at_least(a.data, a.stride * kRowPad);
  if (n == a.in_place_end) return;  // whole blocks only: the kernels read nothing from the copy
  const size_t copied = static_cast<size_t>(n - a.in_place_end) * a.stride;
  std::memcpy(a.data.data(), x + static_cast<size_t>(a.in_place_end) * K, copied);
  // Padding rows: their outputs are discarded, but stale bytes there could be subnormal floats, whose FMAs take
  // microcode assists on some CPUs (measured: 3x slower fp32 dense layers). Zero them.
  std::memset(a.data.data() + copied, 0, a.stride * kRowPad - copied);
}

namespace {

constexpr int kVec = 8;           // units per ymm vector
constexpr int kPackedBlock = 16;  // lowp_cpu.cpp pads the packed output width to a multiple of this

// Rows b0 .. b0 + R (in place, or in the copied block), units o0 .. o0 + 8 V (inside the packed width).
template <int R, int V>
__attribute__((target("avx2,fma"))) void block(const LowpWeights& lw, const LowpActs& a, int b0, int o0, int n,
                                              Activation act, float* y) {
  const float* x0 = a.in_place && b0 < a.in_place_end
                        ? a.in_place + static_cast<size_t>(b0) * lw.k
                        : reinterpret_cast<const float*>(a.data.data()) +
                              static_cast<size_t>(b0 - (a.in_place ? a.in_place_end : 0)) * lw.k;
  const int po = (lw.out + kPackedBlock - 1) / kPackedBlock * kPackedBlock;
  const float* w = reinterpret_cast<const float*>(lw.w.data());
  __m256 acc[R][V];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int g = 0; g < lw.k; ++g) {
    __m256 wv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) wv[v] = _mm256_loadu_ps(w + static_cast<size_t>(g) * po + o0 + kVec * v);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m256 xb = _mm256_broadcast_ss(x0 + static_cast<size_t>(lw.k) * r + g);
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(xb, wv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    const int b = b0 + r;
    if (b >= n) break;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      const int o = o0 + kVec * v;
      if (o >= lw.out) break;
      __m256 e = _mm256_add_ps(acc[r][v], _mm256_loadu_ps(lw.bias.data() + o));
      if (act == Activation::Relu) e = _mm256_max_ps(e, _mm256_setzero_ps());
      float* yv = y + static_cast<size_t>(b) * lw.out + o;
      if (o + kVec <= lw.out) _mm256_storeu_ps(yv, e);  // vmaskmovps to memory is slow on some CPUs (AMD Zen)
      else _mm256_maskstore_ps(yv, avx2_lanes_mask(lw.out - o), e);
    }
  }
}

}  // namespace

void forward_avx2(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y) {
  static_assert(kRowPad % 6 == 0 && kRowPad % 12 == 0, "row blocks must not straddle the in-place end");
  const int po = (lw.out + kPackedBlock - 1) / kPackedBlock * kPackedBlock;
  if (lw.out > kVec) {  // 6 rows x 2 vectors
    for (int b0 = 0; b0 < n; b0 += 6)
      for (int o0 = 0; o0 < po; o0 += 2 * kVec) block<6, 2>(lw, a, b0, o0, n, act, y);
  } else {
    for (int b0 = 0; b0 < n; b0 += 12) block<12, 1>(lw, a, b0, 0, n, act, y);
  }
}

}  // namespace gener::kernels::fp32dense
