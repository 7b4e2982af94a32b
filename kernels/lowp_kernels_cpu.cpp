// lowp_kernels_cpu.cpp — the AVX-512 bf16 (vdpbf16ps) and int8 (vpdpbusd) kernels of lowp.h: activation conversion
// into 32-bit groups, a 1-row convolution (16 positions per vector, 8 x 3 accumulators) and a dense layer (16 units
// per vector, rows x vectors accumulators). Weights in packed groups (lowp_cpu.cpp); fixed order: deterministic.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 flags its own avx512 helpers (reduce, undefined
#pragma GCC diagnostic ignored "-Wuninitialized"        // vectors) as uninitialized: known false positives
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/check.h"
#include "kernels/cpu_features.h"
#include "kernels/dense_fp32.h"
#include "kernels/lowp.h"
#include "kernels/lowp_amx.h"

#define GENER_LOWP_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx512vnni")))

namespace gener::kernels {
namespace {

constexpr int kNB = 8, kJB = 3;  // conv: output channels x 16-position vectors per register block
constexpr int kRowPad = fp32dense::kRowPad;  // dense (AVX-512): rows padded to a multiple of every row block

// Positions per channel group of the AVX-512 convolution's input (the width, zero-padded for the register blocks).
inline int conv_wpad(int w) { return (w + 16 * kJB + 16 + 15) / 16 * 16; }
// Rows a dense kernel reads: whole register blocks (AVX-512) or tiles (AMX).
inline int dense_rows(const LowpWeights& lw, int n) { return amx::round_up(n, lw.amx ? amx::kTile : kRowPad); }

struct Bf16Dot {
  using Acc = __m512;
  GENER_LOWP_TARGET static inline Acc zero() { return _mm512_setzero_ps(); }
  GENER_LOWP_TARGET static inline Acc dot(Acc c, __m512i a, __m512i b) {
    return _mm512_dpbf16_ps(c, (__m512bh)a, (__m512bh)b);
  }
};
struct Fp32Dot {  // the fp32 dense kernel: one value per group, plain FMA
  using Acc = __m512;
  GENER_LOWP_TARGET static inline Acc zero() { return _mm512_setzero_ps(); }
  GENER_LOWP_TARGET static inline Acc dot(Acc c, __m512i a, __m512i b) {
    return _mm512_fmadd_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(b), c);
  }
};
struct Int8Dot {  // a: unsigned 8-bit activations, b: signed 8-bit weights
  using Acc = __m512i;
  GENER_LOWP_TARGET static inline Acc zero() { return _mm512_setzero_si512(); }
  GENER_LOWP_TARGET static inline Acc dot(Acc c, __m512i a, __m512i b) { return _mm512_dpbusd_epi32(c, a, b); }
};

// fp32 accumulator value of outputs o.. (vector of 16 outputs, or one output broadcast), int8 dequantized:
// (acc - zp * Σq) * (s_x * s_w) — exact integer correction, then one rounding.
template <class D>
GENER_LOWP_TARGET inline __m512 to_float(typename D::Acc acc, int zp, float sx, __m512i wsum, __m512 wscale) {
  if constexpr (std::is_same_v<D, Int8Dot>) {
    const __m512i corr = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(zp), wsum));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(corr), _mm512_mul_ps(_mm512_set1_ps(sx), wscale));
  } else {
    return acc;
  }
}

GENER_LOWP_TARGET inline __m512 epilogue(__m512 v, __m512 bias, Activation act) {
  v = _mm512_add_ps(v, bias);
  return act == Activation::Relu ? _mm512_max_ps(v, _mm512_setzero_ps()) : v;
}

GENER_LOWP_TARGET inline __mmask16 tail_mask(int left) {
  return static_cast<__mmask16>(left >= 16 ? 0xffffu : (1u << std::max(left, 0)) - 1u);
}

// min and max of n floats (0 included: zero padding is in every range quantized here).
GENER_LOWP_TARGET void min_max(const float* x, size_t n, float* lo, float* hi) {
  __m512 mn[4], mx[4];
  for (int u = 0; u < 4; ++u) mn[u] = mx[u] = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int u = 0; u < 4; ++u) {
      const __m512 v = _mm512_loadu_ps(x + i + 16 * u);
      mn[u] = _mm512_min_ps(mn[u], v);
      mx[u] = _mm512_max_ps(mx[u], v);
    }
  for (; i < n; i += 16) {
    const __m512 v = _mm512_maskz_loadu_ps(tail_mask(static_cast<int>(std::min<size_t>(16, n - i))), x + i);
    mn[0] = _mm512_min_ps(mn[0], v);
    mx[0] = _mm512_max_ps(mx[0], v);
  }
  *lo = _mm512_reduce_min_ps(_mm512_min_ps(_mm512_min_ps(mn[0], mn[1]), _mm512_min_ps(mn[2], mn[3])));
  *hi = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(mx[0], mx[1]), _mm512_max_ps(mx[2], mx[3])));
}

// One sample's int8 affine code: x ≈ (q - zp) * scale. Non-negative data (ReLU outputs): zp 0, 255 levels; signed
// data: zp 128, 127 levels each side.
void int8_params(float lo, float hi, float* scale, int* zp) {
  if (lo >= 0.f) {
    *zp = 0;
    *scale = hi > 0.f ? hi / 255.f : 1.f;
  } else {
    *zp = 128;
    const float m = std::max(-lo, hi);
    *scale = m > 0.f ? m / 127.f : 1.f;
  }
}

// 16 codes (epi32, already in [0, 255]) of round(v / scale) + zp.
GENER_LOWP_TARGET inline __m512i quantize16(__m512 v, __m512 inv, __m512i zp) {
  const __m512i q = _mm512_add_epi32(
      _mm512_cvt_roundps_epi32(_mm512_mul_ps(v, inv), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zp);
  return _mm512_max_epi32(_mm512_min_epi32(q, _mm512_set1_epi32(255)), _mm512_setzero_si512());
}

// ---------------------------------------------------------------- conversion

template <Precision P>
GENER_LOWP_TARGET void conv_convert(const LowpWeights& lw, int n, int w, const float* x, LowpActs& a) {
  constexpr int G = P == Precision::Int8 ? 4 : 2;
  const int cg_n = (lw.c_in + G - 1) / G;
  a.wpad = conv_wpad(w);
  a.stride = static_cast<size_t>(cg_n) * a.wpad * 4;
  amx::size_at_least(a.data, a.stride * n);
  a.scale.assign(static_cast<size_t>(n), 1.f);
  a.zero.assign(static_cast<size_t>(n), 0);
  const __m512i inter16 = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                           6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (int s = 0; s < n; ++s) {
    const float* xs = x + static_cast<size_t>(s) * lw.c_in * w;  // (C_in, W)
    uint8_t* row = a.data.data() + a.stride * s;
    __m512 inv = _mm512_set1_ps(1.f);
    __m512i zp = _mm512_setzero_si512();
    if constexpr (P == Precision::Int8) {
      float lo, hi;
      min_max(xs, static_cast<size_t>(lw.c_in) * w, &lo, &hi);
      int8_params(lo, hi, &a.scale[s], &a.zero[s]);
      inv = _mm512_set1_ps(1.f / a.scale[s]);
      zp = _mm512_set1_epi32(a.zero[s]);
    }
    for (int g = 0; g < cg_n; ++g)
      for (int p = 0; p < a.wpad; p += 16) {
        __m512 v[G];
        for (int e = 0; e < G; ++e) {
          const int c = g * G + e;
          v[e] = c < lw.c_in ? _mm512_maskz_loadu_ps(tail_mask(w - p), xs + static_cast<size_t>(c) * w + p)
                             : _mm512_setzero_ps();
        }
        uint8_t* dst = row + (static_cast<size_t>(g) * a.wpad + p) * 4;
        if constexpr (P == Precision::Int8) {  // 4 channels x 16 positions → 16 groups of 4 bytes
          __m128i q[4];
          for (int e = 0; e < 4; ++e) q[e] = _mm512_cvtepi32_epi8(quantize16(v[e], inv, zp));
          const __m128i t0 = _mm_unpacklo_epi8(q[0], q[1]), t1 = _mm_unpackhi_epi8(q[0], q[1]);
          const __m128i t2 = _mm_unpacklo_epi8(q[2], q[3]), t3 = _mm_unpackhi_epi8(q[2], q[3]);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_unpacklo_epi16(t0, t2));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 16), _mm_unpackhi_epi16(t0, t2));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 32), _mm_unpacklo_epi16(t1, t3));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 48), _mm_unpackhi_epi16(t1, t3));
        } else {  // 2 channels x 16 positions → 16 bf16 pairs
          const __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512((__m256i)_mm512_cvtneps_pbh(v[0])),
                                                  (__m256i)_mm512_cvtneps_pbh(v[1]), 1);
          _mm512_storeu_si512(dst, _mm512_permutexvar_epi16(inter16, both));
        }
      }
  }
}

template <Precision P>
GENER_LOWP_TARGET void dense_convert(const LowpWeights& lw, int n, const float* x, LowpActs& a) {
  constexpr int G = P == Precision::Int8 ? 4 : P == Precision::Bf16 ? 2 : 1;
  const int groups = (lw.k + G - 1) / G;
  const int K = lw.k, Kp = groups * G;
  a.in_place = nullptr;
  const int rows = dense_rows(lw, n);
  a.stride = amx::dense_stride_bytes(lw);
  amx::size_at_least(a.data, a.stride * rows);
  // Padding rows: zeroed (stale subnormal floats there slow the FMAs: see fp32dense::convert).
  std::memset(a.data.data() + a.stride * n, 0, a.stride * static_cast<size_t>(rows - n));
  a.scale.assign(static_cast<size_t>(rows), 1.f);
  a.zero.assign(static_cast<size_t>(rows), 0);
  for (int s = 0; s < n; ++s) {
    const float* xs = x + static_cast<size_t>(s) * K;
    uint8_t* row = a.data.data() + a.stride * s;
    // Zero codes past the row's groups (zero weights there; AMX reads whole tiles).
    std::memset(row + static_cast<size_t>(groups) * 4, 0, a.stride - static_cast<size_t>(groups) * 4);
    if constexpr (P == Precision::Int8) {
      float lo, hi;
      min_max(xs, static_cast<size_t>(K), &lo, &hi);
      int8_params(lo, hi, &a.scale[s], &a.zero[s]);
      const __m512 inv = _mm512_set1_ps(1.f / a.scale[s]);
      const __m512i zp = _mm512_set1_epi32(a.zero[s]);
      for (int i = 0; i < Kp; i += 16) {  // past K: x = 0 → code zp (its weights are zero)
        const __m512 v = _mm512_maskz_loadu_ps(tail_mask(K - i), xs + i);
        _mm_mask_storeu_epi8(row + i, tail_mask(Kp - i), _mm512_cvtepi32_epi8(quantize16(v, inv, zp)));
      }
    } else {
      for (int i = 0; i < Kp; i += 16) {
        const __m512 v = _mm512_maskz_loadu_ps(tail_mask(K - i), xs + i);
        _mm256_mask_storeu_epi16(row + 2 * i, tail_mask(Kp - i), (__m256i)_mm512_cvtneps_pbh(v));
      }
    }
  }
}

// ---------------------------------------------------------------- convolution

template <class D>
GENER_LOWP_TARGET void conv_forward(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act, float* y) {
  const int wo = w - lw.kw + 1, kw = lw.kw, G = std::is_same_v<D, Int8Dot> ? 4 : 2;
  const int cg_n = (lw.c_in + G - 1) / G, pc = (lw.out + kNB - 1) / kNB * kNB;
  for (int s = 0; s < n; ++s) {
    const uint8_t* row = a.data.data() + a.stride * s;
    float* ys = y + static_cast<size_t>(s) * lw.out * wo;  // (C_out, W_out)
    for (int o0 = 0; o0 < lw.out; o0 += kNB)
      for (int j = 0; j < wo; j += 16 * kJB) {
        typename D::Acc acc[kNB][kJB];
#pragma GCC unroll 8
        for (int o = 0; o < kNB; ++o)
#pragma GCC unroll 3
          for (int v = 0; v < kJB; ++v) acc[o][v] = D::zero();
        for (int g = 0; g < cg_n; ++g)
          for (int k = 0; k < kw; ++k) {
            const uint8_t* xp = row + (static_cast<size_t>(g) * a.wpad + j + k) * 4;
            __m512i xv[kJB];
#pragma GCC unroll 3
            for (int v = 0; v < kJB; ++v) xv[v] = _mm512_loadu_si512(xp + 64 * v);
            const uint32_t* wt = lw.w.data() + static_cast<size_t>(g * kw + k) * pc + o0;
#pragma GCC unroll 8
            for (int o = 0; o < kNB; ++o) {
              const __m512i wb = _mm512_set1_epi32(static_cast<int>(wt[o]));
#pragma GCC unroll 3
              for (int v = 0; v < kJB; ++v) acc[o][v] = D::dot(acc[o][v], xv[v], wb);
            }
          }
#pragma GCC unroll 8
        for (int o = 0; o < kNB; ++o) {
          const int co = o0 + o;
          if (co >= lw.out) break;
          const __m512i wsum = _mm512_set1_epi32(lw.w_sum.empty() ? 0 : lw.w_sum[co]);
          const __m512 wscale = _mm512_set1_ps(lw.w_scale.empty() ? 1.f : lw.w_scale[co]);
#pragma GCC unroll 3
          for (int v = 0; v < kJB; ++v) {
            const __m512 e = epilogue(to_float<D>(acc[o][v], a.zero[s], a.scale[s], wsum, wscale),
                                      _mm512_set1_ps(lw.bias[co]), act);
            _mm512_mask_storeu_ps(ys + static_cast<size_t>(co) * wo + j + 16 * v, tail_mask(wo - j - 16 * v), e);
          }
        }
      }
  }
}

// ---------------------------------------------------------------- dense

template <class D, int R, int V>
GENER_LOWP_TARGET void dense_block(const LowpWeights& lw, const LowpActs& a, int b0, int o0, int n, Activation act,
                                   float* y) {
  // Rows b0 .. b0 + R: in place (fp32, full blocks) or in the converted rows.
  const uint8_t* x0 = a.in_place && b0 < a.in_place_end
                          ? reinterpret_cast<const uint8_t*>(a.in_place) + a.stride * b0
                          : a.data.data() + a.stride * (b0 - (a.in_place ? a.in_place_end : 0));
  const int G = std::is_same_v<D, Int8Dot> ? 4 : std::is_same_v<D, Bf16Dot> ? 2 : 1, groups = (lw.k + G - 1) / G;
  const int po = (lw.out + 15) / 16 * 16;
  typename D::Acc acc[R][V];
#pragma GCC unroll 24
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = D::zero();
  // The last block of a width that is no multiple of V vectors reaches past the packed width po: those vectors load
  // nothing (mask 0, offset kept inside the group) and their accumulators stay zero, unstored.
  __mmask16 wmask[V];
  int woff[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const bool inside = o0 + 16 * v < po;
    wmask[v] = inside ? static_cast<__mmask16>(0xffffu) : static_cast<__mmask16>(0);
    woff[v] = inside ? o0 + 16 * v : 0;
  }
  for (int g = 0; g < groups; ++g) {
    __m512i wv[V];
    const uint32_t* wg = lw.w.data() + static_cast<size_t>(g) * po;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = _mm512_maskz_loadu_epi32(wmask[v], wg + woff[v]);
#pragma GCC unroll 24
    for (int r = 0; r < R; ++r) {
      int32_t word;
      std::memcpy(&word, x0 + a.stride * r + 4 * g, 4);
      const __m512i xb = _mm512_set1_epi32(word);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = D::dot(acc[r][v], xb, wv[v]);
    }
  }
#pragma GCC unroll 24
  for (int r = 0; r < R; ++r) {
    const int b = b0 + r;
    if (b >= n) break;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const int o = o0 + 16 * v;
      if (o >= lw.out) break;
      const __m512i wsum = lw.w_sum.empty() ? _mm512_setzero_si512() : _mm512_loadu_si512(lw.w_sum.data() + o);
      const __m512 wscale = lw.w_scale.empty() ? _mm512_set1_ps(1.f) : _mm512_loadu_ps(lw.w_scale.data() + o);
      constexpr bool q8 = std::is_same_v<D, Int8Dot>;  // only int8 rows carry a scale and zero point
      const __m512 e = epilogue(to_float<D>(acc[r][v], q8 ? a.zero[b] : 0, q8 ? a.scale[b] : 1.f, wsum, wscale),
                                _mm512_loadu_ps(lw.bias.data() + o), act);
      _mm512_mask_storeu_ps(y + static_cast<size_t>(b) * lw.out + o, tail_mask(lw.out - o), e);
    }
  }
}

template <class D>
void dense_forward(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y) {
  const int vecs = (lw.out + 15) / 16;
  if (vecs >= 4) {  // 6 rows x 4 vectors
    for (int b0 = 0; b0 < n; b0 += 6)
      for (int o0 = 0; o0 < vecs * 16; o0 += 64) dense_block<D, 6, 4>(lw, a, b0, o0, n, act, y);
  } else if (vecs >= 2) {  // 12 rows x 2 vectors
    for (int b0 = 0; b0 < n; b0 += 12)
      for (int o0 = 0; o0 < vecs * 16; o0 += 32) dense_block<D, 12, 2>(lw, a, b0, o0, n, act, y);
  } else {
    for (int b0 = 0; b0 < n; b0 += 24) dense_block<D, 24, 1>(lw, a, b0, 0, n, act, y);
  }
}

}  // namespace

size_t conv1row_lowp_bytes(const LowpWeights& lw, int n, int w) {
  if (lw.amx) return amx::conv_stride_bytes(lw, w) * static_cast<size_t>(n);
  const int G = lowp_group(lw.prec);
  return static_cast<size_t>((lw.c_in + G - 1) / G) * conv_wpad(w) * 4 * static_cast<size_t>(n);
}

size_t dense_lowp_bytes(const LowpWeights& lw, int n) {
  return lw.prec == Precision::Fp32 ? fp32dense::bytes(lw)
                                    : amx::dense_stride_bytes(lw) * static_cast<size_t>(dense_rows(lw, n));
}

void conv1row_lowp_convert(const LowpWeights& lw, int n, int w, const float* x, LowpActs& a) {
  GENER_CHECK(precision_supported(lw.prec), "conv1row_lowp_convert: " << precision_name(lw.prec) << " unsupported here");
  if (lw.amx) amx::conv_convert(lw, n, w, x, a);
  else if (lw.prec == Precision::Int8) conv_convert<Precision::Int8>(lw, n, w, x, a);
  else conv_convert<Precision::Bf16>(lw, n, w, x, a);
}

void conv1row_lowp_forward(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act, float* y) {
  if (lw.amx) amx::conv_forward(lw, n, w, a, act, y);
  else if (lw.prec == Precision::Int8) conv_forward<Int8Dot>(lw, n, w, a, act, y);
  else conv_forward<Bf16Dot>(lw, n, w, a, act, y);
}

void conv1row_lowp_forward_into(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act,
                                const LowpWeights& next, LowpActs& out) {
  GENER_CHECK(lw.amx && next.amx, "conv1row_lowp_forward_into: both layers must run on AMX tiles");
  amx::conv_forward_into(lw, n, w, a, act, next, out);
}

void conv_full_height_forward_into(const LowpWeights& lw, int n, int w, const float* x, Activation act,
                                   const LowpWeights& next, LowpActs& out) {
  GENER_CHECK(lw.amx && lw.kh >= 1 && next.amx && next.c_in == lw.out,
              "conv_full_height_forward_into: needs AMX and a 1-row convolution over its " << lw.out << " channels");
  amx::conv_full_height_into(lw, n, w, x, act, next, out);
}

std::vector<float> dense_weights_position_major(const float* w, int out, int channels, int width) {
  std::vector<float> r(static_cast<size_t>(out) * channels * width);
  for (int o = 0; o < out; ++o)
    for (int c = 0; c < channels; ++c)
      for (int p = 0; p < width; ++p)
        r[(static_cast<size_t>(o) * width + p) * channels + c] = w[(static_cast<size_t>(o) * channels + c) * width + p];
  return r;
}

void dense_lowp_convert(const LowpWeights& lw, int n, const float* x, LowpActs& a) {
  GENER_CHECK(lw.prec == Precision::Fp32 ? fp32_dense_fast_available() : precision_supported(lw.prec),
              "dense_lowp_convert: " << precision_name(lw.prec) << " kernels unsupported here");
  switch (lw.prec) {
    case Precision::Int8: dense_convert<Precision::Int8>(lw, n, x, a); break;
    case Precision::Bf16: dense_convert<Precision::Bf16>(lw, n, x, a); break;
    case Precision::Fp32: fp32dense::convert(lw, n, x, a); break;
  }
}

void dense_lowp_forward(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y) {
  if (lw.amx) {
    amx::dense_forward(lw, n, a, act, y);
    return;
  }
  switch (lw.prec) {
    case Precision::Int8: dense_forward<Int8Dot>(lw, n, a, act, y); break;
    case Precision::Bf16: dense_forward<Bf16Dot>(lw, n, a, act, y); break;
    case Precision::Fp32: {
      const Fp32Simd isa = fp32_simd();
      GENER_CHECK(isa != Fp32Simd::None, "dense_lowp_forward: fp32 kernels need AVX2 + FMA or AVX-512F here");
      if (isa == Fp32Simd::Avx512) dense_forward<Fp32Dot>(lw, n, a, act, y);
      else fp32dense::forward_avx2(lw, n, a, act, y);
      break;
    }
  }
}

}  // namespace gener::kernels
