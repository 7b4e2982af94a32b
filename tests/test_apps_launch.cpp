// test_apps_launch.cpp — running gener under mpirun (or any command line) from the app tests.
#include "tests/test_apps_launch.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "tests/test_apps_util.h"

namespace gener::apptest {

Outcome run_command(const std::string& command, const std::string& cwd) {
  ::setenv("OMP_WAIT_POLICY", "passive", 0);
  // Open MPI refuses root unless told (CI runs as root); waiting ranks yield the shared cores.
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  ::setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  const std::string log = cwd + "/log";
  std::filesystem::create_directories(log);
  const std::string cmd = "cd '" + cwd + "' && " + command + " > '" + log + "/stdout' 2> '" + log + "/stderr'";
  const auto t0 = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  Outcome r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out = slurp(log + "/stdout");
  r.err = slurp(log + "/stderr");
  r.status = status == -1 ? -1000 : WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
  return r;
}

std::string mpirun(int ranks) {
#if defined(GENER_MPIEXEC)
  return std::string("'" GENER_MPIEXEC "' ") + GENER_MPIEXEC_NP_FLAG + " " + std::to_string(ranks) + " " +
         GENER_MPIEXEC_EXTRA + " ";
#else
  (void)ranks;
  return "";
#endif
}

std::string gener_on_ranks(int ranks, const std::string& args) {
  return mpirun(ranks) + "'" GENER_BINARY "' " + args;
}

std::string gener_two_ranks(const std::string& args0, const std::string& args1) {
#if defined(GENER_MPIEXEC)
  return mpirun(1) + "'" GENER_BINARY "' " + args0 + " : " + GENER_MPIEXEC_NP_FLAG + " 1 '" GENER_BINARY "' " + args1;
#else
  (void)args0;
  (void)args1;
  return "";
#endif
}

}  // namespace gener::apptest
