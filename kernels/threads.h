// threads.h — the CPU backend's thread count (OpenMP loops and OpenBLAS sgemm together).
#pragma once

namespace gener::kernels {
// n <= 0: all hardware threads. Returns the count in effect.
int set_cpu_threads(int n);

// OpenBLAS picks its kernels once, when it loads, from the CPU model; a model newer than the library (Debian 12's
// 0.3.21 on Emerald Rapids) falls back to its SSE3 "Prescott" kernels on an AVX-512 machine. Returns the core type
// that OpenBLAS should be started with instead (OPENBLAS_CORETYPE, read only at load: the program re-executes itself
// with it), or "" when its choice stands or the user set OPENBLAS_CORETYPE.
const char* blas_coretype_override();
}  // namespace gener::kernels
