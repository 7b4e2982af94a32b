// test_cuda_layers.cpp — cuDNN convolution and cuBLAS dense layers against the CPU reference: exact on small
// integers, tolerances on random floats (GENER's shapes for L = 13 and 536, batches 1, 7, 1000), plan cache.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/cuda_test_util.h"
#include "tests/test_util.h"

#if defined(GENER_HAVE_CUDA)
#include "kernels/conv2d.h"
#include "kernels/conv2d_cudnn.h"
#include "kernels/dense.h"
#include "kernels/dense_cublas.h"
#include "kernels/gpu_context.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::DeviceBuffer;
using test::random_ints;
using test::random_uniform;

// Tolerance for a float sum of k terms of size ~1 computed in two different orders.
float sum_atol(double k) { return static_cast<float>(1e-6 * k + 1e-5); }

size_t x_size(const Conv2dShape& s) { return static_cast<size_t>(s.n) * s.c_in * s.h * s.w; }
size_t w_size(const Conv2dShape& s) { return static_cast<size_t>(s.c_out) * s.c_in * s.kh * s.kw; }
size_t y_size(const Conv2dShape& s) { return static_cast<size_t>(s.n) * s.c_out * s.h_out() * s.w_out(); }

std::string tag(const Conv2dShape& s) {
  return " x(" + std::to_string(s.n) + "," + std::to_string(s.c_in) + "," + std::to_string(s.h) + "," +
         std::to_string(s.w) + ") w(" + std::to_string(s.c_out) + "," + std::to_string(s.c_in) + "," +
         std::to_string(s.kh) + "," + std::to_string(s.kw) + ")";
}

// GENER's three convolutions for L = 13 and 536 at batches 1, 7, 1000, plus general shapes.
std::vector<Conv2dShape> conv_shapes() {
  std::vector<Conv2dShape> v;
  for (int L : {13, 536})
    for (int B : {1, 7, 1000}) {
      v.push_back({B, 1, 2, L, 16, 2, 2});       // conv1 2x2 on [a; b]
      v.push_back({B, 16, 1, L - 1, 16, 1, 3});  // conv2 1x3
      v.push_back({B, 16, 1, L - 3, 8, 1, 1});   // conv3 1x1
    }
  v.push_back({3, 3, 5, 7, 5, 3, 2});  // asymmetric kernel: catches a flipped (true convolution) kernel
  v.push_back({2, 2, 4, 6, 3, 4, 1});  // kernel height == input height
  return v;
}

struct ConvResult {
  std::vector<float> y, dx, dw, db;
};

ConvResult conv_cpu(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w,
                    const std::vector<float>& b, const std::vector<float>& dy) {
  ConvResult r{std::vector<float>(y_size(s)), std::vector<float>(x.size()), std::vector<float>(w.size()),
               std::vector<float>(b.size())};
  std::vector<float> ws(conv2d_workspace_floats_cpu(s));
  conv2d_forward_cpu(s, x.data(), w.data(), b.data(), r.y.data(), ws.data());
  conv2d_backward_cpu(s, x.data(), w.data(), dy.data(), r.dx.data(), r.dw.data(), r.db.data(), ws.data());
  return r;
}

ConvResult conv_gpu(GpuContext& ctx, ConvPlanCache& cache, const Conv2dShape& s, const std::vector<float>& x,
                    const std::vector<float>& w, const std::vector<float>& b, const std::vector<float>& dy) {
  DeviceBuffer<float> d_x(x, ctx.stream()), d_w(w, ctx.stream()), d_b(b, ctx.stream()), d_dy(dy, ctx.stream());
  DeviceBuffer<float> d_y(y_size(s)), d_dx(x.size()), d_dw(w.size()), d_db(b.size());
  for (DeviceBuffer<float>* o : {&d_y, &d_dx, &d_dw, &d_db}) o->poison(ctx.stream());
  conv2d_forward_cuda(ctx, cache, s, d_x.get(), d_w.get(), d_b.get(), d_y.get());
  conv2d_backward_cuda(ctx, cache, s, d_x.get(), d_w.get(), d_dy.get(), d_dx.get(), d_dw.get(), d_db.get());
  return ConvResult{d_y.download(ctx.stream()), d_dx.download(ctx.stream()), d_dw.download(ctx.stream()),
                    d_db.download(ctx.stream())};
}

void check_conv_random() {
  GpuContext ctx;
  ConvPlanCache cache;
  for (const Conv2dShape& s : conv_shapes()) {
    const auto x = random_uniform(x_size(s), -1.0f, 1.0f, 41), w = random_uniform(w_size(s), -1.0f, 1.0f, 42);
    const auto b = random_uniform(static_cast<size_t>(s.c_out), -1.0f, 1.0f, 43);
    const auto dy = random_uniform(y_size(s), -1.0f, 1.0f, 44);
    const ConvResult ref = conv_cpu(s, x, w, b, dy), got = conv_gpu(ctx, cache, s, x, w, b, dy);
    const double k_y = static_cast<double>(s.c_in) * s.kh * s.kw, k_x = static_cast<double>(s.c_out) * s.kh * s.kw;
    const double k_w = static_cast<double>(s.n) * s.h_out() * s.w_out();
    EXPECT_TRUE(all_close(got.y, ref.y, sum_atol(k_y), 1e-5f, "conv y" + tag(s)));
    EXPECT_TRUE(all_close(got.dx, ref.dx, sum_atol(k_x), 1e-5f, "conv dx" + tag(s)));
    EXPECT_TRUE(all_close(got.dw, ref.dw, sum_atol(k_w), 1e-4f, "conv dw" + tag(s)));
    EXPECT_TRUE(all_close(got.db, ref.db, sum_atol(k_w), 1e-4f, "conv db" + tag(s)));
  }
}

// Integers in [-2, 2]: every sum is an exactly representable integer. cuDNN may pick an FFT or Winograd
// algorithm whose transforms round, so "exact" allows 1e-2 — far below the ±1 an indexing bug produces.
void check_conv_exact() {
  GpuContext ctx;
  ConvPlanCache cache;
  for (const Conv2dShape& s : conv_shapes()) {
    if (s.n == 1000) continue;  // the small batches cover the indexing
    const auto x = random_ints(x_size(s), -2, 2, 51), w = random_ints(w_size(s), -2, 2, 52);
    const auto b = random_ints(static_cast<size_t>(s.c_out), -2, 2, 53), dy = random_ints(y_size(s), -2, 2, 54);
    const ConvResult ref = conv_cpu(s, x, w, b, dy), got = conv_gpu(ctx, cache, s, x, w, b, dy);
    EXPECT_TRUE(all_close(got.y, ref.y, 1e-2f, 0.0f, "exact conv y" + tag(s)));
    EXPECT_TRUE(all_close(got.dx, ref.dx, 1e-2f, 0.0f, "exact conv dx" + tag(s)));
    EXPECT_TRUE(all_close(got.dw, ref.dw, 1e-2f, 0.0f, "exact conv dw" + tag(s)));
    EXPECT_TRUE(all_close(got.db, ref.db, 1e-2f, 0.0f, "exact conv db" + tag(s)));
  }
}

void check_conv_plan_cache() {
  GpuContext ctx;
  ConvPlanCache cache;
  const Conv2dShape a{7, 1, 2, 13, 16, 2, 2}, b{8, 1, 2, 13, 16, 2, 2};
  cache.plan(ctx, a);
  cache.plan(ctx, a);
  EXPECT_EQ(cache.size(), 1u);
  cache.plan(ctx, b);
  EXPECT_EQ(cache.size(), 2u);
  ctx.set_tf32(true);  // the math mode is part of the key
  cache.plan(ctx, a);
  EXPECT_EQ(cache.size(), 3u);
  ctx.set_tf32(false);
  const size_t need = cache.workspace_bytes(ctx, a, true);
  ctx.workspace(need);
  EXPECT_GE(ctx.workspace_bytes(), need);
  ConvPlanCache moved(std::move(cache));
  EXPECT_EQ(moved.size(), 3u);
  moved.clear();
  EXPECT_EQ(moved.size(), 0u);
  // A deterministic, benchmarked cache also plans GENER's shapes.
  ConvPlanCache strict(ConvPlanOptions{true, true});
  const std::vector<float> x(x_size(a), 1.0f), w(w_size(a), 1.0f), bias(16, 0.0f), dy(y_size(a), 1.0f);
  const ConvResult r = conv_gpu(ctx, strict, a, x, w, bias, dy);
  // Benchmarked: the fastest algorithm may be FFT/Winograd, whose transforms round (see check_conv_exact).
  EXPECT_TRUE(all_close(r.y, std::vector<float>(y_size(a), 4.0f), 1e-4f, 0.0f, "all-ones 2x2 conv"));
  EXPECT_THROW(moved.plan(ctx, Conv2dShape{1, 1, 2, 2, 1, 3, 3}), Error);  // kernel larger than the input
}

struct DenseCase {
  int in, out;
};

// GENER's dense layers (MLP 536→128, 128→128, CNN flatten 8*533→32, head 160→2) and odd sizes.
std::vector<DenseCase> dense_cases() { return {{536, 128}, {128, 128}, {4264, 32}, {160, 2}, {13, 3}}; }

void check_dense(bool integers, bool with_bias) {
  GpuContext ctx;
  for (int B : {1, 7, 1000}) {
    for (const DenseCase& c : dense_cases()) {
      const size_t nx = static_cast<size_t>(B) * c.in, nw = static_cast<size_t>(c.out) * c.in;
      const size_t ny = static_cast<size_t>(B) * c.out;
      const auto x = integers ? random_ints(nx, -2, 2, 61) : random_uniform(nx, -1.0f, 1.0f, 61);
      const auto w = integers ? random_ints(nw, -2, 2, 62) : random_uniform(nw, -1.0f, 1.0f, 62);
      const auto b = integers ? random_ints(c.out, -2, 2, 63) : random_uniform(c.out, -1.0f, 1.0f, 63);
      const auto dy = integers ? random_ints(ny, -2, 2, 64) : random_uniform(ny, -1.0f, 1.0f, 64);
      std::vector<float> y(ny), dx(nx), dw(nw), db(c.out);
      dense_forward_cpu(B, c.in, c.out, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data());
      dense_backward_cpu(B, c.in, c.out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());

      DeviceBuffer<float> d_x(x, ctx.stream()), d_w(w, ctx.stream()), d_b(b, ctx.stream()), d_dy(dy, ctx.stream());
      DeviceBuffer<float> d_y(ny), d_dx(nx), d_dw(nw), d_db(c.out);
      for (DeviceBuffer<float>* o : {&d_y, &d_dx, &d_dw, &d_db}) o->poison(ctx.stream());
      dense_forward_cuda(ctx, B, c.in, c.out, d_x.get(), d_w.get(), with_bias ? d_b.get() : nullptr, d_y.get());
      dense_backward_cuda(ctx, B, c.in, c.out, d_x.get(), d_w.get(), d_dy.get(), d_dx.get(), d_dw.get(),
                          d_db.get());
      const std::string what = " B=" + std::to_string(B) + " in=" + std::to_string(c.in) +
                               " out=" + std::to_string(c.out) + (with_bias ? " bias" : " no bias");
      const float at_y = integers ? 0.0f : sum_atol(c.in), at_x = integers ? 0.0f : sum_atol(c.out);
      const float at_w = integers ? 0.0f : sum_atol(B), rt = integers ? 0.0f : 1e-5f;
      EXPECT_TRUE(all_close(d_y.download(ctx.stream()), y, at_y, rt, "dense y" + what));
      EXPECT_TRUE(all_close(d_dx.download(ctx.stream()), dx, at_x, rt, "dense dx" + what));
      EXPECT_TRUE(all_close(d_dw.download(ctx.stream()), dw, at_w, rt, "dense dw" + what));
      EXPECT_TRUE(all_close(d_db.download(ctx.stream()), db, at_w, rt, "dense db" + what));
    }
  }
}

// TF32 is an opt-in: results stay close to fp32 (10-bit mantissa inputs), and switching back restores fp32.
void check_dense_tf32() {
  GpuContext ctx(GpuContextOptions{0, true});
  const int B = 256, in = 536, out = 128;
  const auto x = random_uniform(static_cast<size_t>(B) * in, -1.0f, 1.0f, 71);
  const auto w = random_uniform(static_cast<size_t>(out) * in, -1.0f, 1.0f, 72);
  std::vector<float> y(static_cast<size_t>(B) * out);
  dense_forward_cpu(B, in, out, x.data(), w.data(), nullptr, y.data());
  DeviceBuffer<float> d_x(x, ctx.stream()), d_w(w, ctx.stream()), d_y(y.size());
  dense_forward_cuda(ctx, B, in, out, d_x.get(), d_w.get(), nullptr, d_y.get());
  EXPECT_TRUE(all_close(d_y.download(ctx.stream()), y, 5e-2f, 1e-2f, "dense y with TF32"));
  ctx.set_tf32(false);
  dense_forward_cuda(ctx, B, in, out, d_x.get(), d_w.get(), nullptr, d_y.get());
  EXPECT_TRUE(all_close(d_y.download(ctx.stream()), y, sum_atol(in), 1e-5f, "dense y after TF32 off"));
}

}  // namespace
}  // namespace gener::kernels
#endif  // GENER_HAVE_CUDA

namespace gener::kernels {
namespace {

TEST(CudaConv2d, MatchesCpuOnRandomFloats) { GENER_RUN_ON_CUDA(check_conv_random()); }
TEST(CudaConv2d, ExactOnSmallIntegers) { GENER_RUN_ON_CUDA(check_conv_exact()); }
TEST(CudaConv2d, PlanCacheKeysShapeAndMathMode) { GENER_RUN_ON_CUDA(check_conv_plan_cache()); }
TEST(CudaDense, ExactOnSmallIntegersWithBias) { GENER_RUN_ON_CUDA(check_dense(true, true)); }
TEST(CudaDense, ExactOnSmallIntegersWithoutBias) { GENER_RUN_ON_CUDA(check_dense(true, false)); }
TEST(CudaDense, MatchesCpuOnRandomFloats) { GENER_RUN_ON_CUDA(check_dense(false, true)); }
TEST(CudaDense, Tf32IsOptInAndSwitchesBack) { GENER_RUN_ON_CUDA(check_dense_tf32()); }

}  // namespace
}  // namespace gener::kernels
