// test_apps_environment.cpp — the settings gener starts its libraries with: OpenMP threads wait passively unless the
// user chose a policy (OMP_WAIT_POLICY or GOMP_SPINCOUNT), seen in `gener bench --json`'s omp_wait_policy.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

class AppEnvironment : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  // Runs a tiny `gener bench` with the environment prefix `env` (for env(1)); returns its JSON's omp_wait_policy.
  std::string policy(const std::string& env) {
    const std::string json = dir_ + "/bench.json";
    std::remove(json.c_str());
    const std::string cmd = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT " + env + " '" GENER_BINARY
                            "' bench --device cpu --mode score --genes 50 --samples 40 --pairs 64 --batch 32 "
                            "--warmup-batches 0 --seconds 1 --threads 1 --json '" + json + "' > /dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::string text = slurp(json);
    const std::string key = "\"omp_wait_policy\":";
    const size_t at = text.find(key);
    if (at == std::string::npos) return "<no omp_wait_policy in " + text + ">";
    const size_t q1 = text.find('"', at + key.size()), q2 = text.find('"', q1 + 1);
    return text.substr(q1 + 1, q2 - q1 - 1);
  }
  std::string dir_;
};

TEST_F(AppEnvironment, OpenMpThreadsWaitPassivelyUnlessTheUserChose) {
  EXPECT_EQ(policy(""), "PASSIVE");
  EXPECT_EQ(policy("OMP_WAIT_POLICY=active"), "active");
  EXPECT_EQ(policy("GOMP_SPINCOUNT=1000"), "");  // a spin count is a choice too: no policy added
}

}  // namespace
}  // namespace gener::apptest
