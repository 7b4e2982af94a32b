// test_apps_reliability.cpp — the gener program never overwrites an input, never accepts an out-of-range number,
// caps threads at the cores with a note, stops with a message before allocating more memory than there is, cleans
// temporaries of killed runs, and waits passively in OpenMP unless told otherwise.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/io/atomic_file.h"
#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;
const std::string kConfigs = std::string(GENER_SOURCE_DIR) + "/configs";

// Shared inputs (a small synthetic dataset and a one-epoch model); every test copies what it may damage into its
// own directory.
class AppReliability : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inputs_ = make_temp_dir();
    const std::vector<std::string> steps = {
        "synth --genes 40 --samples 16 --pairs 300 --seed 3 --out data",
        "train --data data --train-config '" + kConfigs +
            "/train/demo.yaml' --epochs 1 --threads 2 --device cpu --quiet --out model"};
    setup_error_ = run_steps(steps, inputs_);
  }
  static void TearDownTestSuite() { remove_tree(inputs_); }
  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "could not make the suite's inputs: " << setup_error_;
    dir_ = make_temp_dir();
    for (const char* f : {"data/expression.tsv", "data/test.tsv", "data/train.tsv", "data/val.tsv"})
      fs::copy_file(inputs_ + "/" + f, dir_ + "/" + fs::path(f).filename().string());
    fs::copy_file(inputs_ + "/model/model.safetensors", dir_ + "/model.safetensors");
  }
  void TearDown() override { remove_tree(dir_); }
  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }

  // gener fails (non-zero status, no crash) with one error line holding every needle.
  void expect_failure(const std::string& args, const std::vector<std::string>& needles) const {
    std::string err;
    const int rc = run_gener(args, dir_, nullptr, &err);
    EXPECT_GT(rc, 0) << "gener " << args << "\nstderr:\n" << err;
    EXPECT_TRUE(one_error_line(err, needles)) << "gener " << args;
  }
  // As expect_failure, and `file` (relative) still holds exactly what it held before.
  void expect_refused_and_intact(const std::string& args, const std::string& file,
                                 const std::vector<std::string>& needles) const {
    const std::string before = slurp(path(file));
    ASSERT_FALSE(before.empty()) << file;
    expect_failure(args, needles);
    EXPECT_EQ(slurp(path(file)), before) << "gener " << args << " changed " << file;
  }

  static inline std::string inputs_, setup_error_;
  std::string dir_;
};

const std::string kScore = "score --threads 2 --device cpu --quiet --model model.safetensors ";

TEST_F(AppReliability, GoodRunsWriteTheirOutputs) {  // the control for the refusals below
  ASSERT_TRUE(run_ok(kScore + "--expression expression.tsv --pairs test.tsv --out scores.tsv", dir_));
  EXPECT_TRUE(fs::exists(path("scores.tsv")));
}

TEST_F(AppReliability, AnOutputIsNeverOneOfTheInputs) {
  const std::vector<std::string> refused = {"is the same file as", "refusing to overwrite an input"};
  expect_refused_and_intact(kScore + "--expression expression.tsv --pairs test.tsv --out test.tsv", "test.tsv",
                            {"--out test.tsv is the same file as --pairs test.tsv"});
  expect_refused_and_intact(kScore + "--expression expression.tsv --pairs test.tsv --out ./expression.tsv",
                            "expression.tsv", refused);
  expect_refused_and_intact(kScore + "--expression expression.tsv --pairs test.tsv --out model.safetensors",
                            "model.safetensors", refused);
  fs::create_hard_link(path("test.tsv"), path("linked.tsv"));
  expect_refused_and_intact(kScore + "--expression expression.tsv --pairs test.tsv --out linked.tsv", "test.tsv",
                            refused);
  // eval's output directory holding the pairs under an output's name
  fs::create_directories(path("ev"));
  fs::copy_file(path("test.tsv"), path("ev/metrics.json"));
  expect_refused_and_intact("eval --threads 2 --device cpu --quiet --model model.safetensors --expression "
                            "expression.tsv --pairs ev/metrics.json --out ev",
                            "ev/metrics.json", refused);
  // train writing its log over its training pairs
  fs::create_directories(path("tr"));
  fs::copy_file(path("train.tsv"), path("tr/train_log.json"));
  expect_refused_and_intact("train --expression expression.tsv --train tr/train_log.json --val val.tsv --epochs 1 "
                            "--train-config " + kConfigs + "/train/demo.yaml --threads 2 --device cpu --quiet --out tr",
                            "tr/train_log.json", refused);
  // merge into one of its shards
  ASSERT_TRUE(run_ok(kScore + "--expression expression.tsv --pairs test.tsv --shard 0/1 --out s0.gshard", dir_));
  expect_refused_and_intact("merge s0.gshard --out s0.gshard", "s0.gshard", refused);
  // prepare writing the cache over its expression file
  expect_refused_and_intact("prepare --expression expression.tsv --edges test.tsv --out expression.tsv --quiet",
                            "expression.tsv", refused);
}

TEST_F(AppReliability, NumbersOutsideTheirRangeAreErrorsNamingOptionAndValue) {
  const std::string train = "train --expression expression.tsv --train train.tsv --val val.tsv --train-config " +
                            kConfigs + "/train/demo.yaml --threads 2 --device cpu --quiet --out tr ";
  expect_failure(train + "--epochs -3", {"--epochs", "an integer in [1, 1000000]", "'-3'"});
  expect_failure(train + "--batch-size 0", {"--batch-size", "'0'"});
  expect_failure(train + "--lr -1", {"--lr", "a number in (0,", "'-1'"});
  expect_failure(train + "--lr nan", {"--lr", "'nan'"});
  expect_failure(train + "--patience -2", {"--patience", "'-2'"});
  expect_failure(train + "--seed -1", {"--seed", "'-1'"});
  EXPECT_FALSE(fs::exists(path("tr/model.safetensors")));
  const std::string score = kScore + "--expression expression.tsv --pairs test.tsv --out s.tsv ";
  expect_failure(score + "--threshold 2", {"--threshold", "a number in [0, 1]", "'2'"});
  expect_failure(score + "--threshold nan", {"--threshold", "'nan'"});
  expect_failure(score + "--batch 0", {"--batch", "'0'"});
  expect_failure(score + "--top-k -5", {"--top-k", "'-5'"});
  std::string err;
  EXPECT_GT(run_gener(score + "--threads 1e400", dir_, nullptr, &err), 0);
  EXPECT_LT(err.size(), 300u) << err;  // no 309-digit bound
  EXPECT_FALSE(fs::exists(path("s.tsv")));
}

TEST_F(AppReliability, ThreadsBeyondTheCoresAreCappedWithANote) {
  std::string err;
  ASSERT_EQ(run_gener("score --threads 100000 --device cpu --quiet --model model.safetensors --expression "
                      "expression.tsv --pairs test.tsv --out scores.tsv",
                      dir_, nullptr, &err),
            0)
      << err;
  EXPECT_NE(err.find("note: --threads 100000 capped at the"), std::string::npos) << err;
  EXPECT_TRUE(fs::exists(path("scores.tsv")));
}

TEST_F(AppReliability, MoreMemoryThanTheMachineHasIsAClearErrorNotAKill) {
  std::string err;
  const int rc = run_gener("bench --mode train --batch 16777216 --genes 50 --pairs 1000 --seconds 1 --threads 1 "
                           "--device cpu",
                           dir_, nullptr, &err);
  EXPECT_EQ(rc, 1) << err;  // not killed (negative), not a crash
  EXPECT_TRUE(one_error_line(err, {"--batch 16777216", "out of memory", "needs", "available"}));
}

TEST_F(AppReliability, DirectoriesGivenAsFilesAreNamed) {
  fs::create_directories(path("adir"));
  expect_failure(kScore + "--expression expression.tsv --pairs adir --out s.tsv", {"adir", "is a directory"});
  expect_failure("score --threads 2 --device cpu --quiet --model adir --expression expression.tsv --pairs test.tsv "
                 "--out s.tsv",
                 {"adir", "is a directory"});
  expect_failure(kScore + "--expression expression.tsv --pairs test.tsv --out adir", {"adir", "is a directory"});
}

TEST_F(AppReliability, TemporariesOfAKilledRunAreCleanedByTheNext) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // a pid no process has now
  fs::create_directories(path("out"));
  const std::string stale = path("out/scores.tsv.tmp." + io::host_tag() + "." + std::to_string(child));
  spit(stale, "half written");
  ASSERT_TRUE(run_ok(kScore + "--expression expression.tsv --pairs test.tsv --out out/scores.tsv", dir_));
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_EQ(files_under(path("out")), (std::vector<std::string>{"scores.tsv"}));
}

// libgomp prints its settings with OMP_DISPLAY_ENV=verbose (its display says PASSIVE for an unset policy too; the
// spin count tells them apart: 0 when passive, 300000 by default); gener waits passively unless the user chose a
// policy or a spin count.
std::string omp_display(const std::string& env) {
  const std::string log = make_temp_dir();
  const std::string cmd = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_DISPLAY_ENV=verbose " + env + " '" GENER_BINARY
                          "' --version > /dev/null 2> '" + log + "/err'";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd;
  const std::string err = slurp(log + "/err");
  remove_tree(log);
  return err;
}

TEST(AppWaitPolicy, PassiveByDefaultTheUsersChoiceOtherwise) {
  const std::string plain = omp_display("");
  EXPECT_NE(plain.find("OMP_WAIT_POLICY = 'PASSIVE'"), std::string::npos) << plain;
  EXPECT_NE(plain.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << plain;
  EXPECT_NE(omp_display("OMP_WAIT_POLICY=ACTIVE").find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos);
  const std::string spin = omp_display("GOMP_SPINCOUNT=10000");
  EXPECT_NE(spin.find("GOMP_SPINCOUNT = '10000'"), std::string::npos) << spin;
}

}  // namespace
}  // namespace gener::apptest
