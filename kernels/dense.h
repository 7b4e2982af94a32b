// dense.h — fully connected layer y = x · Wᵀ + b (PyTorch Linear layout); CPU via OpenBLAS sgemm.
#pragma once
#include "stream.h"

namespace gener::kernels {

// x: (B, in), w: (out, in), b: (out) or null, y: (B, out).
void dense_forward_cpu(int B, int in, int out, const float* x, const float* w, const float* b, float* y);
// dw (out, in) and db (out) are overwritten; dx (B, in) may be null.
void dense_backward_cpu(int B, int in, int out, const float* x, const float* w, const float* dy, float* dx,
                        float* dw, float* db);

}  // namespace gener::kernels
