// dense_cpu.cpp — CPU fully connected layer y = x · Wᵀ + b and its backward, via OpenBLAS sgemm.
// Each product is split into row (or column) blocks, one per OpenMP thread, each a single-threaded sgemm.
#include <cblas.h>
#include <omp.h>

#include <algorithm>

#include <cstring>

#include "kernels/dense.h"

namespace gener::kernels {
namespace {

// Run body(begin, end) over [0, n) split into one contiguous block per thread (blocks of `align`).
template <class Body>
void parallel_blocks(int n, int align, Body body) {
  const int threads = std::max(1, std::min(omp_get_max_threads(), (n + align - 1) / align));
  const int per = ((n + threads - 1) / threads + align - 1) / align * align;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    const int begin = t * per, end = std::min(n, begin + per);
    if (begin < end) body(begin, end);
  }
}

}  // namespace

void dense_forward_cpu(int B, int in, int out, const float* x, const float* w, const float* b, float* y) {
  if (B <= 0 || out <= 0) return;
  float beta = 0.0f;
  if (b) {  // start y from the broadcast bias and accumulate the product onto it
    for (int r = 0; r < B; ++r) std::memcpy(y + static_cast<size_t>(r) * out, b, out * sizeof(float));
    beta = 1.0f;
  }
  if (in <= 0) {
    if (!b) std::memset(y, 0, static_cast<size_t>(B) * out * sizeof(float));
    return;
  }
  // y (B, out) = x (B, in) · wᵀ (in, out) + beta · y
  parallel_blocks(B, 8, [&](int r0, int r1) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, out, in, 1.0f, x + static_cast<size_t>(r0) * in,
                in, w, in, beta, y + static_cast<size_t>(r0) * out, out);
  });
}

void dense_backward_cpu(int B, int in, int out, const float* x, const float* w, const float* dy, float* dx,
                        float* dw, float* db) {
  if (db) {  // db (out) = column sums of dy (B, out)
    std::memset(db, 0, static_cast<size_t>(out) * sizeof(float));
    for (int r = 0; r < B; ++r) {
      const float* row = dy + static_cast<size_t>(r) * out;
      for (int o = 0; o < out; ++o) db[o] += row[o];
    }
  }
  if (dw && out > 0 && in > 0) {
    if (B <= 0) {
      std::memset(dw, 0, static_cast<size_t>(out) * in * sizeof(float));
    } else {  // dw (out, in) = dyᵀ (out, B) · x (B, in)
      parallel_blocks(in, 16, [&](int c0, int c1) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, c1 - c0, B, 1.0f, dy, out, x + c0, in, 0.0f,
                    dw + c0, in);
      });
    }
  }
  if (dx && B > 0 && in > 0) {
    if (out <= 0) {
      std::memset(dx, 0, static_cast<size_t>(B) * in * sizeof(float));
    } else {  // dx (B, in) = dy (B, out) · w (out, in)
      parallel_blocks(B, 8, [&](int r0, int r1) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, in, out, 1.0f, dy + static_cast<size_t>(r0) * out,
                    out, w, in, 0.0f, dx + static_cast<size_t>(r0) * in, in);
      });
    }
  }
}

}  // namespace gener::kernels
