// mpi_world.h — for test programs that run as one MPI job (mpirun -np 2; main in mpi_test_main.cpp): the job's
// communicator, and a visible skip when the program runs as a lone rank (no MPI in the build, or no launcher).
#pragma once
#include <gtest/gtest.h>

#include "engine/parallel/comm.h"

namespace gener::testing {

parallel::Comm& world();

}  // namespace gener::testing

// Tests that need a job of exactly `n` ranks. Every rank takes the same branch (the size is the job's).
#define GENER_SKIP_UNLESS_RANKS(n)                                                                              \
  do {                                                                                                          \
    if (::gener::testing::world().size() != (n))                                                                \
      GTEST_SKIP() << "needs an MPI job of " << (n) << " ranks (mpirun -np " << (n) << "); this is "            \
                   << ::gener::testing::world().name() << ", multi-process support: "                           \
                   << ::gener::parallel::mpi_library();                                                         \
  } while (0)
