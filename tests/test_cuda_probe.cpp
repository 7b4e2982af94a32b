// test_cuda_probe.cpp — the device probe says why no GPU is usable (the CUDA error, not a bare "no GPU"), and
// GENER_REQUIRE_GPU turns a Cuda test's skip into a failure. Runs in every build, with or without a GPU.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kernels/cuda_probe.h"
#include "tests/cuda_test_util.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::ScopedEnv;

TEST(CudaProbe, ReportsDevicesOrTheReasonForNone) {
  const CudaProbe p = cuda_probe();
  ASSERT_GE(p.devices, 0);
  if (p.devices > 0) {
    EXPECT_TRUE(p.reason.empty()) << p.reason;
    return;
  }
  ASSERT_FALSE(p.reason.empty()) << "no device and no reason";
#if defined(GENER_HAVE_CUDA)
  // Either the runtime's error by name and text, or an explicit zero count: never silence.
  const bool named_error = p.reason.find("cudaError") != std::string::npos && p.reason.find('(') != std::string::npos;
  const bool zero = p.reason.find("no CUDA device") != std::string::npos;
  EXPECT_TRUE(named_error || zero) << p.reason;
#else
  EXPECT_NE(p.reason.find("without CUDA"), std::string::npos) << p.reason;
#endif
  EXPECT_EQ(cuda_device_count_safe(), 0);
}

void skip_or_fail_with(const char* reason) { GENER_SKIP_OR_FAIL(reason); }

TEST(CudaSkipPolicy, RequireGpuTurnsSkipIntoFailure) {
  {
    ScopedEnv env("GENER_REQUIRE_GPU", "1");
    EXPECT_TRUE(test::gpu_required());
    EXPECT_FATAL_FAILURE(skip_or_fail_with("no usable CUDA device: planted reason"), "planted reason");
  }
  for (const char* off : {"0", ""}) {
    ScopedEnv env("GENER_REQUIRE_GPU", off);
    EXPECT_FALSE(test::gpu_required()) << "GENER_REQUIRE_GPU='" << off << "'";
  }
  ScopedEnv unset("GENER_REQUIRE_GPU", nullptr);
  EXPECT_FALSE(test::gpu_required());
}

}  // namespace
}  // namespace gener::kernels
