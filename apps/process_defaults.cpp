// process_defaults.cpp — what the gener program sets in its environment before OpenMP starts: threads wait
// passively (they sleep in the kernel between parallel regions instead of spinning), unless the user chose a wait
// policy (OMP_WAIT_POLICY) or a spin count (GOMP_SPINCOUNT) already.
//
// Why: libgomp's default spins ~300,000 iterations at every barrier. On a machine shared with other jobs (or
// several gener processes), the spinning threads take the cores the working threads need, and throughput collapses
// far below a fair share; passive waiting degrades in proportion (README, "Machines shared with other jobs", has
// the measurements). libgomp reads its environment once, in its own constructor, before main() runs, and the C
// library's start-up resets the environment after an executable's pre-initialisation functions; so the one way to
// set it is to run the program again with it set: the process execs itself once, the same pid, the same arguments.
#include <unistd.h>

#include <cstdlib>

#include "apps/commands.h"

namespace gener::app {

void apply_process_defaults(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 0) != 0) return;
  ::execv("/proc/self/exe", argv);  // returns only on failure: then the run goes on with libgomp's default
}

}  // namespace gener::app
