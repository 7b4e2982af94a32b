// threads_cpu.cpp — the CPU thread count: OpenMP threads; OpenBLAS runs single-threaded inside them.
#include "kernels/threads.h"

#include <cblas.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <thread>

namespace gener::kernels {

int set_cpu_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  omp_set_num_threads(n);
  openblas_set_num_threads(1);  // parallelism comes from OpenMP blocks around single-threaded sgemm calls
  return n;
}

const char* blas_coretype_override() {
  if (std::getenv("OPENBLAS_CORETYPE")) return "";
  const char* core = openblas_get_corename();
  const bool generic = core && (!std::strcmp(core, "Prescott") || !std::strcmp(core, "Core2") ||
                                !std::strcmp(core, "Nehalem") || !std::strcmp(core, "Sandybridge"));
#if defined(__x86_64__) && defined(__GNUC__)
  if (generic && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (generic && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

const char* omp_wait_policy_override() {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return "";
  return "PASSIVE";
}

}  // namespace gener::kernels
