// cpu_util.h — small helpers shared by the CPU kernels: the SIMD-clone attribute and a double-precision sum.
#pragma once

// Hot loops get AVX-512/AVX2 clones picked at load time; the build itself targets baseline x86-64.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define GENER_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GENER_CPU_CLONES
#endif

namespace gener::kernels {
// Sum of one contiguous run in double; eight accumulators so the loop is not bound by add latency.
double sum_f64(const float* x, int n);
}  // namespace gener::kernels
