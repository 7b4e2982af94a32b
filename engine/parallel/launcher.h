// launcher.h — how this process was started: by an MPI launcher (mpirun/mpiexec, srun with PMI/PMIx) or by hand,
// read from the environment the launchers set. Decides whether gener initialises MPI at all.
#pragma once
#include <functional>
#include <string>

namespace gener::parallel {

struct Launch {
  bool mpi = false;          // an MPI launcher started this process: initialise MPI
  std::string evidence;      // the variable that says so, e.g. "OMPI_COMM_WORLD_SIZE=2"
  long long ranks = -1;      // ranks the launcher announced (-1: it does not say)
  long long srun_tasks = -1; // SLURM_STEP_NUM_TASKS of an srun step (-1: not in one)
};

// `getenv` returns the value of a variable or nullptr (std::getenv in the program; a map in tests).
Launch detect_launch(const std::function<const char*(const char*)>& getenv);

// Throws a one-line error when the launch cannot work with this build (several ranks announced but no MPI
// built; srun tasks that no MPI connects) or when MPI's world size differs from what srun started.
void check_launch(const Launch& l, bool built_with_mpi, int mpi_size);

}  // namespace gener::parallel
