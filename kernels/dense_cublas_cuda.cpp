// dense_cublas_cuda.cpp — dense layer forward/backward via cublasSgemm on row-major data.
// Row-major (R, C) memory is column-major (C, R), i.e. the transpose, so each row-major product is issued
// as the column-major product of the transposes with the operands swapped.
#include <cublas_v2.h>

#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/dense_cublas.h"

namespace gener::kernels {

void dense_forward_cuda(GpuContext& ctx, int B, int in, int out, const float* x, const float* w, const float* b,
                        float* y) {
  GENER_CHECK(B >= 0 && in > 0 && out > 0, "dense_forward_cuda: bad sizes B=" << B << " in=" << in << " out="
                                                                                << out);
  if (B == 0) return;
  float beta = 0.0f;
  if (b != nullptr) {
    bias_broadcast_rows_cuda(B, out, b, y, ctx.stream());  // y = b, then y += x · Wᵀ
    beta = 1.0f;
  }
  const float alpha = 1.0f;
  // yᵀ (out, B) = W (out, in) · xᵀ (in, B): W's memory is column-major Wᵀ (in, out) → op T.
  CUBLAS_CHECK(cublasSgemm(ctx.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, out, B, in, &alpha, w, in, x, in, &beta, y,
                           out));
}

void dense_backward_cuda(GpuContext& ctx, int B, int in, int out, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db) {
  GENER_CHECK(B >= 0 && in > 0 && out > 0, "dense_backward_cuda: bad sizes B=" << B << " in=" << in << " out="
                                                                                 << out);
  const float alpha = 1.0f, zero = 0.0f;
  if (B == 0) {  // an empty batch has zero gradients
    if (dw != nullptr) CUDA_CHECK(cudaMemsetAsync(dw, 0, sizeof(float) * static_cast<size_t>(in) * out, ctx.stream()));
    if (db != nullptr) CUDA_CHECK(cudaMemsetAsync(db, 0, sizeof(float) * static_cast<size_t>(out), ctx.stream()));
    return;
  }
  if (dw != nullptr) {
    // dwᵀ (in, out) = xᵀ (in, B) · dy (B, out): dy's memory is column-major dyᵀ (out, B) → op T.
    CUBLAS_CHECK(cublasSgemm(ctx.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, in, out, B, &alpha, x, in, dy, out, &zero, dw,
                             in));
  }
  if (db != nullptr) bias_grad_rows_cuda(B, out, dy, db, ctx.stream());
  if (dx != nullptr) {
    // dxᵀ (in, B) = Wᵀ (in, out) · dyᵀ (out, B): both are the operands' own memory → op N, N.
    CUBLAS_CHECK(cublasSgemm(ctx.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, in, B, out, &alpha, w, in, dy, out, &zero, dx,
                             in));
  }
}

}  // namespace gener::kernels
