// test_apps_shards.cpp — Slurm job arrays without MPI: `gener score --shard i/n` slices merged by `gener merge` are
// byte-identical to one run; a finished shard is not scored again; shards that do not belong together, a missing
// shard and bad --shard values are one-line errors naming the file or flag, with no output written.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;

const std::string kTrainConfig = std::string(GENER_SOURCE_DIR) + "/configs/train/demo.yaml";
const std::string kScore = "score --expression data/expression.tsv --device cpu --threads 1 --quiet ";

class AppShards : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_temp_dir());
    const std::string train = "train --data data --train-config '" + kTrainConfig +
                              "' --epochs 1 --threads 1 --device cpu --quiet --out ";
    ok_ = run_ok("synth --genes 200 --samples 32 --pairs 3000 --noise 0.6 --seed 2 --out data", *dir_) &&
          run_ok(train + "model", *dir_) && run_ok(train + "other --seed 7", *dir_);
  }
  static void TearDownTestSuite() {
    remove_tree(*dir_);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(ok_) << "suite setup (synth + train) failed"; }
  static std::string path(const std::string& rel) { return *dir_ + "/" + rel; }
  static ::testing::AssertionResult ok(const std::string& args) { return run_ok(args, *dir_); }
  static std::string err_of(const std::string& args, int* status) {
    std::string out, err;
    *status = run_gener(args, *dir_, &out, &err);
    return err;
  }
  static std::string* dir_;
  static bool ok_;
};
std::string* AppShards::dir_ = nullptr;
bool AppShards::ok_ = false;

TEST_F(AppShards, ThreeShardsMergeToTheOneRunOutput) {
  const std::string m = kScore + "--model model/model.safetensors ";
  for (const std::string job : {"--all-pairs --top-k 300", "--pairs data/test.tsv", "--all-pairs --threshold 0.8"}) {
    ASSERT_TRUE(ok(m + job + " --out one.tsv"));
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(ok(m + job + " --shard " + std::to_string(i) + "/3 --out sh/part" + std::to_string(i) + ".gshard"));
    ASSERT_TRUE(ok("merge sh/part2.gshard sh/part0.gshard sh/part1.gshard --out merged.tsv"));
    EXPECT_EQ(slurp(path("merged.tsv")), slurp(path("one.tsv"))) << job;
    fs::remove_all(path("sh"));
  }
  // A smaller k at merge time is the head of the full ranking.
  ASSERT_TRUE(ok(m + "--all-pairs --top-k 40 --out top40.tsv"));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(ok(m + "--all-pairs --top-k 300 --shard " + std::to_string(i) + "/2"));
  ASSERT_TRUE(ok("merge shard-0-of-2.gshard shard-1-of-2.gshard --top-k 40 --out merged40.tsv"));
  EXPECT_EQ(slurp(path("merged40.tsv")), slurp(path("top40.tsv")));
}

TEST_F(AppShards, ACompleteShardIsNotScoredAgain) {
  const std::string args = kScore + "--model model/model.safetensors --all-pairs --top-k 100 --shard 0/2 --out r.gshard";
  ASSERT_TRUE(ok(args));
  const auto t = fs::last_write_time(path("r.gshard"));
  std::string out, err;
  ASSERT_EQ(run_gener(args, *dir_, &out, &err), 0) << err;
  EXPECT_NE(out.find("already complete"), std::string::npos) << out;
  EXPECT_EQ(fs::last_write_time(path("r.gshard")), t);
  // An interrupted file (no completion marker) is scored anew.
  fs::resize_file(path("r.gshard"), fs::file_size(path("r.gshard")) - 8);
  ASSERT_EQ(run_gener(args, *dir_, &out, &err), 0) << err;
  EXPECT_NE(out.find("wrote 100 to shard"), std::string::npos) << out;
  // The same file name for another model's slice is refused, not overwritten.
  int st = 0;
  const std::string e = err_of(kScore + "--model other/model.safetensors --all-pairs --top-k 100 --shard 0/2 --out "
                               "r.gshard", &st);
  EXPECT_NE(st, 0);
  EXPECT_TRUE(one_error_line(e, {"r.gshard", "another job", "model sha256"}));
}

TEST_F(AppShards, ShardsThatDoNotBelongTogetherAreErrorsNamingTheFile) {
  const std::string m = kScore + "--all-pairs --top-k 50 ";
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(ok(m + "--model model/model.safetensors --shard " + std::to_string(i) + "/3 --out s" +
                   std::to_string(i) + ".gshard"));
  ASSERT_TRUE(ok(m + "--model other/model.safetensors --shard 1/3 --out foreign1.gshard"));
  ASSERT_TRUE(ok(m + "--model model/model.safetensors --batch 1000 --shard 1/3 --out shifted1.gshard"));
  ASSERT_TRUE(ok(m + "--model model/model.safetensors --shard 1/2 --out half1.gshard"));
  struct Case {
    std::string shards;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"s0.gshard s2.gshard", {"slice 1/3 is missing"}},
      {"s0.gshard gone.gshard s2.gshard", {"gone.gshard", "cannot open"}},
      {"s0.gshard foreign1.gshard s2.gshard", {"foreign1.gshard", "another job", "model sha256"}},
      {"s0.gshard shifted1.gshard s2.gshard", {"shifted1.gshard", "overlap or gap"}},
      {"s0.gshard s1.gshard s1.gshard s2.gshard", {"s1.gshard", "slice 1/3"}},
      {"s0.gshard half1.gshard s2.gshard", {"half1.gshard", "slices 3 vs 2"}},
      {"s0.gshard s1.gshard s2.gshard --top-k 51", {"--top-k", "51", "50"}},
      {"s0.gshard data/expression.tsv s2.gshard", {"data/expression.tsv", "not a gener shard"}},
  };
  for (const Case& c : cases) {
    int st = 0;
    const std::string e = err_of("merge " + c.shards + " --out m.tsv", &st);
    EXPECT_NE(st, 0) << c.shards;
    EXPECT_TRUE(one_error_line(e, c.needles)) << c.shards;
    EXPECT_FALSE(fs::exists(path("m.tsv"))) << "partial output after: merge " << c.shards;
  }
}

TEST_F(AppShards, BadShardFlagsAreOneLineErrors) {
  const std::string m = kScore + "--model model/model.safetensors --all-pairs --top-k 5 --out x.gshard --shard ";
  for (const auto& [flag, needle] : std::vector<std::pair<std::string, std::string>>{
           {"3/3", "slice i must be in [0, 3)"}, {"0/0", "at least 1"}, {"-1/2", "slice i must be in [0, 2)"},
           {"1", "expected i/n"}, {"a/b", "expected i/n"}, {"1/2/3", "expected i/n"}}) {
    int st = 0;
    const std::string e = err_of(m + flag, &st);
    EXPECT_NE(st, 0) << flag;
    EXPECT_TRUE(one_error_line(e, {"--shard", needle})) << flag;
    EXPECT_FALSE(fs::exists(path("x.gshard"))) << flag;
  }
}

}  // namespace
}  // namespace gener::apptest
