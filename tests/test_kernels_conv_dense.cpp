// test_kernels_conv_dense.cpp — conv2d and dense CPU kernels: exact small-integer tests against direct loops,
// and finite-difference gradient checks on awkward shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <omp.h>

#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/conv2d_direct.h"
#include "kernels/cpu_features.h"
#include "kernels/dense.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_ints;
using test::random_uniform;

struct ConvCase {
  Conv2dShape s;
  const char* name;
};

std::vector<ConvCase> conv_cases() {
  return {
      {{1, 1, 2, 11, 16, 2, 2}, "2x2 on height 2 (GENER conv1), batch 1"},
      {{7, 16, 1, 13, 16, 1, 3}, "1x3 (GENER conv2), batch 7"},
      {{7, 16, 1, 13, 8, 1, 1}, "1x1 (GENER conv3), batch 7"},
      {{3, 3, 5, 7, 5, 3, 2}, "3x2 general"},
      {{2, 2, 4, 6, 3, 4, 1}, "kernel height == input height 4"},
  };
}

// The paper's layer widths (the direct kernels' vectors of 16 with ragged tails, several blocks of channels and
// taps), a thin layer whose padded dy outgrows im2col, and batches split over threads: too wide for the
// finite-difference test, checked exactly on small integers.
std::vector<ConvCase> wide_conv_cases() {
  return {{{3, 1, 2, 536, 16, 2, 2}, "GENER conv1, L = 536"},
          {{5, 16, 1, 535, 16, 1, 3}, "GENER conv2"},
          {{4, 16, 1, 533, 8, 1, 1}, "GENER conv3"},
          {{9, 1, 1, 40, 16, 1, 3}, "1 -> 16 channels, 1x3, width 40"},
          {{2, 5, 1, 17, 7, 1, 2}, "5 -> 7 channels, 1x2, width 17"}};
}

// Both sets, for the exact tests.
std::vector<ConvCase> exact_conv_cases() {
  std::vector<ConvCase> v = conv_cases();
  for (const ConvCase& c : wide_conv_cases()) v.push_back(c);
  return v;
}

size_t x_size(const Conv2dShape& s) { return static_cast<size_t>(s.n) * s.c_in * s.h * s.w; }
size_t w_size(const Conv2dShape& s) { return static_cast<size_t>(s.c_out) * s.c_in * s.kh * s.kw; }
size_t y_size(const Conv2dShape& s) { return static_cast<size_t>(s.n) * s.c_out * s.h_out() * s.w_out(); }

// Direct 7-loop convolution: the definition, no im2col.
std::vector<float> naive_conv(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w,
                              const float* b) {
  const int ho = s.h_out(), wo = s.w_out();
  std::vector<float> y(y_size(s));  // (N, C_out, H_out, W_out)
  for (int n = 0; n < s.n; ++n)
    for (int co = 0; co < s.c_out; ++co)
      for (int oh = 0; oh < ho; ++oh)
        for (int ow = 0; ow < wo; ++ow) {
          double acc = b ? b[co] : 0.0;
          for (int ci = 0; ci < s.c_in; ++ci)
            for (int i = 0; i < s.kh; ++i)
              for (int j = 0; j < s.kw; ++j)
                acc += static_cast<double>(x[((n * s.c_in + ci) * s.h + oh + i) * s.w + ow + j]) *
                       w[((co * s.c_in + ci) * s.kh + i) * s.kw + j];
          y[((n * s.c_out + co) * ho + oh) * wo + ow] = static_cast<float>(acc);
        }
  return y;
}

// Direct backward: scatter each dy entry into dx, dw, db.
void naive_conv_backward(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w,
                         const std::vector<float>& dy, std::vector<float>& dx, std::vector<float>& dw,
                         std::vector<float>& db) {
  const int ho = s.h_out(), wo = s.w_out();
  dx.assign(x_size(s), 0.0f);
  dw.assign(w_size(s), 0.0f);
  db.assign(s.c_out, 0.0f);
  for (int n = 0; n < s.n; ++n)
    for (int co = 0; co < s.c_out; ++co)
      for (int oh = 0; oh < ho; ++oh)
        for (int ow = 0; ow < wo; ++ow) {
          const float g = dy[((n * s.c_out + co) * ho + oh) * wo + ow];
          db[co] += g;
          for (int ci = 0; ci < s.c_in; ++ci)
            for (int i = 0; i < s.kh; ++i)
              for (int j = 0; j < s.kw; ++j) {
                const size_t xi = ((n * s.c_in + ci) * s.h + oh + i) * s.w + ow + j;
                const size_t wi = ((co * s.c_in + ci) * s.kh + i) * s.kw + j;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
        }
}

TEST(Conv2dCpu, WorkspaceIsPerThreadIm2colAndWeightGradient) {
  const Conv2dShape s{64, 16, 1, 536, 16, 1, 3};
  // Per thread: im2col (larger than the direct backward's padded dy, 16 x (534 + 4)) and the dw accumulator.
  const size_t per_thread = static_cast<size_t>(16 * 3 * 534) + static_cast<size_t>(16 * 16 * 3);
  // The direct kernels' weights: forward [tap][channel], 48 taps x 16 channels (already a multiple of 8); and
  // the backward's flipped, transposed kernel, (16 channels x 3 taps) x 16 input rows.
  const size_t packed = static_cast<size_t>(16 * 3) * 16 + static_cast<size_t>(16 * 3) * 16;
  EXPECT_EQ(conv2d_workspace_floats_cpu(s), per_thread * static_cast<size_t>(omp_get_max_threads()) + packed);
  // One input channel, three taps: the padded dy (16 x (98 + 4)) outgrows im2col (3 x 98).
  const Conv2dShape t{2, 1, 1, 100, 16, 1, 3};
  EXPECT_EQ(conv2d_workspace_floats_cpu(t),
            (static_cast<size_t>(16 * 102) + 16 * 3) * static_cast<size_t>(omp_get_max_threads()) + 3 * 16 +
                static_cast<size_t>(16 * 3) * 8);
}

TEST(Conv2dCpu, ForwardExactSmallIntegers) {
  uint32_t seed = 1;
  for (const ConvCase& c : exact_conv_cases()) {
    const Conv2dShape& s = c.s;
    const auto x = random_ints(x_size(s), -2, 2, seed++);
    const auto w = random_ints(w_size(s), -2, 2, seed++);
    const auto b = random_ints(s.c_out, -2, 2, seed++);
    std::vector<float> ws(conv2d_workspace_floats_cpu(s));
    for (const float* bias : {b.data(), static_cast<const float*>(nullptr)}) {
      std::vector<float> y(y_size(s), -99.0f);
      conv2d_forward_cpu(s, x.data(), w.data(), bias, y.data(), ws.data());
      EXPECT_TRUE(all_close(y, naive_conv(s, x, w, bias), 0.0f, 0.0f,
                            std::string("conv y ") + c.name + (bias ? " with bias" : " no bias")));
    }
  }
}

TEST(Conv2dCpu, BackwardExactSmallIntegers) {
  uint32_t seed = 100;
  for (const ConvCase& c : exact_conv_cases()) {
    const Conv2dShape& s = c.s;
    const auto x = random_ints(x_size(s), -2, 2, seed++);
    const auto w = random_ints(w_size(s), -2, 2, seed++);
    const auto dy = random_ints(y_size(s), -2, 2, seed++);
    std::vector<float> ref_dx, ref_dw, ref_db;
    naive_conv_backward(s, x, w, dy, ref_dx, ref_dw, ref_db);
    std::vector<float> ws(conv2d_workspace_floats_cpu(s), 11.0f);
    // Garbage in the outputs and the workspace: outputs must be overwritten, not accumulated.
    std::vector<float> dx(x_size(s), 7.0f), dw(w_size(s), 7.0f), db(s.c_out, 7.0f);
    conv2d_backward_cpu(s, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(), ws.data());
    EXPECT_TRUE(all_close(dx, ref_dx, 0.0f, 0.0f, std::string("conv dx ") + c.name));
    EXPECT_TRUE(all_close(dw, ref_dw, 0.0f, 0.0f, std::string("conv dw ") + c.name));
    EXPECT_TRUE(all_close(db, ref_db, 0.0f, 0.0f, std::string("conv db ") + c.name));
    // dx == null (first layer) must leave dw and db unchanged.
    std::vector<float> dw2(w_size(s), -3.0f), db2(s.c_out, -3.0f);
    conv2d_backward_cpu(s, x.data(), w.data(), dy.data(), nullptr, dw2.data(), db2.data(), ws.data());
    EXPECT_TRUE(all_close(dw2, ref_dw, 0.0f, 0.0f, std::string("conv dw, dx null ") + c.name));
    EXPECT_TRUE(all_close(db2, ref_db, 0.0f, 0.0f, std::string("conv db, dx null ") + c.name));
  }
}

// The training forward's epilogue sums: y as conv2d_forward_cpu writes it, and per sample and channel the sum and
// sum of squares of act(y), against the same sums taken from y in double.
TEST(Conv2dCpu, ForwardStatsAreTheSumsOfTheOutput) {
  uint32_t seed = 600;
  const Conv2dShape shapes[] = {{3, 1, 2, 536, 16, 2, 2}, {5, 16, 1, 535, 16, 1, 3}, {4, 16, 1, 533, 8, 1, 1},
                                {2, 5, 1, 17, 7, 1, 2}};
  for (const Conv2dShape& s : shapes)
    for (Activation act : {Activation::Relu, Activation::None}) {
      const std::string tag = "C_in " + std::to_string(s.c_in) + " C_out " + std::to_string(s.c_out) + " W " +
                              std::to_string(s.w) + (act == Activation::Relu ? " relu" : " none");
      const auto x = random_uniform(x_size(s), -1.0f, 1.0f, seed++);
      const auto w = random_uniform(w_size(s), -0.5f, 0.5f, seed++);
      const auto b = random_uniform(s.c_out, -0.5f, 0.5f, seed++);
      std::vector<float> ws(conv2d_workspace_floats_cpu(s)), y(y_size(s)), y_ref(y_size(s));
      std::vector<double> st(2 * static_cast<size_t>(s.n) * s.c_out, -1.0);
      conv2d_forward_cpu(s, x.data(), w.data(), b.data(), y_ref.data(), ws.data());
      if (!conv2d_forward_stats_cpu(s, x.data(), w.data(), b.data(), y.data(), ws.data(), act, st.data())) {
        EXPECT_TRUE(all_close(y, y_ref, 0.0f, 0.0f, "conv y without stats " + tag));
        GTEST_SKIP() << "no direct convolution (AVX-512 or AVX2) runs on this CPU: no epilogue sums to check";
      }
      EXPECT_TRUE(all_close(y, y_ref, 0.0f, 0.0f, "conv y with stats " + tag));
      const int p = s.w_out();
      for (int n = 0; n < s.n; ++n)
        for (int c = 0; c < s.c_out; ++c) {
          double sum = 0, sq = 0;
          for (int t = 0; t < p; ++t) {
            float v = y_ref[(static_cast<size_t>(n) * s.c_out + c) * p + t];
            if (act == Activation::Relu) v = v > 0 ? v : 0;
            sum += v;
            sq += static_cast<double>(v) * v;
          }
          const size_t at = (static_cast<size_t>(n) * s.c_out + c) * 2;
          EXPECT_NEAR(st[at], sum, 1e-9 * (1 + std::abs(sum))) << tag << " sample " << n << " channel " << c;
          EXPECT_NEAR(st[at + 1], sq, 1e-9 * (1 + sq)) << tag << " sample " << n << " channel " << c;
        }
    }
}

// The direct kernels on each instruction set this CPU has (GENER_CPU_DISABLE hides the wider ones), on random floats at
// the paper's widths: AVX-512 and AVX2 compute each output as the same FMA chain, so y and dx are the same bits; both
// match the im2col + sgemm path within fp32 reordering; the epilogue sums agree to double rounding.
TEST(Conv2dCpu, DirectKernelsAgreeAcrossInstructionSets) {
  struct Isa {
    const char* off;
    Fp32Simd expect;
  };
  const Isa isas[] = {{"", Fp32Simd::Avx512}, {"avx512f", Fp32Simd::Avx2}, {"avx512f,avx2", Fp32Simd::None}};
  std::set<std::string> ran;
  uint32_t seed = 700;
  for (const ConvCase& c : wide_conv_cases()) {
    const Conv2dShape& s = c.s;
    const auto x = random_uniform(x_size(s), -1.0f, 1.0f, seed++);
    const auto w = random_uniform(w_size(s), -0.5f, 0.5f, seed++);
    const auto b = random_uniform(s.c_out, -0.5f, 0.5f, seed++);
    const auto dy = random_uniform(y_size(s), -1.0f, 1.0f, seed++);
    struct Out {
      std::vector<float> y, dx, dw;
      std::vector<double> st;
      bool have_stats = false;
    };
    std::vector<std::pair<Fp32Simd, Out>> outs;
    for (const Isa& isa : isas) {
      test::ScopedEnv env("GENER_CPU_DISABLE", isa.off);
      if (conv2d_direct_isa(s) != isa.expect) continue;  // this CPU lacks it
      Out o;
      std::vector<float> ws(conv2d_workspace_floats_cpu(s), 13.0f);
      o.y.assign(y_size(s), -99.0f);
      conv2d_forward_cpu(s, x.data(), w.data(), b.data(), o.y.data(), ws.data());
      std::vector<float> y2(y_size(s));
      o.st.assign(2 * static_cast<size_t>(s.n) * s.c_out, -1.0);
      o.have_stats = conv2d_forward_stats_cpu(s, x.data(), w.data(), b.data(), y2.data(), ws.data(), Activation::Relu,
                                              o.st.data());
      o.dx.assign(x_size(s), 7.0f);
      std::vector<float> db(s.c_out);
      o.dw.assign(w_size(s), 7.0f);
      conv2d_backward_cpu(s, x.data(), w.data(), dy.data(), o.dx.data(), o.dw.data(), db.data(), ws.data());
      outs.emplace_back(isa.expect, std::move(o));
      ran.insert(fp32_simd_name(isa.expect));
    }
    ASSERT_FALSE(outs.empty()) << c.name;
    const Out* sgemm = nullptr;
    const Out* avx512 = nullptr;
    const Out* avx2 = nullptr;
    for (const auto& [isa, o] : outs)
      (isa == Fp32Simd::None ? sgemm : isa == Fp32Simd::Avx512 ? avx512 : avx2) = &o;
    ASSERT_NE(sgemm, nullptr) << "the sgemm path runs everywhere";
    for (const Out* d : {avx512, avx2}) {
      if (!d) continue;
      const std::string tag = std::string(c.name) + (d == avx512 ? " AVX-512" : " AVX2");
      EXPECT_TRUE(all_close(d->y, sgemm->y, 1e-5f, 1e-5f, "conv y vs sgemm, " + tag));
      EXPECT_TRUE(all_close(d->dx, sgemm->dx, 1e-5f, 1e-5f, "conv dx vs sgemm, " + tag));
      // dw sums W_out products per sample: the AVX-512 direct kernel in another order than the sgemm
      EXPECT_TRUE(all_close(d->dw, sgemm->dw, 1e-4f, 1e-5f, "conv dw vs sgemm, " + tag));
      EXPECT_TRUE(d->have_stats) << tag;
    }
    if (avx512 && avx2) {
      EXPECT_EQ(avx512->y, avx2->y) << c.name;
      EXPECT_EQ(avx512->dx, avx2->dx) << c.name;
      ASSERT_EQ(avx512->st.size(), avx2->st.size());
      for (size_t i = 0; i < avx2->st.size(); ++i)
        EXPECT_NEAR(avx512->st[i], avx2->st[i], 1e-12 * (1 + std::abs(avx2->st[i]))) << c.name << " stat " << i;
    }
  }
  if (ran.size() < 3) {
    std::string have;
    for (const std::string& r : ran) have += (have.empty() ? "" : ", ") + r;
    std::cout << "[  NOTE    ] conv kernels compared on this CPU: " << have << " (the others are absent here)\n";
  }
}

TEST(Conv2dCpu, GradientMatchesFiniteDifferences) {
  uint32_t seed = 200;
  for (const ConvCase& c : conv_cases()) {
    const Conv2dShape& s = c.s;
    auto x = random_uniform(x_size(s), -1.0f, 1.0f, seed++);
    auto w = random_uniform(w_size(s), -0.5f, 0.5f, seed++);
    auto b = random_uniform(s.c_out, -0.5f, 0.5f, seed++);
    const auto r = random_uniform(y_size(s), -1.0f, 1.0f, seed++);  // loss = sum(y * r), so dL/dy = r
    std::vector<float> ws(conv2d_workspace_floats_cpu(s)), y(y_size(s));
    auto loss = [&] {
      conv2d_forward_cpu(s, x.data(), w.data(), b.data(), y.data(), ws.data());
      return test::weighted_sum(y.data(), r.data(), y.size());
    };
    std::vector<float> dx(x.size()), dw(w.size()), db(b.size());
    conv2d_backward_cpu(s, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data(), ws.data());
    EXPECT_TRUE(test::check_gradient(loss, x.data(), x.size(), dx.data(), std::string("conv dx ") + c.name));
    EXPECT_TRUE(test::check_gradient(loss, w.data(), w.size(), dw.data(), std::string("conv dw ") + c.name));
    EXPECT_TRUE(test::check_gradient(loss, b.data(), b.size(), db.data(), std::string("conv db ") + c.name));
  }
}

// ---- dense ----

std::vector<float> naive_dense(int B, int in, int out, const std::vector<float>& x, const std::vector<float>& w,
                               const float* b) {
  std::vector<float> y(static_cast<size_t>(B) * out);
  for (int r = 0; r < B; ++r)
    for (int o = 0; o < out; ++o) {
      double acc = b ? b[o] : 0.0;
      for (int k = 0; k < in; ++k) acc += static_cast<double>(x[r * in + k]) * w[o * in + k];
      y[r * out + o] = static_cast<float>(acc);
    }
  return y;
}

struct DenseCase {
  int B, in, out;
};

TEST(DenseCpu, ForwardAndBackwardExactSmallIntegers) {
  uint32_t seed = 300;
  for (const DenseCase& c : {DenseCase{1, 13, 5}, DenseCase{7, 11, 3}, DenseCase{7, 160, 2}, DenseCase{64, 33, 32}}) {
    const std::string tag = "B=" + std::to_string(c.B) + " in=" + std::to_string(c.in) + " out=" + std::to_string(c.out);
    const auto x = random_ints(static_cast<size_t>(c.B) * c.in, -2, 2, seed++);
    const auto w = random_ints(static_cast<size_t>(c.out) * c.in, -2, 2, seed++);
    const auto b = random_ints(c.out, -2, 2, seed++);
    const auto dy = random_ints(static_cast<size_t>(c.B) * c.out, -2, 2, seed++);
    for (const float* bias : {b.data(), static_cast<const float*>(nullptr)}) {
      std::vector<float> y(static_cast<size_t>(c.B) * c.out, -99.0f);
      dense_forward_cpu(c.B, c.in, c.out, x.data(), w.data(), bias, y.data());
      EXPECT_TRUE(all_close(y, naive_dense(c.B, c.in, c.out, x, w, bias), 0.0f, 0.0f, "dense y " + tag));
    }
    // Reference backward from the definitions: dx = dy·W, dW = dyᵀ·x, db = column sums.
    std::vector<float> rdx(x.size(), 0.0f), rdw(w.size(), 0.0f), rdb(c.out, 0.0f);
    for (int r = 0; r < c.B; ++r)
      for (int o = 0; o < c.out; ++o) {
        const float g = dy[r * c.out + o];
        rdb[o] += g;
        for (int k = 0; k < c.in; ++k) {
          rdx[r * c.in + k] += g * w[o * c.in + k];
          rdw[o * c.in + k] += g * x[r * c.in + k];
        }
      }
    std::vector<float> dx(x.size(), 5.0f), dw(w.size(), 5.0f), db(c.out, 5.0f);
    dense_backward_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
    EXPECT_TRUE(all_close(dx, rdx, 0.0f, 0.0f, "dense dx " + tag));
    EXPECT_TRUE(all_close(dw, rdw, 0.0f, 0.0f, "dense dw " + tag));
    EXPECT_TRUE(all_close(db, rdb, 0.0f, 0.0f, "dense db " + tag));
    std::vector<float> dw2(w.size(), 5.0f);
    dense_backward_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), nullptr, dw2.data(), nullptr);
    EXPECT_TRUE(all_close(dw2, rdw, 0.0f, 0.0f, "dense dw, dx and db null " + tag));
  }
}

TEST(DenseCpu, GradientMatchesFiniteDifferences) {
  uint32_t seed = 400;
  for (const DenseCase& c : {DenseCase{1, 13, 5}, DenseCase{7, 11, 3}}) {
    const std::string tag = "B=" + std::to_string(c.B) + " in=" + std::to_string(c.in) + " out=" + std::to_string(c.out);
    auto x = random_uniform(static_cast<size_t>(c.B) * c.in, -1.0f, 1.0f, seed++);
    auto w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.5f, 0.5f, seed++);
    auto b = random_uniform(c.out, -0.5f, 0.5f, seed++);
    const auto r = random_uniform(static_cast<size_t>(c.B) * c.out, -1.0f, 1.0f, seed++);
    std::vector<float> y(r.size());
    auto loss = [&] {
      dense_forward_cpu(c.B, c.in, c.out, x.data(), w.data(), b.data(), y.data());
      return test::weighted_sum(y.data(), r.data(), y.size());
    };
    std::vector<float> dx(x.size()), dw(w.size()), db(b.size());
    dense_backward_cpu(c.B, c.in, c.out, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data());
    EXPECT_TRUE(test::check_gradient(loss, x.data(), x.size(), dx.data(), "dense dx " + tag));
    EXPECT_TRUE(test::check_gradient(loss, w.data(), w.size(), dw.data(), "dense dw " + tag));
    EXPECT_TRUE(test::check_gradient(loss, b.data(), b.size(), db.data(), "dense db " + tag));
  }
}

// The AVX-512 fast path against the sgemm reference on awkward shapes (rows not a multiple of its 4-row blocks,
// columns not of its 48-column blocks, k tails under 16), within rounding; exactly the reference where
// GENER_CPU_DISABLE hides AVX-512; and the same bits whatever rows share its call (a row alone, or the batch).
TEST(DenseCpu, FastPathMatchesTheReference) {
  if (fp32_simd() != Fp32Simd::Avx512)
    GTEST_SKIP() << "no AVX-512 here: dense_*_fast_cpu is the reference itself (checked below with the override)";
  uint32_t seed = 500;
  for (const DenseCase& c : {DenseCase{1, 13, 5}, DenseCase{7, 11, 3}, DenseCase{7, 160, 2}, DenseCase{130, 536, 128},
                             DenseCase{33, 4264, 32}, DenseCase{5, 49, 97}, DenseCase{1000, 17, 1}}) {
    const std::string tag = "B=" + std::to_string(c.B) + " in=" + std::to_string(c.in) + " out=" + std::to_string(c.out);
    const auto x = random_uniform(static_cast<size_t>(c.B) * c.in, -1.0f, 1.0f, seed++);
    const auto w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.5f, 0.5f, seed++);
    const auto b = random_uniform(c.out, -0.5f, 0.5f, seed++);
    const auto dy = random_uniform(static_cast<size_t>(c.B) * c.out, -1.0f, 1.0f, seed++);
    const float tol = 2e-6f * std::sqrt(static_cast<float>(std::max(c.in, std::max(c.B, c.out))));
    std::vector<float> y(static_cast<size_t>(c.B) * c.out, -99.0f), ry(y.size());
    dense_forward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), b.data(), y.data());
    dense_forward_cpu(c.B, c.in, c.out, x.data(), w.data(), b.data(), ry.data());
    EXPECT_TRUE(all_close(y, ry, tol, tol, "fast dense y " + tag));
    std::vector<float> y1(c.out);  // the last row on its own
    dense_forward_fast_cpu(1, c.in, c.out, x.data() + static_cast<size_t>(c.B - 1) * c.in, w.data(), b.data(),
                           y1.data());
    EXPECT_TRUE(all_close(y1, std::vector<float>(y.end() - c.out, y.end()), 0.0f, 0.0f, "fast dense row alone " + tag));
    std::vector<float> dx(x.size(), 5.0f), dw(w.size(), 5.0f), db(c.out, 5.0f);
    std::vector<float> rdx(x.size()), rdw(w.size()), rdb(c.out);
    dense_backward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data());
    dense_backward_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), rdx.data(), rdw.data(), rdb.data());
    EXPECT_TRUE(all_close(dx, rdx, tol, tol, "fast dense dx " + tag));
    EXPECT_TRUE(all_close(dw, rdw, tol, tol, "fast dense dw " + tag));
    EXPECT_TRUE(all_close(db, rdb, 0.0f, 0.0f, "fast dense db " + tag));
    std::vector<float> dw2(w.size(), 5.0f);
    dense_backward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), nullptr, dw2.data(), nullptr);
    EXPECT_TRUE(all_close(dw2, dw, 0.0f, 0.0f, "fast dense dw, dx and db null " + tag));
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);  // one thread: the same bits
    std::vector<float> dw1(w.size()), y_one(y.size());
    dense_backward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), nullptr, dw1.data(), nullptr);
    dense_forward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), b.data(), y_one.data());
    omp_set_num_threads(threads);
    EXPECT_TRUE(all_close(dw1, dw, 0.0f, 0.0f, "fast dense dw on one thread " + tag));
    EXPECT_TRUE(all_close(y_one, y, 0.0f, 0.0f, "fast dense y on one thread " + tag));
  }
}

// dw accumulated over the batch's rows in parts (the training step's row blocks) against one call: bit for bit on
// AVX-512, within rounding on the reference; parts of 1 row, uneven parts, and the whole batch as one part.
TEST(DenseCpu, WeightGradientInPartsIsOneCall) {
  for (const bool portable : {false, true}) {
    test::ScopedEnv env("GENER_CPU_DISABLE", portable ? "avx512f" : nullptr);
    const bool exact = fp32_simd() == Fp32Simd::Avx512;
    for (const DenseCase c : {DenseCase{33, 4264, 32}, DenseCase{7, 17, 5}, DenseCase{1000, 13, 3}}) {
      const auto x = random_uniform(static_cast<size_t>(c.B) * c.in, -1.0f, 1.0f, 700);
      const auto w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.5f, 0.5f, 701);
      const auto dy = random_uniform(static_cast<size_t>(c.B) * c.out, -1.0f, 1.0f, 702);
      std::vector<float> dw(w.size()), parts(w.size());
      dense_backward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), nullptr, dw.data(), nullptr);
      for (int step : {1, 5, 16, c.B}) {
        std::fill(parts.begin(), parts.end(), 0.0f);
        for (int r0 = 0; r0 < c.B; r0 += step) {
          const int rows = std::min(step, c.B - r0);
          dense_dw_accumulate_fast_cpu(rows, c.in, c.out, x.data() + static_cast<size_t>(r0) * c.in,
                                       dy.data() + static_cast<size_t>(r0) * c.out, parts.data());
        }
        const std::string t = " (B=" + std::to_string(c.B) + ", in " + std::to_string(c.in) + ", out " +
                              std::to_string(c.out) + ", parts of " + std::to_string(step) +
                              (exact ? ", AVX-512)" : ", reference)");
        if (exact)
          EXPECT_TRUE(all_close(parts, dw, 0.0f, 0.0f, "dw in parts" + t));
        else
          EXPECT_TRUE(all_close(parts, dw, 1e-5f, 1e-4f, "dw in parts" + t));
      }
    }
  }
}

TEST(DenseCpu, FastPathFallsBackToTheReference) {
  test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
  ASSERT_NE(fp32_simd(), Fp32Simd::Avx512);
  const DenseCase c{9, 70, 33};
  const auto x = random_uniform(static_cast<size_t>(c.B) * c.in, -1.0f, 1.0f, 600);
  const auto w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.5f, 0.5f, 601);
  const auto dy = random_uniform(static_cast<size_t>(c.B) * c.out, -1.0f, 1.0f, 602);
  std::vector<float> y(static_cast<size_t>(c.B) * c.out), ry(y.size()), dx(x.size()), rdx(x.size()), dw(w.size()),
      rdw(w.size());
  dense_forward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), nullptr, y.data());
  dense_forward_cpu(c.B, c.in, c.out, x.data(), w.data(), nullptr, ry.data());
  dense_backward_fast_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), dx.data(), dw.data(), nullptr);
  dense_backward_cpu(c.B, c.in, c.out, x.data(), w.data(), dy.data(), rdx.data(), rdw.data(), nullptr);
  EXPECT_TRUE(all_close(y, ry, 0.0f, 0.0f, "fallback y"));
  EXPECT_TRUE(all_close(dx, rdx, 0.0f, 0.0f, "fallback dx"));
  EXPECT_TRUE(all_close(dw, rdw, 0.0f, 0.0f, "fallback dw"));
}

}  // namespace
}  // namespace gener::kernels
