// dense_cublas.h — fully connected layer on the GPU: y = x · Wᵀ + b with cuBLAS (layout of dense.h).
#pragma once
#include "kernels/gpu_context.h"
#include "kernels/stream.h"

namespace gener::kernels {

// x: (B, in), w: (out, in) row-major, b: (out) or null, y: (B, out). Runs on ctx.stream() with ctx's math mode.
void dense_forward_cuda(GpuContext& ctx, int B, int in, int out, const float* x, const float* w, const float* b,
                        float* y);
// dw (out, in) and db (out) are overwritten (not accumulated); dx (B, in), dw and db may be null.
void dense_backward_cuda(GpuContext& ctx, int B, int in, int out, const float* x, const float* w, const float* dy,
                         float* dx, float* dw, float* db);

// Helpers in dense_bias.cu. y (B, out) = b broadcast over rows.
void bias_broadcast_rows_cuda(int B, int out, const float* b, float* y, Stream stream);
// db (out) = Σ_rows dy (B, out); overwritten; deterministic (fixed summation order).
void bias_grad_rows_cuda(int B, int out, const float* dy, float* db, Stream stream);

}  // namespace gener::kernels
