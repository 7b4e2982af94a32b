// test_parallel_mpi_comm.cpp — the MPI communicator in a real 2-rank job (ctest runs this under mpirun -np 2):
// all-reduce results identical on every rank, gathers of different sizes (empty too), broadcast from any root.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "engine/parallel/ranges.h"
#include "tests/mpi_world.h"

namespace gener::parallel {
namespace {

using gener::testing::world;

TEST(MpiComm, RanksOfOneNode) {
  GENER_SKIP_UNLESS_RANKS(2);
  EXPECT_EQ(world().local_size(), 2) << "mpirun on one machine: both ranks share the node";
  EXPECT_EQ(world().local_rank(), world().rank());
  EXPECT_NE(world().name().find("MPI"), std::string::npos) << world().name();
  world().barrier();
}

TEST(MpiComm, AllReduceSumsAndEveryRankHoldsTheSameBits) {
  GENER_SKIP_UNLESS_RANKS(2);
  const int r = world().rank();
  std::vector<float> f(100003);
  for (size_t i = 0; i < f.size(); ++i) f[i] = 0.1f * static_cast<float>(i % 17) + (r == 0 ? 1e-3f : -2.5f);
  std::vector<float> want(f.size());
  for (size_t i = 0; i < f.size(); ++i) want[i] = (0.1f * static_cast<float>(i % 17) + 1e-3f) +
                                                  (0.1f * static_cast<float>(i % 17) - 2.5f);
  world().allreduce_sum(f.data(), f.size(), Memory::Host);
  EXPECT_EQ(std::memcmp(f.data(), want.data(), f.size() * sizeof(float)), 0) << "rank " << r;
  // The bits on rank 1 equal rank 0's.
  std::vector<char> mine(f.size() * sizeof(float));
  std::memcpy(mine.data(), f.data(), mine.size());
  const auto all = world().gather(mine);
  if (world().is_root()) {
    EXPECT_EQ(all.size(), 2u);
    if (all.size() == 2) {
      EXPECT_EQ(all[0], all[1]);
    }
  } else {
    EXPECT_TRUE(all.empty());
  }
  double d[3] = {1.0 * r, 2.5, -r * 4.0};
  world().allreduce_sum(d, 3);
  EXPECT_EQ(d[0], 1.0);
  EXPECT_EQ(d[1], 5.0);
  EXPECT_EQ(d[2], -4.0);
}

TEST(MpiComm, GatherBringsEveryRanksBytesInRankOrder) {
  GENER_SKIP_UNLESS_RANKS(2);
  for (size_t n0 : {size_t{0}, size_t{5}, size_t{3'000'000}}) {
    const int r = world().rank();
    const size_t n = r == 0 ? n0 : 7 * n0 + 1;
    std::vector<char> mine(n);
    for (size_t i = 0; i < n; ++i) mine[i] = static_cast<char>((i * 31 + static_cast<size_t>(r)) & 0x7f);
    const auto all = world().gather(mine);
    if (!world().is_root() || all.size() != 2) {  // (no ASSERT between collectives: a rank must not leave early)
      EXPECT_EQ(all.size(), world().is_root() ? 2u : 0u);
      continue;
    }
    EXPECT_EQ(all[0], mine);
    EXPECT_EQ(all[1].size(), 7 * n0 + 1);
    size_t bad = 0;
    for (size_t i = 0; i < all[1].size(); ++i) bad += all[1][i] != static_cast<char>((i * 31 + 1) & 0x7f);
    EXPECT_EQ(bad, 0u) << "bytes from rank 1 of a " << all[1].size() << "-byte message";
  }
}

TEST(MpiComm, BroadcastFromEitherRoot) {
  GENER_SKIP_UNLESS_RANKS(2);
  for (int root : {0, 1}) {
    std::vector<int> v(1000, world().rank() == root ? 42 + root : -1);
    world().broadcast(v.data(), v.size() * sizeof(int), root);
    EXPECT_EQ(v, std::vector<int>(1000, 42 + root)) << "root " << root << " on rank " << world().rank();
  }
}

TEST(MpiComm, RanksSplitAJobWithoutTalking) {
  GENER_SKIP_UNLESS_RANKS(2);
  // Each rank computes its own share; together they cover the job once.
  const Range job{0, 17'698'725};
  const Range mine = split_range(job, world().size(), world().rank(), 4096);
  double bounds[4] = {0, 0, 0, 0};
  bounds[2 * world().rank()] = static_cast<double>(mine.begin);
  bounds[2 * world().rank() + 1] = static_cast<double>(mine.end);
  world().allreduce_sum(bounds, 4);
  EXPECT_EQ(bounds[0], 0);
  EXPECT_EQ(bounds[1], bounds[2]);
  EXPECT_EQ(bounds[3], static_cast<double>(job.end));
}

}  // namespace
}  // namespace gener::parallel
