// dense_cpu.cpp — CPU fully connected layer y = x · Wᵀ + b and its backward, via OpenBLAS sgemm.
#include <cblas.h>

#include <cstring>

#include "kernels/dense.h"

namespace gener::kernels {

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
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in, 1.0f, x, in, w, in, beta, y, out);
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
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B, 1.0f, dy, out, x, in, 0.0f, dw, in);
    }
  }
  if (dx && B > 0 && in > 0) {
    if (out <= 0) {
      std::memset(dx, 0, static_cast<size_t>(B) * in * sizeof(float));
    } else {  // dx (B, in) = dy (B, out) · w (out, in)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
    }
  }
}

}  // namespace gener::kernels
