// fma_peak.cpp — this CPU's measured arithmetic peak: FMA-bound loops on each of N threads, each on the instructions
// this CPU has (asked at run time): AVX2 fp32 vfmadd (12 ymm accumulators), AVX-512 fp32 vfmadd, bf16 vdpbf16ps,
// fp16 vfmadd231ph and int8 vpdpbusd (24 zmm accumulators), so latency never binds; and, where the CPU has AMX-BF16,
// tdpbf16ps on four independent accumulator tiles. Prints GFLOP/s (GOP/s).
//   g++ -O2 -fopenmp bench/fma_peak.cpp -o fma_peak && ./fma_peak [threads]
#include <cpuid.h>
#include <immintrin.h>
#include <omp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr int kAcc = 24;  // zmm0..zmm23 accumulate; zmm30, zmm31 hold the operands
constexpr long long kIters = 20'000'000;

#define GENER_X24(op) \
  op "0\n" op "1\n" op "2\n" op "3\n" op "4\n" op "5\n" op "6\n" op "7\n" op "8\n" op "9\n" op "10\n" op "11\n" \
  op "12\n" op "13\n" op "14\n" op "15\n" op "16\n" op "17\n" op "18\n" op "19\n" op "20\n" op "21\n" op "22\n" op "23\n"
#define GENER_PEAK_LOOP(instr)                                                                                  \
  long long n = kIters;                                                                                        \
  float out = 0.5f;                                                                                            \
  __asm__ volatile("vbroadcastss %[v], %%zmm30\n vbroadcastss %[v], %%zmm31\n" GENER_X24("vmovaps %%zmm30, %%zmm") \
                   "1:\n" GENER_X24(instr " %%zmm30, %%zmm31, %%zmm")                                           \
                   "dec %[n]\n jnz 1b\n vaddps %%zmm1, %%zmm0, %%zmm0\n vmovss %%xmm0, %[v]\n"               \
                   : [n] "+r"(n), [v] "+m"(out)                                                               \
                   :                                                                                          \
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",    \
                     "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",   \
                     "xmm21", "xmm22", "xmm23", "xmm30", "xmm31", "cc");                                      \
  return out

// AVX2: ymm0..ymm11 accumulate, ymm14 and ymm15 hold the operands.
constexpr int kAcc2 = 12;
#define GENER_X12(op) op "0\n" op "1\n" op "2\n" op "3\n" op "4\n" op "5\n" op "6\n" op "7\n" op "8\n" op "9\n" op "10\n" op "11\n"
float avx2_fp32_body() {
  long long n = kIters;
  float out = 0.5f;
  __asm__ volatile("vbroadcastss %[v], %%ymm14\n vbroadcastss %[v], %%ymm15\n" GENER_X12("vmovaps %%ymm14, %%ymm")
                   "1:\n" GENER_X12("vfmadd231ps %%ymm14, %%ymm15, %%ymm")
                   "dec %[n]\n jnz 1b\n vaddps %%ymm1, %%ymm0, %%ymm0\n vmovss %%xmm0, %[v]\n vzeroupper\n"
                   : [n] "+r"(n), [v] "+m"(out)
                   :
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                     "xmm11", "xmm14", "xmm15", "cc");
  return out;
}

// One thread's loop of kAcc independent accumulators (no dependency stalls); returns a value of them.
__attribute__((target("avx512f"))) float fp32_body() { GENER_PEAK_LOOP("vfmadd231ps"); }
__attribute__((target("avx512f"))) float bf16_body() { GENER_PEAK_LOOP("vdpbf16ps"); }
__attribute__((target("avx512f"))) float int8_body() { GENER_PEAK_LOOP("vpdpbusd"); }
__attribute__((target("avx512f"))) float fp16_body() { GENER_PEAK_LOOP("vfmadd231ph"); }

// AMX: tiles 0-3 accumulate 16 x 16 fp32, tile 4 (A) and 5 (B) hold 16 x 32 bf16; one tdpbf16ps is 16·16·32 MACs.
struct alignas(64) TileConfig {
  unsigned char palette = 1, start_row = 0, reserved[14] = {};
  unsigned short colsb[16] = {};
  unsigned char rows[16] = {};
};
constexpr long long kAmxIters = kIters / 2;

__attribute__((target("amx-tile,amx-bf16"))) float amx_body() {
  TileConfig c;
  for (int t = 0; t < 6; ++t) c.colsb[t] = 64, c.rows[t] = 16;
  _tile_loadconfig(&c);
  alignas(64) static const unsigned short ones[16 * 32] = {};
  _tile_loadd(4, ones, 64);
  _tile_loadd(5, ones, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (long long i = 0; i < kAmxIters; ++i) {
    _tile_dpbf16ps(0, 4, 5);
    _tile_dpbf16ps(1, 4, 5);
    _tile_dpbf16ps(2, 4, 5);
    _tile_dpbf16ps(3, 4, 5);
  }
  alignas(64) float out[256];
  _tile_stored(0, out, 64);
  _tile_release();
  return out[0];
}

bool amx_bf16_usable() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !((d >> 22) & 1u) || !((d >> 24) & 1u)) return false;
  return syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XTILEDATA */) == 0;
}

double thread_cpu_s() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// ops_per_instr: fp32 FMA 8 (ymm) or 16 (zmm) lanes x 2; bf16 dot 16 lanes x 2 pairs x 2; int8 dot 16 lanes x 4 products x 2.
// Reports the rate by the wall clock and per CPU-second of the threads (the core's own peak, even when other jobs
// share the machine).
double measure(const char* name, int threads, double ops_per_instr, float (*body)(), long long iters = kAcc * kIters) {
  std::vector<float> sink(static_cast<size_t>(threads));
  std::vector<double> cpu(static_cast<size_t>(threads));
  body();  // warm-up (clock ramp)
  const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
  {
    const double c0 = thread_cpu_s();
    sink[static_cast<size_t>(omp_get_thread_num())] = body();
    cpu[static_cast<size_t>(omp_get_thread_num())] = thread_cpu_s() - c0;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double c = 0;
  for (double v : cpu) c += v;
  const double ops = ops_per_instr * static_cast<double>(iters) * threads;
  std::printf("%-26s %2d thread(s): %8.1f G/s wall, %8.1f G per CPU-second  (%.2f s)\n", name, threads, ops / s * 1e-9,
              ops / c * 1e-9, s);
  return ops / s * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int max_threads = argc > 1 ? std::atoi(argv[1]) : omp_get_max_threads();
  for (int t = 1; t <= max_threads; t *= 2) {
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      measure("fp32 vfmadd231ps ymm", t, 16, avx2_fp32_body, kAcc2 * kIters);
    if (__builtin_cpu_supports("avx512f")) measure("fp32 vfmadd231ps zmm", t, 32, fp32_body);
    if (__builtin_cpu_supports("avx512bf16")) measure("bf16 vdpbf16ps zmm", t, 64, bf16_body);
    if (__builtin_cpu_supports("avx512fp16")) measure("fp16 vfmadd231ph zmm", t, 64, fp16_body);
    if (__builtin_cpu_supports("avx512vnni")) measure("int8 vpdpbusd zmm (GOP/s)", t, 128, int8_body);
    if (amx_bf16_usable()) measure("bf16 tdpbf16ps AMX tiles", t, 2.0 * 16 * 16 * 32, amx_body, 4 * kAmxIters);
    if (t * 2 > max_threads) break;
  }
  return 0;
}
