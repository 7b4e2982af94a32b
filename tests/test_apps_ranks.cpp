// test_apps_ranks.cpp — the gener program as a 2-rank MPI job (mpiexec -n 2): scoring output byte-identical to one
// rank, data-parallel training and its resume on one rank, and faults: a rank with bad input ends the whole job
// within seconds with its own message; commands that do not split work refuse to run on several ranks.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/test_apps_launch.h"
#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;

const std::string kTrainConfig = std::string(GENER_SOURCE_DIR) + "/configs/train/demo.yaml";

// One synthetic dataset and model for the suite: 300 genes (44,850 pairs) x 64 samples.
class AppRanks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_temp_dir());
    if (mpirun(2).empty()) return;  // every test skips
    ok_ = run_ok("synth --genes 300 --samples 64 --pairs 6000 --noise 0.6 --seed 1 --out data", *dir_) &&
          run_ok("train --data data --train-config '" + kTrainConfig +
                     "' --epochs 2 --threads 1 --device cpu --quiet --out model", *dir_);
  }
  static void TearDownTestSuite() {
    remove_tree(*dir_);
    delete dir_;
  }
  void SetUp() override {
    GENER_SKIP_WITHOUT_MPI();
    ASSERT_TRUE(ok_) << "suite setup (synth + train) failed";
  }
  static std::string path(const std::string& rel) { return *dir_ + "/" + rel; }
  // gener on `ranks` ranks (1: a plain run) in the suite directory.
  static Outcome gener(int ranks, const std::string& args) {
    return run_command(ranks == 1 ? "'" GENER_BINARY "' " + args : gener_on_ranks(ranks, args), *dir_);
  }
  static ::testing::AssertionResult succeeds(const Outcome& r, const std::string& what) {
    if (r.status == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << what << " exited " << r.status << "\nstdout:\n" << r.out << "\nstderr:\n"
                                         << r.err;
  }
  static std::string* dir_;
  static bool ok_;
};
std::string* AppRanks::dir_ = nullptr;
bool AppRanks::ok_ = false;

const std::string kScoreWith = "score --expression data/expression.tsv --device cpu --quiet --model ";
const std::string kScore = kScoreWith + "model/model.safetensors ";

TEST_F(AppRanks, TwoRanksScoreAPairListByteForByteLikeOne) {
  for (const std::string batch : {"4096", "7"}) {  // 7: rank boundaries inside the list, on batch boundaries
    const std::string args = kScore + "--pairs data/test.tsv --batch " + batch;
    ASSERT_TRUE(succeeds(gener(1, args + " --out one.tsv"), "1 rank"));
    const Outcome two = gener(2, args + " --out two.tsv");
    ASSERT_TRUE(succeeds(two, "2 ranks"));
    EXPECT_EQ(slurp(path("one.tsv")), slurp(path("two.tsv"))) << "batch " << batch;
    EXPECT_NE(two.out.find("scored"), std::string::npos);
    EXPECT_EQ(two.out.find("scored"), two.out.rfind("scored")) << "only rank 0 reports:\n" << two.out;
  }
}

TEST_F(AppRanks, TwoAndThreeRanksScoreAllPairsTopKAndThresholdLikeOne) {
  for (const std::string keep : {"--top-k 500", "--threshold 0.9", "--top-k 50 --batch 100"}) {
    const std::string args = kScore + "--all-pairs " + keep;
    ASSERT_TRUE(succeeds(gener(1, args + " --out one.tsv"), "1 rank " + keep));
    ASSERT_TRUE(succeeds(gener(2, args + " --out two.tsv"), "2 ranks " + keep));
    ASSERT_TRUE(succeeds(gener(3, args + " --out three.tsv"), "3 ranks " + keep));  // oversubscribed: 2 cores
    const std::string one = slurp(path("one.tsv"));
    EXPECT_GT(one.size(), 100u) << keep;
    EXPECT_EQ(one, slurp(path("two.tsv"))) << keep;
    EXPECT_EQ(one, slurp(path("three.tsv"))) << keep;
  }
}

TEST_F(AppRanks, TwoRanksWriteTheSameShardAsOne) {
  const std::string args = kScore + "--all-pairs --top-k 200 --shard 1/3";
  ASSERT_TRUE(succeeds(gener(1, args + " --out s1_one.gshard"), "1 rank"));
  ASSERT_TRUE(succeeds(gener(2, args + " --out s1_two.gshard"), "2 ranks"));
  EXPECT_EQ(slurp(path("s1_one.gshard")), slurp(path("s1_two.gshard")));
}

TEST_F(AppRanks, TwoRankTrainingWritesOneModelAndResumesOnOneRank) {
  const std::string args = "train --data data --train-config '" + kTrainConfig + "' --device cpu --quiet ";
  const Outcome two = gener(2, args + "--epochs 1 --out two");
  ASSERT_TRUE(succeeds(two, "2-rank train"));
  EXPECT_EQ(two.out.find("trained"), two.out.rfind("trained")) << "only rank 0 reports:\n" << two.out;
  for (const char* f : {"two/model.safetensors", "two/last.safetensors", "two/train_log.json"})
    EXPECT_TRUE(fs::exists(path(f))) << f;
  const Outcome resumed = gener(1, args + "--epochs 2 --resume two/last.safetensors --out resumed");
  ASSERT_TRUE(succeeds(resumed, "1-rank resume of a 2-rank checkpoint"));
  EXPECT_NE(resumed.out.find("best epoch"), std::string::npos) << resumed.out;
  EXPECT_TRUE(fs::exists(path("resumed/model.safetensors")));
  ASSERT_TRUE(succeeds(gener(2, kScoreWith + "resumed/model.safetensors --pairs data/test.tsv --out r.tsv"),
                       "scoring with the resumed model"));
}

TEST_F(AppRanks, ARankWithBadInputEndsTheJobWithItsMessage) {
  // Rank 0 starts a long job (all pairs, batch 1); rank 1 gets a pair list with an unknown gene. The job must end
  // at once, non-zero, with rank 1's one-line error, and leave no output file.
  spit(path("bad.tsv"), "gene_a\tgene_b\nG1\tG2\nNOT_A_GENE\tG3\n");
  const std::string mpmd =
      gener_two_ranks(kScore + "--all-pairs --batch 1 --out fault.tsv", kScore + "--pairs bad.tsv --out fault.tsv");
  const Outcome r = run_command(mpmd, *dir_);
  EXPECT_NE(r.status, 0) << r.err;
  EXPECT_LT(r.seconds, 60.0) << "the job must not wait for the failed rank";
  EXPECT_NE(r.err.find("gener: error: rank 1: bad.tsv:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NOT_A_GENE"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("fault.tsv")));
  // Ranks started on different (valid) inputs: the job stops before scoring, naming what differs.
  const std::string split =
      gener_two_ranks(kScore + "--pairs data/test.tsv --out d.tsv", kScore + "--pairs data/val.tsv --out d.tsv");
  const Outcome d = run_command(split, *dir_);
  EXPECT_NE(d.status, 0);
  EXPECT_NE(d.err.find("rank 1: the pair list differs from rank 0's"), std::string::npos) << d.err;
  // ... or with another batch (it places the rank boundaries).
  const Outcome b = run_command(gener_two_ranks(kScore + "--all-pairs --top-k 9 --out b.tsv",
                                                kScore + "--all-pairs --top-k 9 --batch 100 --out b.tsv"),
                                *dir_);
  EXPECT_NE(b.status, 0);
  EXPECT_NE(b.err.find("rank 1: the --batch differs from rank 0's (100 vs 4096)"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(path("b.tsv")));
  EXPECT_FALSE(fs::exists(path("d.tsv")));
  // A training rank whose file is missing.
  const std::string tr = "train --data data --train-config '" + kTrainConfig + "' --device cpu --quiet --out t ";
  const Outcome t = run_command(gener_two_ranks(tr, tr + "--train missing.tsv"), *dir_);
  EXPECT_NE(t.status, 0);
  EXPECT_LT(t.seconds, 60.0);
  EXPECT_NE(t.err.find("rank 1: "), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("missing.tsv"), std::string::npos) << t.err;
}

TEST_F(AppRanks, CommandsThatDoNotSplitWorkRefuseSeveralRanks) {
  const Outcome r = gener(2, "eval --model model/model.safetensors --expression data/expression.tsv --pairs data/test.tsv "
                         "--out e");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("gener eval runs on one rank, but this job has 2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("e/metrics.json")));
}

}  // namespace
}  // namespace gener::apptest
