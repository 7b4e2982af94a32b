// test_apps_launch.h — helpers for the app tests that start gener under an MPI launcher or from an installed copy
// (defined in test_apps_launch.cpp): any command line with captured output and wall time.
#pragma once
#include <string>

namespace gener::apptest {

struct Outcome {
  int status = 0;  // exit status, or -signal
  double seconds = 0;
  std::string out, err;
};
// Runs `command` through the shell in `cwd`; stdout and stderr go to cwd/log/.
Outcome run_command(const std::string& command, const std::string& cwd);
// "mpiexec -n N ... " (root-safe, oversubscribing, unbound) for the build's MPI; "" when the build has none.
std::string mpirun(int ranks);
// gener (GENER_BINARY) under mpirun(ranks); the command line for run_command.
std::string gener_on_ranks(int ranks, const std::string& args);
// One 2-rank job whose rank 0 runs `gener args0` and rank 1 `gener args1` (MPMD: rank 1 can be given bad input).
std::string gener_two_ranks(const std::string& args0, const std::string& args1);

}  // namespace gener::apptest

#define GENER_SKIP_WITHOUT_MPI()                                                                             \
  do {                                                                                                       \
    if (::gener::apptest::mpirun(2).empty()) GTEST_SKIP() << "built without MPI (GENER_MPI=OFF or no Open MPI)"; \
  } while (0)
