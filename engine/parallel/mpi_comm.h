// mpi_comm.h — the MPI communicator over MPI_COMM_WORLD (inside the parallel room; the rest use comm.h).
#pragma once
#include <memory>
#include <string>

#include "engine/parallel/comm.h"

namespace gener::parallel {

#if defined(GENER_HAVE_MPI)
// Initialises MPI (funneled threads) unless already initialised, and finalises it at destruction.
std::unique_ptr<Comm> make_mpi_world();
// MPI_Get_library_version's first line, e.g. "Open MPI v4.1.4, ...".
std::string mpi_library_version();
#endif

}  // namespace gener::parallel
