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

// How idle OpenMP threads wait (OMP_WAIT_POLICY, read by libgomp only when it loads: the program re-executes itself
// with it). A training step forks ~60 short OpenMP teams; with libgomp's default (spin, then sleep) a thread that
// spins while its partner is descheduled burns the core the partner needs, and on a machine shared with other work
// the step rate swings by 2-10x. Sleeping at once ("PASSIVE") keeps it steady. Returns the policy to start with, or ""
// when the user chose one (OMP_WAIT_POLICY or GOMP_SPINCOUNT set) or it is in effect already.
const char* omp_wait_policy_override();
}  // namespace gener::kernels
