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
// dw += dyᵀ · x over B rows, for a batch whose rows come in parts: on AVX-512 each element's FMA chain continues
// from dw's value, so the parts in row order give dense_backward_fast_cpu's dw bit for bit (dw zeroed first); the
// reference's sgemm (adding to dw, within rounding) elsewhere.
void dense_dw_accumulate_fast_cpu(int B, int in, int out, const float* x, const float* dy, float* dw);

}  // namespace gener::kernels
