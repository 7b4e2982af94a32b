// threads_cpu.cpp — the CPU thread count: OpenMP threads; OpenBLAS runs single-threaded inside them.
#include "kernels/threads.h"

#include <cblas.h>
#include <omp.h>

#include <thread>

namespace gener::kernels {

int set_cpu_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  omp_set_num_threads(n);
  openblas_set_num_threads(1);  // parallelism comes from OpenMP blocks around single-threaded sgemm calls
  return n;
}

}  // namespace gener::kernels
