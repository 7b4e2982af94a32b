// dense_fp32.h — internal to the kernels: the fp32 dense rows of lowp.h (dense_lowp_* with Precision::Fp32) outside
// the AVX-512 file: the activation hand-over (no vector instructions, so it runs on every CPU) and the AVX2 + FMA
// kernel. The AVX-512 kernel is in lowp_kernels_cpu.cpp; both read the same packed weights.
#pragma once
#include "kernels/lowp.h"

namespace gener::kernels::fp32dense {

// Activation rows are handed to the kernels in blocks of kRowPad: whole blocks in place, the last partial one copied
// and zero-padded. Every row block of both kernels divides it.
constexpr int kRowPad = 24;

size_t bytes(const LowpWeights& lw);                                  // LowpActs::data for one padded block
void convert(const LowpWeights& lw, int n, const float* x, LowpActs& a);  // x (n, k) fp32
// y (n, out) = act(x · Wᵀ + b) with AVX2 + FMA: each output one FMA chain over k, from zero, then + b.
void forward_avx2(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y);

}  // namespace gener::kernels::fp32dense
