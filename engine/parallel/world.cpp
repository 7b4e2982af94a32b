// world.cpp — make_world(): MPI when a launcher started this process and the build has MPI, else one rank.
#include <cstdlib>

#include "engine/parallel/comm.h"
#include "engine/parallel/launcher.h"
#include "engine/parallel/mpi_comm.h"

namespace gener::parallel {

std::unique_ptr<Comm> make_world() {
  const Launch l = detect_launch([](const char* v) { return std::getenv(v); });
#if defined(GENER_HAVE_MPI)
  if (!l.mpi) {
    check_launch(l, true, 1);
    return make_single_rank();
  }
  std::unique_ptr<Comm> w = make_mpi_world();
  check_launch(l, true, w->size());  // the same verdict on every rank: all throw, all finalise
  return w;
#else
  check_launch(l, false, 1);
  return make_single_rank();
#endif
}

std::string mpi_library() {
#if defined(GENER_HAVE_MPI)
  return "MPI (" + mpi_library_version() + ")";
#else
  return "none";
#endif
}

}  // namespace gener::parallel
