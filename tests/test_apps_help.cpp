// test_apps_help.cpp — `gener --help` and each subcommand's --help exit 0 and name their key options.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

class AppHelp : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

TEST_F(AppHelp, EveryCommandDescribesItsKeyOptions) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"", {"demo", "synth", "train", "score", "eval", "bench", "--version"}},
      {"demo", {"--out", "--epochs", "--genes", "--model-config", "--train-config", "--device", "--threads"}},
      {"synth", {"--genes", "--samples", "--pairs", "--seed", "--noise", "--test-frac", "--val-frac", "--out"}},
      {"train", {"--data", "--expression", "--train", "--val", "--model-config", "--train-config", "--out",
                 "--resume", "--epochs", "--batch-size", "--lr", "--optimizer", "--seed", "--device", "--threads"}},
      {"score", {"--model", "--expression", "--pairs", "--all-pairs", "--out", "--top-k", "--threshold", "--batch",
                 "--normalize", "--device", "--threads"}},
      {"eval", {"--model", "--expression", "--pairs", "--npy", "--out", "--device", "--threads"}},
      {"bench", {"--mode", "--genes", "--samples", "--pairs", "--batch", "--seconds", "--json", "--device"}},
  };
  for (const auto& [cmd, options] : cases) {
    std::string out, err;
    const int rc = run_gener(cmd + " --help", dir_, &out, &err);
    EXPECT_EQ(rc, 0) << "gener " << cmd << " --help\n" << err;
    EXPECT_NE(out.find("Usage:"), std::string::npos) << "gener " << cmd << " --help:\n" << out;
    for (const std::string& o : options)
      EXPECT_NE(out.find(o), std::string::npos) << "gener " << cmd << " --help does not mention " << o << ":\n"
                                                << out;
  }
  EXPECT_EQ(files_under(dir_), (std::vector<std::string>{"log", "log/stderr", "log/stdout"})) << "--help wrote files";
}

TEST_F(AppHelp, UsageErrorsExitNonZero) {
  for (const std::string args : {"", "frobnicate", "score --no-such-option", "score"}) {
    std::string err;
    const int rc = run_gener(args, dir_, nullptr, &err);
    EXPECT_GT(rc, 0) << "gener " << args;
    EXPECT_FALSE(err.empty()) << "gener " << args << " printed no message";
  }
  std::string out;
  EXPECT_EQ(run_gener("--version", dir_, &out, nullptr), 0);
  EXPECT_NE(out.find("gener"), std::string::npos) << out;
}

}  // namespace
}  // namespace gener::apptest
