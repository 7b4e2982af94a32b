// conv2d_direct_cpu.cpp — direct convolution (output height 1) on AVX-512 (16 output positions per vector, 8 channels
// x 3 vectors of accumulators) or AVX2 + FMA (8 positions per vector, 4 channels x 3 vectors): weights broadcast from
// a [tap][channel] packing, fused epilogue. Both compute each output as the same FMA chain over the taps, so they give
// the same bits. Its backward's dx: the same kernel over dy padded by KW - 1 zeros each side, the kernel flipped and
// transposed. Its backward's dw: per sample, dy against each tap's shifted input row, with no im2col.
#include "kernels/conv2d_direct.h"

// GCC 12 flags its own avx512fintrin.h max/undefined-vector helpers as maybe-uninitialized (a known false
// positive); the warning is silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"  // the same in _mm512_reduce_add_ps
#include <immintrin.h>

#include <algorithm>

#include "kernels/cpu_util.h"
#include "kernels/cpu_features.h"

namespace gener::kernels {
namespace {

constexpr int kNB = 8;  // output channels per register block
constexpr int kJB = 3;  // 16-wide output vectors per register block: 8 x 3 = 24 accumulators
int padded_channels(int c_out) { return (c_out + kNB - 1) / kNB * kNB; }

// kNB output channels [o0, o0 + kNB) of one sample, kJB x 16 output positions at a time: per tap, kJB input
// loads and kNB weight broadcasts feed kNB x kJB FMAs.
// With `stats`, also the sum and the sum of squares (in double) of stats_act(output) per channel: stats[2 co],
// stats[2 co + 1].
__attribute__((target("avx512f"))) void direct_block(const Conv2dShape& s, const float* x, const float* packed, int o0,
                                                     const float* b, Activation act, const float* scale,
                                                     const float* shift, float* y, Activation stats_act,
                                                     double* stats, float* next_y) {
  const int wo = s.w_out(), kw = s.kw, rows = s.c_in * s.kh, pc = padded_channels(s.c_out);
  const int n_out = std::min(kNB, s.c_out - o0);
  const __m512 zero = _mm512_setzero_ps();
  __m512d st_sum[kNB], st_sq[kNB];  // per channel, 8 double lanes each
#pragma GCC unroll 8
  for (int o = 0; o < kNB; ++o) st_sum[o] = st_sq[o] = _mm512_setzero_pd();
  for (int j = 0; j < wo; j += 16 * kJB) {
    __mmask16 m[kJB];
#pragma GCC unroll 4
    for (int v = 0; v < kJB; ++v) {
      const int lanes = std::max(0, std::min(16, wo - j - 16 * v));
      m[v] = static_cast<__mmask16>((1u << lanes) - 1u);
    }
    __m512 acc[kNB][kJB];
#pragma GCC unroll 8
    for (int o = 0; o < kNB; ++o)
#pragma GCC unroll 4
      for (int v = 0; v < kJB; ++v) acc[o][v] = zero;
    for (int q = 0; q < rows; ++q) {
      const int c = q / s.kh, r = q % s.kh;
      const float* xr = x + (static_cast<size_t>(c) * s.h + r) * s.w + j;  // input row (c, r) from column j
      for (int k = 0; k < kw; ++k) {
        __m512 xv[kJB];
#pragma GCC unroll 4
        for (int v = 0; v < kJB; ++v) xv[v] = _mm512_maskz_loadu_ps(m[v], xr + k + 16 * v);
        const float* wt = packed + static_cast<size_t>(q * kw + k) * pc + o0;
#pragma GCC unroll 8
        for (int o = 0; o < kNB; ++o) {
          const __m512 wv = _mm512_set1_ps(wt[o]);
#pragma GCC unroll 4
          for (int v = 0; v < kJB; ++v) acc[o][v] = _mm512_fmadd_ps(wv, xv[v], acc[o][v]);
        }
      }
    }
#pragma GCC unroll 8
    for (int o = 0; o < kNB; ++o) {
      if (o >= n_out) break;
      const int co = o0 + o;
#pragma GCC unroll 4
      for (int v = 0; v < kJB; ++v) {
        __m512 e = acc[o][v];
        if (b) e = _mm512_add_ps(e, _mm512_set1_ps(b[co]));
        if (act == Activation::Relu) e = _mm512_max_ps(e, zero);
        if (scale) e = _mm512_fmadd_ps(e, _mm512_set1_ps(scale[co]), _mm512_set1_ps(shift[co]));
        _mm512_mask_storeu_ps(y + static_cast<size_t>(co) * wo + j + 16 * v, m[v], e);
        if (next_y) __builtin_prefetch(next_y + static_cast<size_t>(co) * wo + j + 16 * v, 1, 2);
        if (stats) {  // lanes past the row's end count as zero
          __m512 a = _mm512_maskz_mov_ps(m[v], stats_act == Activation::Relu ? _mm512_max_ps(e, zero) : e);
          const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(a));
          const __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
          st_sum[o] = _mm512_add_pd(st_sum[o], _mm512_add_pd(lo, hi));
          st_sq[o] = _mm512_fmadd_pd(lo, lo, _mm512_fmadd_pd(hi, hi, st_sq[o]));
        }
      }
    }
  }
  if (stats)
    for (int o = 0; o < n_out; ++o) {
      stats[2 * (o0 + o)] = _mm512_reduce_add_pd(st_sum[o]);
      stats[2 * (o0 + o) + 1] = _mm512_reduce_add_pd(st_sq[o]);
    }
}

// The AVX2 + FMA form of direct_block: kNB2 output channels [o0, o0 + kNB2), kJB2 x 8 positions at a time (12
// accumulators, 3 input vectors and a broadcast weight: the 16 ymm registers). Full blocks load unmasked.
constexpr int kNB2 = 4;
constexpr int kJB2 = 3;
static_assert(kNB % kNB2 == 0, "the packing pads channels for the AVX-512 block; the AVX2 block must divide it");

__attribute__((target("avx2,fma"))) inline double sum4(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

template <bool Full>
__attribute__((target("avx2,fma"))) inline void direct_step_avx2(const Conv2dShape& s, const float* x,
                                                                 const float* packed, int o0, int j,
                                                                 const __m256i* m, __m256 (&acc)[kNB2][kJB2]) {
  const int kw = s.kw, rows = s.c_in * s.kh, pc = padded_channels(s.c_out);
  for (int q = 0; q < rows; ++q) {
    const int c = q / s.kh, r = q % s.kh;
    const float* xr = x + (static_cast<size_t>(c) * s.h + r) * s.w + j;
    for (int k = 0; k < kw; ++k) {
      __m256 xv[kJB2];
#pragma GCC unroll 4
      for (int v = 0; v < kJB2; ++v)
        xv[v] = Full ? _mm256_loadu_ps(xr + k + 8 * v) : _mm256_maskload_ps(xr + k + 8 * v, m[v]);
      const float* wt = packed + static_cast<size_t>(q * kw + k) * pc + o0;
#pragma GCC unroll 4
      for (int o = 0; o < kNB2; ++o) {
        const __m256 wv = _mm256_broadcast_ss(wt + o);
#pragma GCC unroll 4
        for (int v = 0; v < kJB2; ++v) acc[o][v] = _mm256_fmadd_ps(wv, xv[v], acc[o][v]);
      }
    }
  }
}

__attribute__((target("avx2,fma"))) void direct_block_avx2(const Conv2dShape& s, const float* x, const float* packed,
                                                           int o0, const float* b, Activation act, const float* scale,
                                                           const float* shift, float* y, Activation stats_act,
                                                           double* stats) {
  const int wo = s.w_out();
  const int n_out = std::min(kNB2, s.c_out - o0);
  const __m256 zero = _mm256_setzero_ps();
  __m256d st_sum[kNB2], st_sq[kNB2];
#pragma GCC unroll 4
  for (int o = 0; o < kNB2; ++o) st_sum[o] = st_sq[o] = _mm256_setzero_pd();
  for (int j = 0; j < wo; j += 8 * kJB2) {
    __m256i m[kJB2];
    int lanes[kJB2];
#pragma GCC unroll 4
    for (int v = 0; v < kJB2; ++v) {
      lanes[v] = std::max(0, std::min(8, wo - j - 8 * v));
      m[v] = avx2_lanes_mask(lanes[v]);
    }
    __m256 acc[kNB2][kJB2];
#pragma GCC unroll 4
    for (int o = 0; o < kNB2; ++o)
#pragma GCC unroll 4
      for (int v = 0; v < kJB2; ++v) acc[o][v] = zero;
    if (j + 8 * kJB2 <= wo) direct_step_avx2<true>(s, x, packed, o0, j, m, acc);
    else direct_step_avx2<false>(s, x, packed, o0, j, m, acc);
#pragma GCC unroll 4
    for (int o = 0; o < kNB2; ++o) {
      if (o >= n_out) break;
      const int co = o0 + o;
#pragma GCC unroll 4
      for (int v = 0; v < kJB2; ++v) {
        __m256 e = acc[o][v];
        if (b) e = _mm256_add_ps(e, _mm256_set1_ps(b[co]));
        if (act == Activation::Relu) e = _mm256_max_ps(e, zero);
        if (scale) e = _mm256_fmadd_ps(e, _mm256_set1_ps(scale[co]), _mm256_set1_ps(shift[co]));
        // vmaskmovps to memory is microcoded and slow on some CPUs (AMD Zen): whole vectors store plainly.
        float* yv = y + static_cast<size_t>(co) * wo + j + 8 * v;
        if (lanes[v] == 8) _mm256_storeu_ps(yv, e);
        else _mm256_maskstore_ps(yv, m[v], e);
        if (stats) {  // lanes past the row's end count as zero
          const __m256 a = _mm256_and_ps(_mm256_castsi256_ps(m[v]),
                                         stats_act == Activation::Relu ? _mm256_max_ps(e, zero) : e);
          const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(a));
          const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1));
          st_sum[o] = _mm256_add_pd(st_sum[o], _mm256_add_pd(lo, hi));
          st_sq[o] = _mm256_fmadd_pd(lo, lo, _mm256_fmadd_pd(hi, hi, st_sq[o]));
        }
      }
    }
  }
  if (stats)
    for (int o = 0; o < n_out; ++o) {
      stats[2 * (o0 + o)] = sum4(st_sum[o]);
      stats[2 * (o0 + o) + 1] = sum4(st_sq[o]);
    }
}

// dw of output channels [o0, o0 + OB) x taps [t0, t0 + TB) for one sample: per 16 positions, OB dy loads and TB
// shifted x loads feed OB x TB FMAs; each accumulator is reduced once at the end and added to dw.
template <int OB, int TB>
__attribute__((target("avx512f"))) void dw_block(const Conv2dShape& s, const float* x, const float* dy, int o0, int t0,
                                                 float* dw) {
  const int wo = s.w_out(), taps = s.c_in * s.kh * s.kw;
  const float* dyo[OB];
  const float* xt[TB];
#pragma GCC unroll 4
  for (int o = 0; o < OB; ++o) dyo[o] = dy + static_cast<size_t>(o0 + o) * wo;
#pragma GCC unroll 6
  for (int t = 0; t < TB; ++t) {  // tap (row q, column k) reads x row q from column k (the output height is 1)
    const int q = (t0 + t) / s.kw, k = (t0 + t) % s.kw;
    xt[t] = x + static_cast<size_t>(q) * s.w + k;
  }
  __m512 acc[OB][TB];
#pragma GCC unroll 4
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 6
    for (int t = 0; t < TB; ++t) acc[o][t] = _mm512_setzero_ps();
  for (int j = 0; j < wo; j += 16) {
    const __mmask16 m = static_cast<__mmask16>((1u << std::min(16, wo - j)) - 1u);
    __m512 d[OB];
#pragma GCC unroll 4
    for (int o = 0; o < OB; ++o) d[o] = _mm512_maskz_loadu_ps(m, dyo[o] + j);
#pragma GCC unroll 6
    for (int t = 0; t < TB; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(m, xt[t] + j);
#pragma GCC unroll 4
      for (int o = 0; o < OB; ++o) acc[o][t] = _mm512_fmadd_ps(d[o], xv, acc[o][t]);
    }
  }
#pragma GCC unroll 4
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 6
    for (int t = 0; t < TB; ++t) dw[static_cast<size_t>(o0 + o) * taps + t0 + t] += _mm512_reduce_add_ps(acc[o][t]);
}

template <int OB>
void dw_taps(const Conv2dShape& s, const float* x, const float* dy, int o0, int t0, int tb, float* dw) {
  switch (tb) {
    case 1: dw_block<OB, 1>(s, x, dy, o0, t0, dw); break;
    case 2: dw_block<OB, 2>(s, x, dy, o0, t0, dw); break;
    case 3: dw_block<OB, 3>(s, x, dy, o0, t0, dw); break;
    case 4: dw_block<OB, 4>(s, x, dy, o0, t0, dw); break;
    case 5: dw_block<OB, 5>(s, x, dy, o0, t0, dw); break;
    default: dw_block<OB, 6>(s, x, dy, o0, t0, dw); break;
  }
}

}  // namespace

Conv2dShape conv2d_direct_dx_shape(const Conv2dShape& s) {
  return Conv2dShape{1, s.c_out, 1, s.w_out() + 2 * (s.kw - 1), s.c_in * s.kh, 1, s.kw};
}

size_t conv2d_direct_dx_packed_floats(const Conv2dShape& s) {
  return conv2d_direct_packed_floats(conv2d_direct_dx_shape(s));
}

void conv2d_direct_dx_pack(const Conv2dShape& s, const float* w, float* packed) {
  const Conv2dShape t = conv2d_direct_dx_shape(s);
  const int pc = padded_channels(t.c_out), rows = s.c_in * s.kh;
  std::fill(packed, packed + static_cast<size_t>(t.c_in) * t.kw * pc, 0.0f);
  // packed[(o, k')][(c, r)] = w[o][c][r][KW - 1 - k']
  for (int o = 0; o < s.c_out; ++o)
    for (int q = 0; q < rows; ++q)
      for (int k = 0; k < s.kw; ++k)
        packed[(static_cast<size_t>(o) * s.kw + k) * pc + q] =
            w[(static_cast<size_t>(o) * rows + q) * s.kw + (s.kw - 1 - k)];
}

size_t conv2d_direct_dy_pad_floats(const Conv2dShape& s) {
  return s.kw > 1 ? static_cast<size_t>(s.c_out) * conv2d_direct_dx_shape(s).w : 0;
}

void conv2d_direct_dx_sample(const Conv2dShape& s, const float* dy, const float* packed, float* pad, float* dx,
                             Fp32Simd isa) {
  const Conv2dShape t = conv2d_direct_dx_shape(s);
  const int wo = s.w_out(), edge = s.kw - 1;
  const float* in = dy;
  if (edge > 0) {  // each dy row between KW - 1 zeros on both sides
    for (int o = 0; o < s.c_out; ++o) {
      float* row = pad + static_cast<size_t>(o) * t.w;
      std::fill(row, row + edge, 0.0f);
      std::copy(dy + static_cast<size_t>(o) * wo, dy + static_cast<size_t>(o + 1) * wo, row + edge);
      std::fill(row + edge + wo, row + t.w, 0.0f);
    }
    in = pad;
  }
  conv2d_direct_sample(t, in, packed, nullptr, Activation::None, nullptr, nullptr, dx, isa);
}

bool conv2d_direct_dw_available(const Conv2dShape& s) {
  return conv2d_direct_isa(s) == Fp32Simd::Avx512 && s.c_in * s.kh * s.kw > 0;
}

void conv2d_direct_dw_sample(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  constexpr int kOB = 4, kTB = 6;
  const int taps = s.c_in * s.kh * s.kw;
  for (int o0 = 0; o0 < s.c_out; o0 += kOB)
    for (int t0 = 0; t0 < taps; t0 += kTB) {
      const int tb = std::min(kTB, taps - t0);
      switch (std::min(kOB, s.c_out - o0)) {
        case 1: dw_taps<1>(s, x, dy, o0, t0, tb, dw); break;
        case 2: dw_taps<2>(s, x, dy, o0, t0, tb, dw); break;
        case 3: dw_taps<3>(s, x, dy, o0, t0, tb, dw); break;
        default: dw_taps<4>(s, x, dy, o0, t0, tb, dw); break;
      }
    }
}

Fp32Simd conv2d_direct_isa(const Conv2dShape& s) {
#if defined(__x86_64__) && defined(__GNUC__)
  static_assert(sizeof(float) == 4, "float32");
  return s.h_out() == 1 && s.w_out() >= 1 && s.c_out >= 1 ? fp32_simd() : Fp32Simd::None;
#else
  (void)s;
  return Fp32Simd::None;
#endif
}

bool conv2d_direct_available(const Conv2dShape& s) { return conv2d_direct_isa(s) != Fp32Simd::None; }

size_t conv2d_direct_packed_floats(const Conv2dShape& s) {
  return static_cast<size_t>(s.c_in) * s.kh * s.kw * padded_channels(s.c_out);
}

void conv2d_direct_pack(const Conv2dShape& s, const float* w, float* packed) {
  const int taps = s.c_in * s.kh * s.kw, pc = padded_channels(s.c_out);
  std::fill(packed, packed + static_cast<size_t>(taps) * pc, 0.0f);
  for (int o = 0; o < s.c_out; ++o)
    for (int t = 0; t < taps; ++t) packed[static_cast<size_t>(t) * pc + o] = w[static_cast<size_t>(o) * taps + t];
}

void conv2d_direct_sample(const Conv2dShape& s, const float* x, const float* packed, const float* b, Activation act,
                          const float* scale, const float* shift, float* y, Fp32Simd isa, Activation stats_act,
                          double* stats, float* next_y) {
  if (isa == Fp32Simd::Avx512)
    for (int o0 = 0; o0 < s.c_out; o0 += kNB)
      direct_block(s, x, packed, o0, b, act, scale, shift, y, stats_act, stats, next_y);
  else
    for (int o0 = 0; o0 < s.c_out; o0 += kNB2)
      direct_block_avx2(s, x, packed, o0, b, act, scale, shift, y, stats_act, stats);
}

}  // namespace gener::kernels
