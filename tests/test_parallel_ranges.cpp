// test_parallel_ranges.cpp — range splits (coverage, order, block alignment), launcher detection from the
// environment, and the one-rank communicator.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "engine/parallel/comm.h"
#include "engine/parallel/launcher.h"
#include "engine/parallel/ranges.h"
#include "kernels/check.h"

namespace gener::parallel {
namespace {

TEST(SplitRange, PartsCoverTheRangeOnceInOrderOnBlockBoundaries) {
  for (long long begin : {0LL, 5LL, 4096LL}) {
    for (long long n : {0LL, 1LL, 7LL, 1000LL, 17'698'725LL}) {
      for (int parts : {1, 2, 3, 7, 64}) {
        for (long long block : {1LL, 64LL, 4096LL}) {
          const Range r{begin, begin + n};
          long long at = r.begin, min_size = n, max_size = 0;
          for (int p = 0; p < parts; ++p) {
            const Range s = split_range(r, parts, p, block);
            ASSERT_EQ(s.begin, at) << "part " << p << "/" << parts << " of [" << r.begin << ", " << r.end << ")";
            ASSERT_LE(s.begin, s.end);
            if (s.end != r.end) {
              ASSERT_EQ((s.end - r.begin) % block, 0) << "boundary off the block grid";
            }
            at = s.end;
            min_size = std::min(min_size, s.size());
            max_size = std::max(max_size, s.size());
          }
          ASSERT_EQ(at, r.end) << n << " split in " << parts;
          EXPECT_LE(max_size - min_size, block) << n << " in " << parts << " parts of block " << block;
        }
      }
    }
  }
}

TEST(SplitRange, RejectsBadParts) {
  EXPECT_THROW(split_range({0, 10}, 0, 0), Error);
  EXPECT_THROW(split_range({0, 10}, 2, 2), Error);
  EXPECT_THROW(split_range({0, 10}, 2, -1), Error);
  EXPECT_THROW(split_range({0, 10}, 2, 0, 0), Error);
}

Launch launch_with(const std::map<std::string, std::string>& env) {
  return detect_launch([&](const char* v) -> const char* {
    auto it = env.find(v);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(Launcher, DetectsMpirunSrunAndPlainRuns) {
  Launch plain = launch_with({});
  EXPECT_FALSE(plain.mpi);
  EXPECT_EQ(plain.ranks, -1);
  Launch ompi = launch_with({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_RANK", "1"}, {"PMIX_RANK", "1"}});
  EXPECT_TRUE(ompi.mpi);
  EXPECT_EQ(ompi.ranks, 4);
  EXPECT_EQ(ompi.evidence, "OMPI_COMM_WORLD_SIZE=4");
  Launch pmix = launch_with({{"PMIX_RANK", "0"}, {"SLURM_STEP_NUM_TASKS", "8"}, {"SLURM_PROCID", "0"}});
  EXPECT_TRUE(pmix.mpi);
  EXPECT_EQ(pmix.srun_tasks, 8);
  Launch pmi = launch_with({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}});
  EXPECT_TRUE(pmi.mpi);
  EXPECT_EQ(pmi.ranks, 3);
  // A batch script's environment (no SLURM_PROCID of an srun task) is not an srun step.
  Launch batch = launch_with({{"SLURM_STEP_NUM_TASKS", "4"}});
  EXPECT_EQ(batch.srun_tasks, -1);
}

TEST(Launcher, RejectsLaunchesThisBuildCannotServe) {
  using test_env = std::map<std::string, std::string>;
  const Launch two = launch_with(test_env{{"OMPI_COMM_WORLD_SIZE", "2"}});
  try {
    check_launch(two, /*built_with_mpi=*/false, 1);
    ADD_FAILURE() << "a 2-rank launch of a build without MPI must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("OMPI_COMM_WORLD_SIZE=2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("without MPI"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(check_launch(launch_with(test_env{{"OMPI_COMM_WORLD_SIZE", "1"}}), false, 1));
  const Launch srun_plain = launch_with(test_env{{"SLURM_STEP_NUM_TASKS", "3"}, {"SLURM_PROCID", "1"}});
  EXPECT_THROW(check_launch(srun_plain, false, 1), Error);
  EXPECT_THROW(check_launch(srun_plain, true, 1), Error) << "srun tasks without PMI wiring";
  const Launch srun_pmix =
      launch_with(test_env{{"SLURM_STEP_NUM_TASKS", "3"}, {"SLURM_PROCID", "1"}, {"PMIX_RANK", "1"}});
  EXPECT_NO_THROW(check_launch(srun_pmix, true, 3));
  EXPECT_THROW(check_launch(srun_pmix, true, 1), Error) << "MPI joined fewer ranks than srun started";
  EXPECT_NO_THROW(check_launch(launch_with({}), false, 1));
}

TEST(SingleRank, CollectivesAreTheIdentity) {
  auto c = make_single_rank();
  EXPECT_EQ(c->rank(), 0);
  EXPECT_EQ(c->size(), 1);
  EXPECT_EQ(c->local_rank(), 0);
  EXPECT_EQ(c->local_size(), 1);
  EXPECT_TRUE(c->is_root());
  std::vector<float> f{1.5f, -2.f};
  c->allreduce_sum(f.data(), f.size(), Memory::Host);
  EXPECT_EQ(f, (std::vector<float>{1.5f, -2.f}));
  double d[2] = {3, 4};
  c->allreduce_sum(d, 2);
  EXPECT_EQ(d[0], 3);
  EXPECT_EQ(d[1], 4);
  const std::vector<char> mine{'a', 'b', 'c'};
  const auto all = c->gather(mine);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], mine);
  int v = 7;
  c->broadcast(&v, sizeof v, 0);
  EXPECT_EQ(v, 7);
  c->barrier();
}

TEST(World, APlainProcessIsOneRankWithoutMpi) {
  // ctest starts this binary directly: no launcher variables, so no MPI initialisation.
  if (detect_launch([](const char* v) { return std::getenv(v); }).mpi) GTEST_SKIP() << "started by an MPI launcher";
  auto w = make_world();
  EXPECT_EQ(w->size(), 1);
  EXPECT_EQ(w->rank(), 0);
  EXPECT_NE(mpi_library(), "");
}

}  // namespace
}  // namespace gener::parallel
