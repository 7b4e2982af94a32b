// dense.h — fully connected layer y = x · Wᵀ + b (PyTorch Linear layout); CPU via OpenBLAS sgemm, and an AVX-512 fast path.
#pragma once
#include "stream.h"

namespace gener::kernels {

// x: (B, in), w: (out, in), b: (out) or null, y: (B, out).
void dense_forward_cpu(int B, int in, int out, const float* x, const float* w, const float* b, float* y);
// dw (out, in) and db (out) are overwritten; dx (B, in) may be null.
void dense_backward_cpu(int B, int in, int out, const float* x, const float* w, const float* dy, float* dx,
                        float* dw, float* db);

// The same on AVX-512 (dense_train_cpu.cpp; the reference above where the CPU lacks it or GENER_CPU_DISABLE names
// avx512f): y, dw and dx element by element within rounding of the reference (each output one FMA chain, its own
// order); db the reference's own sums.
void dense_forward_fast_cpu(int B, int in, int out, const float* x, const float* w, const float* b, float* y);
void dense_backward_fast_cpu(int B, int in, int out, const float* x, const float* w, const float* dy, float* dx,
                             float* dw, float* db);

}  // namespace gener::kernels
