// process_defaults.cpp — what the gener program sets in its environment before any library reads it: OpenMP
// threads wait passively (they sleep in the kernel between parallel regions instead of spinning), unless the user
// chose a wait policy (OMP_WAIT_POLICY) or a spin count (GOMP_SPINCOUNT) already.
//
// Why: libgomp's default spins ~300,000 iterations at every barrier. On a machine shared with other jobs (or
// several gener processes), the spinning threads take the cores the working threads need, and throughput collapses
// far below a fair share; passive waiting degrades in proportion (README, "Machines shared with other jobs", has
// the measurements). libgomp reads its environment once, in its own constructor, before main() runs; the only
// code that runs earlier is the executable's pre-initialisation array, hence this function's placement there.
#include <cstdlib>

namespace {

void set_process_defaults(int, char**, char**) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && std::getenv("GOMP_SPINCOUNT") == nullptr)
    setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
}

}  // namespace

// Functions in .preinit_array run before the shared libraries' constructors (libgomp's among them).
__attribute__((section(".preinit_array"), used)) static void (*const kSetProcessDefaults)(int, char**, char**) =
    set_process_defaults;
