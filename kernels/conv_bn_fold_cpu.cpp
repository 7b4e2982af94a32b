// conv_bn_fold_cpu.cpp — the folded first-conv weight gradient (conv_bn_fold.h): per-row sums in 16 float lanes
// (AVX-512 in one pass for up to 8 taps, else masked rows then a dot product per tap) reduced to double, and the
// closing combination.
#include "kernels/conv_bn_fold.h"

// GCC 12 flags its own avx512fintrin.h helpers as maybe-uninitialized (a known false positive, as in
// conv2d_direct_cpu.cpp); the warning is silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/check.h"
#include "kernels/cpu_features.h"
#include "kernels/cpu_util.h"

namespace gener::kernels {
namespace {

constexpr int kFoldMaxTaps = 64;  // C_in x KH x KW of a foldable conv

typedef float F16 __attribute__((vector_size(64)));
// The helpers that pass these by value are inlined into the clones, so no vector crosses a call boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

inline F16 load16(const float* p) {
  F16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline double sum16(const F16& a) {
  double s = 0;
  for (int j = 0; j < 16; ++j) s += a[j];
  return s;
}

// Sums over n elements of u * v, in 16 float lanes then double.
inline double dot(const float* u, const float* v, int n) {
  F16 a = {};
  int k = 0;
  for (; k + 16 <= n; k += 16) a += load16(u + k) * load16(v + k);
  double s = sum16(a);
  for (; k < n; ++k) s += static_cast<double>(u[k]) * v[k];
  return s;
}

inline double total(const float* u, int n) {
  F16 a = {};
  int k = 0;
  for (; k + 16 <= n; k += 16) a += load16(u + k);
  double s = sum16(a);
  for (; k < n; ++k) s += u[k];
  return s;
}

#define GENER_FOLD_INLINE inline __attribute__((always_inline))

// Sum of 16 float lanes in double.
__attribute__((target("avx512f"))) GENER_FOLD_INLINE double sum_512(__m512 v) {
  return _mm512_reduce_add_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(v))) +
         _mm512_reduce_add_pd(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))));
}

// One output channel of one sample on AVX-512, T <= 8 taps in one pass: per 16 positions (the last masked),
// mg = act'(y) g, mk = act'(y) and ma = act(y), each against every tap's input and alone, in registers.
template <int T>
__attribute__((target("avx512f"))) void fold_fused_512(bool relu, const float* const* xt, int wo, const float* y,
                                                       const float* g, double* out) {
  __m512 a[T + 1], b[T + 1], c[T + 1];
  _Pragma("GCC unroll 9") for (int t = 0; t <= T; ++t) a[t] = b[t] = c[t] = _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
  for (int k = 0; k < wo; k += 16) {
    const __mmask16 lm = wo - k >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (wo - k)) - 1u);
    const __m512 yv = _mm512_maskz_loadu_ps(lm, y + k), gv = _mm512_maskz_loadu_ps(lm, g + k);
    const __mmask16 on = relu ? _mm512_mask_cmp_ps_mask(lm, yv, zero, _CMP_GT_OQ) : lm;
    const __m512 mg = _mm512_maskz_mov_ps(on, gv), mk = _mm512_maskz_mov_ps(on, one), ma = _mm512_maskz_mov_ps(on, yv);
    _Pragma("GCC unroll 8") for (int t = 0; t < T; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(lm, xt[t] + k);
      a[t] = _mm512_fmadd_ps(mg, xv, a[t]);
      b[t] = _mm512_fmadd_ps(mk, xv, b[t]);
      c[t] = _mm512_fmadd_ps(ma, xv, c[t]);
    }
    a[T] = _mm512_add_ps(a[T], mg);
    b[T] = _mm512_add_ps(b[T], mk);
    c[T] = _mm512_add_ps(c[T], ma);
  }
  const int stride = T + 1;
  _Pragma("GCC unroll 9") for (int t = 0; t <= T; ++t) {
    out[t] += sum_512(a[t]);
    out[stride + t] += sum_512(b[t]);
    out[2 * stride + t] += sum_512(c[t]);
  }
}

// Any number of taps: the masked rows first (mg, mk, ma in scratch), then one dot product per tap and sum.
GENER_FOLD_INLINE void fold_taps(bool relu, const float* const* xt, int taps, int wo, const float* y, const float* g,
                                 float* mg, float* mk, float* ma, double* out) {
  for (int k = 0; k < wo; ++k) {
    const bool on = !relu || y[k] > 0.0f;
    mg[k] = on ? g[k] : 0.0f;
    mk[k] = on ? 1.0f : 0.0f;
    ma[k] = on ? y[k] : 0.0f;
  }
  const int stride = taps + 1;
  for (int t = 0; t < taps; ++t) {
    out[t] += dot(mg, xt[t], wo);
    out[stride + t] += dot(mk, xt[t], wo);
    out[2 * stride + t] += dot(ma, xt[t], wo);
  }
  out[taps] += total(mg, wo);
  out[stride + taps] += total(mk, wo);
  out[2 * stride + taps] += total(ma, wo);
}

// The portable path, and AVX-512's for more than 8 taps.
GENER_CPU_CLONES void fold_channel(bool relu, const float* const* xt, int taps, int wo, const float* y,
                                   const float* g, float* scratch, double* out) {
  fold_taps(relu, xt, taps, wo, y, g, scratch, scratch + wo, scratch + 2 * wo, out);
}

__attribute__((target("avx512f"))) void fold_channel_512(bool relu, const float* const* xt, int taps, int wo,
                                                         const float* y, const float* g, float* scratch,
                                                         double* out) {
  switch (taps) {
    case 1: fold_fused_512<1>(relu, xt, wo, y, g, out); break;
    case 2: fold_fused_512<2>(relu, xt, wo, y, g, out); break;
    case 3: fold_fused_512<3>(relu, xt, wo, y, g, out); break;
    case 4: fold_fused_512<4>(relu, xt, wo, y, g, out); break;
    case 6: fold_fused_512<6>(relu, xt, wo, y, g, out); break;
    case 8: fold_fused_512<8>(relu, xt, wo, y, g, out); break;
    default: fold_channel(relu, xt, taps, wo, y, g, scratch, out); break;
  }
}

}  // namespace

bool conv_bn_fold_available(const Conv2dShape& s, Activation act) {
  return s.h_out() == 1 && s.w_out() > 0 && s.c_out > 0 && s.c_in > 0 && s.c_in * s.kh * s.kw <= kFoldMaxTaps &&
         (act == Activation::Relu || act == Activation::None);
}

size_t conv_bn_fold_sums_doubles(const Conv2dShape& s) {
  return static_cast<size_t>(s.c_out) * 3 * (static_cast<size_t>(s.c_in) * s.kh * s.kw + 1);
}

size_t conv_bn_fold_scratch_floats(const Conv2dShape& s) { return 3 * static_cast<size_t>(std::max(0, s.w_out())); }

void conv_bn_fold_row_cpu(const Conv2dShape& s, Activation act, const float* x, const float* y, const float* g,
                          float* scratch, double* sums) {
  GENER_CHECK(conv_bn_fold_available(s, act), "conv_bn_fold_row_cpu: shape " << s.c_in << "x" << s.h << "x" << s.w
                                                                              << " kernel " << s.kh << "x" << s.kw
                                                                              << " cannot be folded");
  const int wo = s.w_out(), taps = s.c_in * s.kh * s.kw;
  const size_t per_c = 3 * (static_cast<size_t>(taps) + 1);
  const float* xt[kFoldMaxTaps];  // tap t's input row, shifted to output position 0
  for (int ci = 0, t = 0; ci < s.c_in; ++ci)
    for (int i = 0; i < s.kh; ++i)
      for (int j = 0; j < s.kw; ++j, ++t) xt[t] = x + (static_cast<size_t>(ci) * s.h + i) * s.w + j;
  const bool avx512 = fp32_simd() == Fp32Simd::Avx512;
  auto* const channel = avx512 ? fold_channel_512 : fold_channel;
  for (int c = 0; c < s.c_out; ++c)
    channel(act == Activation::Relu, xt, taps, wo, y + static_cast<size_t>(c) * wo, g + static_cast<size_t>(c) * wo,
            scratch, sums + c * per_c);
}

void conv_bn_fold_finish_cpu(const Conv2dShape& s, const double* sums, const float* gamma, const float* save_mean,
                             const float* save_invstd, const double* sum_g, const double* sum_g_xhat, double m,
                             float* dw, float* db) {
  GENER_CHECK(m > 0, "conv_bn_fold_finish_cpu: empty batch");
  const int taps = s.c_in * s.kh * s.kw, stride = taps + 1;
  for (int c = 0; c < s.c_out; ++c) {
    const double invstd = save_invstd[c], mean = save_mean[c], k = static_cast<double>(gamma[c]) * invstd;
    const double mean_g = sum_g[c] / m, mean_gxhat = sum_g_xhat[c] / m;
    const double* a = sums + static_cast<size_t>(c) * 3 * stride;
    const double *b = a + stride, *cc = b + stride;
    auto term = [&](int t) { return k * (a[t] - mean_g * b[t] - mean_gxhat * invstd * (cc[t] - mean * b[t])); };
    for (int t = 0; t < taps; ++t) dw[static_cast<size_t>(c) * taps + t] = static_cast<float>(term(t));
    if (db) db[c] = static_cast<float>(term(taps));
  }
}

}  // namespace gener::kernels
