// cpu_util.h — small helpers shared by the CPU kernels: the SIMD-clone attribute, chunked parallel loops, a
// double-precision sum and the AVX2 tail mask.
#pragma once

// Hot loops get AVX-512/AVX2 clones picked at load time; the build itself targets baseline x86-64.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__)
#define GENER_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GENER_CPU_CLONES
#endif

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace gener::kernels {

#if defined(__x86_64__)
// AVX2: a mask of the first `lanes` (0..8) of 8 floats, for vmaskmov loads and stores.
__attribute__((target("avx2"))) inline __m256i avx2_lanes_mask(int lanes) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#endif

constexpr long long kParallelMin = 1 << 15;  // below this an OpenMP team costs more than it saves
constexpr long long kChunk = 1 << 14;        // element-wise work unit; a power of two, so it never straddles 2^32

// Calls fn(begin, end) over [0, n) in kChunk pieces, in parallel when n is large.
template <class Fn>
void for_each_chunk(long long n, Fn fn) {
  const long long chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (long long c = 0; c < chunks; ++c) fn(c * kChunk, std::min(n, (c + 1) * kChunk));
}

// Sum of one contiguous run in double; eight accumulators so the loop is not bound by add latency.
double sum_f64(const float* x, int n);
}  // namespace gener::kernels
