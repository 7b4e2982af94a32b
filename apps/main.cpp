// main.cpp — the gener program: subcommand dispatch; every error ends as one clear line and exit status 1. In a
// job of several ranks (mpirun, srun), a failing rank prints its error and ends the whole job: no rank hangs.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

#include "apps/commands.h"
#include "engine/parallel/comm.h"
#include "kernels/check.h"
#include "kernels/threads.h"

int main(int argc, char** argv) {
  // Settings the libraries read only when they load; where one is missing, start again with it (once, before MPI
  // starts): OpenBLAS's kernels where it chose SSE3 ones on an AVX-512 CPU it does not know, and OpenMP threads that
  // sleep instead of spinning while they wait (a steady training rate on a shared machine; kernels/threads.h).
  const char* core = gener::kernels::blas_coretype_override();
  const char* wait = gener::kernels::omp_wait_policy_override();
  bool restart = false;
  if (*core) restart |= setenv("OPENBLAS_CORETYPE", core, 1) == 0;
  if (*wait) restart |= setenv("OMP_WAIT_POLICY", wait, 1) == 0;
  if (restart) execv("/proc/self/exe", argv);  // returns only on failure: run on as we are
  std::unique_ptr<gener::parallel::Comm> world;
  try {
    world = gener::parallel::make_world();  // MPI when a launcher started us, else one rank
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gener: error: %s\n", e.what());
    return 1;
  }
  CLI::App app{"gener — train the GENER gene–gene interaction model and score gene pairs at genome scale"};
  app.require_subcommand(1);
  // A usage error is one line too, naming the option and the value: "gener: error: --epochs: must be ...".
  app.failure_message([](const CLI::App* a, const CLI::Error& e) {
    const auto subs = a->get_subcommands();
    return std::string("gener: error: ") + e.what() + " (see gener " + (subs.empty() ? "" : subs[0]->get_name() + " ") +
           "--help)\n";
  });
  app.set_version_flag("--version", "gener 0.1.0 (multi-process: " + gener::parallel::mpi_library() +
                                        (gener::parallel::have_nccl() ? ", NCCL" : "") + ")");
  gener::app::add_demo_command(app);
  gener::app::add_synth_command(app);
  gener::app::add_train_command(app, *world);
  gener::app::add_score_command(app, *world);
  gener::app::add_merge_command(app);
  gener::app::add_eval_command(app);
  gener::app::add_bench_command(app);
  gener::app::add_prepare_command(app);
  gener::app::add_experiment_command(app);
  gener::app::add_baseline_command(app);
  gener::app::require_one_rank_except_train_score(app, *world);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    gener::parallel::fail_job(*world, e.what());  // ends every rank of a multi-rank job
    return 1;
  }
  return 0;
}
