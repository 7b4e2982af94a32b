// test_cuda_fixes.cpp — CUDA behaviours a read-through asked for: TF32 measurably engages when allowed (and not
// otherwise), inference convolution plans are forward-only, a failed launch names its launcher, and a cuDNN error
// carries its status and the call. The error tests run in any CUDA build, with or without a GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/cuda_test_util.h"
#include "tests/test_util.h"

#if defined(GENER_HAVE_CUDA)
#include <cudnn.h>

#include "kernels/conv2d.h"
#include "kernels/conv2d_cudnn.h"
#include "kernels/cuda_check.h"
#include "kernels/dense.h"
#include "kernels/dense_cublas.h"
#include "kernels/gpu_context.h"
#include "kernels/pair_features.h"

namespace gener::kernels {
namespace {

using test::DeviceBuffer;

// x = 1 + 2^-13 is exact in fp32 and rounds to 1 in TF32 (10 mantissa bits): a 536-term dot product with w = 1
// is 536 * (1 + 2^-13) in fp32 and 536 in TF32, 0.065 apart — far above fp32 rounding (~1e-4 here).
void check_tf32_engages() {
  const int B = 1024, in = 536, out = 128;  // a GEMM large enough that cuBLAS picks tensor-core kernels
  const std::vector<float> x(static_cast<size_t>(B) * in, 1.f + std::ldexp(1.f, -13)), w(static_cast<size_t>(out) * in, 1.f);
  const float exact = static_cast<float>(in * (1.0 + std::ldexp(1.0, -13)));
  for (bool tf32 : {false, true}) {
    GpuContext ctx(GpuContextOptions{0, tf32});
    DeviceBuffer<float> d_x(x, ctx.stream()), d_w(w, ctx.stream()), d_y(static_cast<size_t>(B) * out);
    dense_forward_cuda(ctx, B, in, out, d_x.get(), d_w.get(), nullptr, d_y.get());
    const std::vector<float> y = d_y.download(ctx.stream());
    double worst = 0;
    for (float v : y) worst = std::max(worst, std::fabs(static_cast<double>(v) - exact));
    if (tf32) {
      EXPECT_GT(worst, 0.03) << "TF32 allowed but the product is fp32-exact: tensor cores did not engage";
    } else {
      EXPECT_LT(worst, 1e-3) << "TF32 off but the product lost the low mantissa bits";
    }
  }
}

void check_forward_only_plans() {
  GpuContext ctx;
  ConvPlanCache fwd(ConvPlanOptions{false, false, /*forward_only=*/true});
  const Conv2dShape s{7, 1, 2, 13, 16, 2, 2};
  const std::vector<float> x = test::random_uniform(7 * 2 * 13, -1.f, 1.f, 3), w = test::random_uniform(64, -1.f, 1.f, 4);
  std::vector<float> y(static_cast<size_t>(7) * 16 * 12), ws(conv2d_workspace_floats_cpu(s));
  conv2d_forward_cpu(s, x.data(), w.data(), nullptr, y.data(), ws.data());
  DeviceBuffer<float> d_x(x, ctx.stream()), d_w(w, ctx.stream()), d_y(y.size());
  conv2d_forward_cuda(ctx, fwd, s, d_x.get(), d_w.get(), nullptr, d_y.get());
  EXPECT_TRUE(test::all_close(d_y.download(ctx.stream()), y, 1e-5f, 1e-5f, "forward-only conv"));
  EXPECT_THROW(fwd.workspace_bytes(ctx, s, /*backward=*/true), Error);
  DeviceBuffer<float> d_dw(w.size());
  EXPECT_THROW(conv2d_backward_cuda(ctx, fwd, s, d_x.get(), d_w.get(), d_y.get(), nullptr, d_dw.get(), nullptr), Error);
}

}  // namespace
}  // namespace gener::kernels
#endif  // GENER_HAVE_CUDA

namespace gener::kernels {
namespace {

TEST(CudaTf32, EngagesWhenAllowedOnly) { GENER_RUN_ON_CUDA(check_tf32_engages()); }
TEST(CudaConv2d, InferencePlansAreForwardOnly) { GENER_RUN_ON_CUDA(check_forward_only_plans()); }

#if defined(GENER_HAVE_CUDA)
TEST(CudaErrors, CudnnErrorCarriesStatusAndCall) {
  cudnnTensorDescriptor_t d = nullptr;
  ASSERT_EQ(cudnnCreateTensorDescriptor(&d), CUDNN_STATUS_SUCCESS);
  try {
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, -1, 1, 1, 1));
    ADD_FAILURE() << "a negative dimension was accepted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cuDNN error"), std::string::npos) << m;
    EXPECT_NE(m.find("BAD_PARAM"), std::string::npos) << m;
    EXPECT_NE(m.find("cudnnSetTensor4dDescriptor"), std::string::npos) << m;
  }
  cudnnDestroyTensorDescriptor(d);
}

// Without a usable device every launch fails at once: the error names the launcher. With a device the same launch
// succeeds and must not throw.
TEST(CudaErrors, FailedLaunchNamesTheLauncher) {
  const bool have_gpu = cuda_probe().devices > 0;
  float* x = nullptr;
  int32_t* pairs = nullptr;
  if (have_gpu) {
    ASSERT_EQ(cudaMalloc(&x, 12 * sizeof(float)), cudaSuccess);  // expr (1, 4) and x_cnn (1, 2, 4) after it
    ASSERT_EQ(cudaMalloc(&pairs, 2 * sizeof(int32_t)), cudaSuccess);
    ASSERT_EQ(cudaMemset(pairs, 0, 2 * sizeof(int32_t)), cudaSuccess);
  }
  try {
    // Without a GPU the output pointer is a stand-in that nothing dereferences: the launch itself fails.
    float* out = have_gpu ? x + 4 : reinterpret_cast<float*>(uintptr_t{256});
    pair_features_cuda(x, 4, pairs, 1, out, nullptr, nullptr);
    EXPECT_TRUE(have_gpu) << "a launch without a usable GPU did not fail";
    if (have_gpu) {
      EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    }
  } catch (const Error& e) {
    EXPECT_FALSE(have_gpu) << e.what();
    EXPECT_NE(std::string(e.what()).find("pair_features_cuda"), std::string::npos) << e.what();
  }
  if (have_gpu) {
    cudaFree(x);
    cudaFree(pairs);
  }
}
#else
TEST(CudaErrors, CudnnErrorCarriesStatusAndCall) { GENER_SKIP_OR_FAIL("built without CUDA"); }
TEST(CudaErrors, FailedLaunchNamesTheLauncher) { GENER_SKIP_OR_FAIL("built without CUDA"); }
#endif

}  // namespace
}  // namespace gener::kernels
