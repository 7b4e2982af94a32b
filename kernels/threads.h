// threads.h — the CPU backend's thread count (OpenMP loops and OpenBLAS sgemm together).
#pragma once

namespace gener::kernels {
// n <= 0: all hardware threads. Returns the count in effect.
int set_cpu_threads(int n);
}  // namespace gener::kernels
