// read_bandwidth.cpp — how fast this machine's cores read a buffer they keep sweeping, by its size: each of N threads
// sums its own buffer (16 KB to 256 MB) over and over with two chains of 512-bit adds (AVX-512 where the CPU has
// it, else AVX2); GB/s for all threads together. The step where the rate falls is where the buffers stop fitting
// in the caches a core gets on this machine (shared L3 and neighbours included).
//   g++ -O2 -fopenmp bench/read_bandwidth.cpp -o read_bandwidth && ./read_bandwidth [threads]
// GCC 12 flags its own avx512fintrin.h reduce helpers as uninitialized (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>

namespace {

__attribute__((target("avx512f"), noinline)) float sweep_512(const float* a, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 32) {
    s0 = _mm512_add_ps(s0, _mm512_load_ps(a + i));
    s1 = _mm512_add_ps(s1, _mm512_load_ps(a + i + 16));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx2"), noinline)) float sweep_256(const float* a, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += 16) {
    s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
    s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
  }
  float t[8];
  _mm256_storeu_ps(t, _mm256_add_ps(s0, s1));
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  if (threads < 1) {
    std::fprintf(stderr, "read_bandwidth: threads must be >= 1, got %s\n", argv[1]);
    return 2;
  }
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  std::printf("%d threads, %s, each its own buffer\n", threads, avx512 ? "AVX-512" : "AVX2");
  for (size_t kb : {16, 256, 1024, 2048, 4096, 8192, 12288, 16384, 24576, 32768, 65536, 262144}) {
    const size_t n = kb * 1024 / sizeof(float);
    const size_t reps = std::max<size_t>(3, (size_t{2} << 30) / (kb * 1024));  // about 2 GB read per thread
    double gbs = 0;
    float keep = 0;
#pragma omp parallel num_threads(threads) reduction(+ : gbs, keep)
    {
      float* a = static_cast<float*>(std::aligned_alloc(64, n * sizeof(float)));
      for (size_t i = 0; i < n; ++i) a[i] = static_cast<float>(i & 7);
#pragma omp barrier
      const double t0 = omp_get_wtime();
      for (size_t r = 0; r < reps; ++r) {
        asm volatile("" : : "r"(a) : "memory");  // each sweep reads the buffer again
        keep += avx512 ? sweep_512(a, n) : sweep_256(a, n);
      }
      gbs = static_cast<double>(reps) * n * sizeof(float) / (omp_get_wtime() - t0) / 1e9;
      std::free(a);
    }
    std::printf("%8zu KB per thread: %7.1f GB/s%s\n", kb, gbs, keep == -1.0f ? " " : "");
  }
  return 0;
}
