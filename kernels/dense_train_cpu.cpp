// dense_train_cpu.cpp — the fully connected layer's forward and backward on AVX-512 (dense_forward_fast_cpu,
// dense_backward_fast_cpu), for the network's dense layers, where OpenBLAS may run narrower kernels than the CPU has (its core type is
// picked at load from a table, or pinned by OPENBLAS_CORETYPE). Elsewhere: the sgemm reference (dense_cpu.cpp).
// Each output element is one fixed chain of FMAs whatever the block it falls in, so results do not depend on the
// thread count or the batch's split.
// GCC 12 flags its own avx512fintrin.h helpers (their _mm512_undefined_* pass-through operand) as uninitialized:
// known false positives.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <cblas.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "kernels/cpu_features.h"
#include "kernels/dense.h"

namespace gener::kernels {
namespace {

#define GENER_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

GENER_AVX512 inline __mmask16 lanes(int rem) {  // the first rem lanes (none for rem <= 0)
  if (rem <= 0) return 0;
  return rem >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << rem) - 1u);
}

// The 16 lanes' sum in a fixed tree: halves, then quarters, pairs, the last two.
GENER_AVX512 inline float reduce16(__m512 v) {
  const __m512 s = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0x4e));  // lanes 0-7: low half + high half
  const __m256 h = _mm512_castps512_ps256(s);
  const __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));
  return _mm_cvtss_f32(_mm_add_ss(p, _mm_movehdup_ps(p)));
}

// y[r][o] = sum_k x[r][k] * w[o][k] for R rows x O outputs: 16 partial sums per pair along k, added lane by lane
// in a fixed tree at the end.
template <int R, int O>
GENER_AVX512 void dot_block(int K, const float* x, int ldx, const float* w, int ldw, float* y, int ldy) {
  __m512 acc[R][O];
  _Pragma("GCC unroll 4")
  for (int i = 0; i < R; ++i)
    _Pragma("GCC unroll 4")
    for (int j = 0; j < O; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int k = 0; k < K; k += 16) {
    const __mmask16 m = lanes(K - k);
    __m512 wv[O];
    _Pragma("GCC unroll 4")
    for (int j = 0; j < O; ++j) wv[j] = _mm512_maskz_loadu_ps(m, w + static_cast<size_t>(j) * ldw + k);
    _Pragma("GCC unroll 4")
    for (int i = 0; i < R; ++i) {
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + static_cast<size_t>(i) * ldx + k);
      _Pragma("GCC unroll 4")
      for (int j = 0; j < O; ++j) acc[i][j] = _mm512_fmadd_ps(xv, wv[j], acc[i][j]);
    }
  }
  _Pragma("GCC unroll 4")
  for (int i = 0; i < R; ++i)
    _Pragma("GCC unroll 4")
    for (int j = 0; j < O; ++j) y[static_cast<size_t>(i) * ldy + j] = reduce16(acc[i][j]);
}

template <int R>
GENER_AVX512 void dot_rows(int K, int out, const float* x, int ldx, const float* w, float* y) {
  int o = 0;
  for (; o + 4 <= out; o += 4) dot_block<R, 4>(K, x, ldx, w + static_cast<size_t>(o) * K, K, y + o, out);
  for (; o < out; ++o) dot_block<R, 1>(K, x, ldx, w + static_cast<size_t>(o) * K, K, y + o, out);
}

// c[i][j] = sum_k a(i, k) * b[k][j], a(i, k) = a[i * sa_i + k * sa_k], for R rows and the 48 (or fewer: n) columns
// at c, b: 3 vectors of accumulators per row, the FMA chain over k in order. Acc: the chain starts from c's values
// instead of zero, so running K = K1 + K2 as two calls gives one call's bits.
template <int R, bool Acc = false>
GENER_AVX512 void outer_block(int K, int n, const float* a, long sa_i, long sa_k, const float* b, long ldb, float* c,
                              long ldc) {
  const __mmask16 m0 = lanes(n), m1 = lanes(n - 16), m2 = lanes(n - 32);
  __m512 acc[R][3];
  _Pragma("GCC unroll 4")
  for (int i = 0; i < R; ++i) {
    if (Acc) {
      const float* ci = c + i * ldc;
      acc[i][0] = _mm512_maskz_loadu_ps(m0, ci);
      acc[i][1] = _mm512_maskz_loadu_ps(m1, ci + 16);
      acc[i][2] = _mm512_maskz_loadu_ps(m2, ci + 32);
    } else {
      acc[i][0] = acc[i][1] = acc[i][2] = _mm512_setzero_ps();
    }
  }
  for (int k = 0; k < K; ++k) {
    const float* bk = b + k * ldb;
    const __m512 b0 = _mm512_maskz_loadu_ps(m0, bk), b1 = _mm512_maskz_loadu_ps(m1, bk + 16),
                 b2 = _mm512_maskz_loadu_ps(m2, bk + 32);
    _Pragma("GCC unroll 4")
    for (int i = 0; i < R; ++i) {
      const __m512 av = _mm512_set1_ps(a[i * sa_i + k * sa_k]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(av, b2, acc[i][2]);
    }
  }
  _Pragma("GCC unroll 4")
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
    _mm512_mask_storeu_ps(ci, m0, acc[i][0]);
    _mm512_mask_storeu_ps(ci + 16, m1, acc[i][1]);
    _mm512_mask_storeu_ps(ci + 32, m2, acc[i][2]);
  }
}

constexpr int kOuterRows = 4, kOuterCols = 48;

// c (M, N) = a (M, K) · b (K, N) (Acc: c += ...), a by strides (sa_i, sa_k), b and c row-major (ldb, ldc); blocks
// of 4 rows x 48 columns shared out over the OpenMP team (one thread inside another parallel region).
template <bool Acc = false>
GENER_AVX512 void outer_product(int M, int N, int K, const float* a, long sa_i, long sa_k, const float* b, long ldb,
                                float* c, long ldc) {
  const int row_blocks = (M + kOuterRows - 1) / kOuterRows, col_blocks = (N + kOuterCols - 1) / kOuterCols;
  const long blocks = static_cast<long>(row_blocks) * col_blocks;
#pragma omp parallel for schedule(static) if (blocks >= 8 && static_cast<long>(M) * N * K >= (1L << 20))
  for (long blk = 0; blk < blocks; ++blk) {
    const int i0 = static_cast<int>(blk % row_blocks) * kOuterRows, j0 = static_cast<int>(blk / row_blocks) * kOuterCols;
    const int rows = std::min(kOuterRows, M - i0), n = std::min(kOuterCols, N - j0);
    const float* ai = a + i0 * sa_i;
    const float* bj = b + j0;
    float* cij = c + i0 * ldc + j0;
    switch (rows) {
      case 4: outer_block<4, Acc>(K, n, ai, sa_i, sa_k, bj, ldb, cij, ldc); break;
      case 3: outer_block<3, Acc>(K, n, ai, sa_i, sa_k, bj, ldb, cij, ldc); break;
      case 2: outer_block<2, Acc>(K, n, ai, sa_i, sa_k, bj, ldb, cij, ldc); break;
      default: outer_block<1, Acc>(K, n, ai, sa_i, sa_k, bj, ldb, cij, ldc); break;
    }
  }
}

GENER_AVX512 void forward_512(int B, int in, int out, const float* x, const float* w, const float* b, float* y) {
  const int row_blocks = (B + 3) / 4;
#pragma omp parallel for schedule(static) if (row_blocks >= 4 && static_cast<long>(B) * in * out >= (1L << 20))
  for (int blk = 0; blk < row_blocks; ++blk) {
    const int r0 = blk * 4, rows = std::min(4, B - r0);
    const float* xr = x + static_cast<size_t>(r0) * in;
    float* yr = y + static_cast<size_t>(r0) * out;
    switch (rows) {
      case 4: dot_rows<4>(in, out, xr, in, w, yr); break;
      case 3: dot_rows<3>(in, out, xr, in, w, yr); break;
      case 2: dot_rows<2>(in, out, xr, in, w, yr); break;
      default: dot_rows<1>(in, out, xr, in, w, yr); break;
    }
    if (b)
      for (int r = 0; r < rows; ++r)
        for (int o = 0; o < out; ++o) yr[static_cast<size_t>(r) * out + o] += b[o];
  }
}

bool use_512(int B, int in, int out) { return B > 0 && in > 0 && out > 0 && fp32_simd() == Fp32Simd::Avx512; }

}  // namespace

void dense_forward_fast_cpu(int B, int in, int out, const float* x, const float* w, const float* b, float* y) {
  if (!use_512(B, in, out)) return dense_forward_cpu(B, in, out, x, w, b, y);
  forward_512(B, in, out, x, w, b, y);
}

void dense_backward_fast_cpu(int B, int in, int out, const float* x, const float* w, const float* dy, float* dx,
                             float* dw, float* db) {
  if (!use_512(B, in, out)) return dense_backward_cpu(B, in, out, x, w, dy, dx, dw, db);
  if (db) dense_backward_cpu(B, in, out, x, w, dy, nullptr, nullptr, db);  // the reference's column sums of dy
  // dw (out, in) = dyᵀ (out, B) · x (B, in): a(o, r) = dy[r * out + o]
  if (dw) outer_product(out, in, B, dy, 1, out, x, in, dw, in);
  // dx (B, in) = dy (B, out) · w (out, in)
  if (dx) outer_product(B, in, out, dy, out, 1, w, in, dx, in);
}

void dense_dw_accumulate_fast_cpu(int B, int in, int out, const float* x, const float* dy, float* dw) {
  if (B <= 0 || in <= 0 || out <= 0) return;
  if (!use_512(B, in, out)) {  // the reference's sgemm, adding to dw
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, dy, out, x, in, 1.0f, dw, in);
    return;
  }
  outer_product<true>(out, in, B, dy, 1, out, x, in, dw, in);
}

}  // namespace gener::kernels
