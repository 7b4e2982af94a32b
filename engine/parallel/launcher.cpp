// launcher.cpp — launcher detection from environment variables (Open MPI, PMIx, PMI/PMI2, Slurm).
#include "engine/parallel/launcher.h"

#include <cstdlib>

#include "kernels/check.h"

namespace gener::parallel {
namespace {

long long as_count(const char* v) {
  if (!v || !*v) return -1;
  char* end = nullptr;
  const long long n = std::strtoll(v, &end, 10);
  return end && *end == '\0' && n >= 0 ? n : -1;
}

}  // namespace

Launch detect_launch(const std::function<const char*(const char*)>& getenv) {
  Launch l;
  // Open MPI's mpirun/mpiexec; MPICH's hydra and srun --mpi=pmi2 (PMI); srun --mpi=pmix and prterun (PMIx).
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    const char* v = getenv(var);
    if (!v) continue;
    l.mpi = true;
    l.evidence = std::string(var) + "=" + v;
    if (std::string(var).find("SIZE") != std::string::npos) l.ranks = as_count(v);
    break;
  }
  if (l.ranks < 0) l.ranks = as_count(getenv("OMPI_COMM_WORLD_SIZE"));
  if (l.ranks < 0) l.ranks = as_count(getenv("PMI_SIZE"));
  l.srun_tasks = as_count(getenv("SLURM_STEP_NUM_TASKS"));
  if (l.srun_tasks >= 0 && !getenv("SLURM_PROCID")) l.srun_tasks = -1;  // a batch script, not an srun task
  return l;
}

void check_launch(const Launch& l, bool built_with_mpi, int mpi_size) {
  if (!built_with_mpi) {
    GENER_CHECK(!(l.mpi && l.ranks > 1),
                l.evidence << ": started by an MPI launcher with " << l.ranks
                           << " ranks, but this gener was built without MPI (install libopenmpi-dev and rebuild "
                              "with -DGENER_MPI=ON), or use --shard i/n for independent slices");
    GENER_CHECK(!(l.srun_tasks > 1),
                "SLURM_STEP_NUM_TASKS=" << l.srun_tasks << ": srun started " << l.srun_tasks
                                        << " tasks, but this gener was built without MPI, so they cannot work as one "
                                           "job; use one task per job-array element with --shard i/n");
    return;
  }
  GENER_CHECK(!(l.srun_tasks > 1 && !l.mpi),
              "SLURM_STEP_NUM_TASKS=" << l.srun_tasks << ": srun started " << l.srun_tasks
                                      << " tasks without MPI wiring (no PMI/PMIx variables); run srun --mpi=pmix "
                                         "(or pmi2), or mpirun");
  GENER_CHECK(!(l.srun_tasks > 1 && mpi_size != l.srun_tasks),
              "SLURM_STEP_NUM_TASKS=" << l.srun_tasks << ": srun started " << l.srun_tasks << " tasks but MPI joined "
                                      << mpi_size << "; check srun --mpi=pmix against the MPI gener was built with");
}

}  // namespace gener::parallel
