// test_kernels_conv_chain.cpp — the position-major fp32 convolution (kernels/conv_chain_fp32.h) against conv2d's
// kernels: the same bits as the direct kernels (same FMA chain), within fp32 reordering of the im2col + sgemm path;
// channel-major and position-major inputs and outputs, the paper's conv1 → conv2 → conv3 chain, ragged widths,
// channel counts that are no multiple of 8, batch 1, 7 and 1000, stale bytes in the outputs; on AVX-512 and on AVX2
// (GENER_CPU_DISABLE=avx512f), which give the same bits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/conv2d_direct.h"
#include "kernels/conv_chain_fp32.h"
#include "kernels/cpu_features.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_uniform;

// conv2d_forward_cpu + ReLU: x (N, C_in, KH, W) → (N, C_out, W_out).
std::vector<float> reference(const Conv2dShape& s, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b) {
  std::vector<float> y(static_cast<size_t>(s.n) * s.c_out * s.w_out()), ws(conv2d_workspace_floats_cpu(s));
  conv2d_forward_cpu(s, x.data(), w.data(), b.data(), y.data(), ws.data());
  for (float& v : y) v = v > 0.f ? v : 0.f;
  return y;
}

// (N, C, W) → (N, W, Cs), zero past C.
std::vector<float> to_position_major(const std::vector<float>& x, int n, int c, int w) {
  const int cs = conv_chain_stride(c);
  std::vector<float> p(static_cast<size_t>(n) * w * cs, 0.f);
  for (int s = 0; s < n; ++s)
    for (int ch = 0; ch < c; ++ch)
      for (int q = 0; q < w; ++q)
        p[(static_cast<size_t>(s) * w + q) * cs + ch] = x[(static_cast<size_t>(s) * c + ch) * w + q];
  return p;
}

// Reference tolerance for the sgemm path (another summation order); the direct kernels must match exactly.
::testing::AssertionResult matches(const std::vector<float>& got, const std::vector<float>& ref, const std::string& what) {
  const bool exact = fp32_simd() != Fp32Simd::None;
  return all_close(got, ref, exact ? 0.f : 1e-5f, exact ? 0.f : 1e-5f, what);
}

struct Case {
  int n, c_in, kh, w, c_out, kw;
  const char* name;
};

// The instruction sets the chain runs on here: the widest, and AVX2 with AVX-512 hidden where the CPU has both.
std::vector<const char*> isas_here() {
  std::vector<const char*> off;
  if (fp32_simd() == Fp32Simd::None) return off;
  off.push_back("");
  if (fp32_simd() == Fp32Simd::Avx512) off.push_back("avx512f");
  return off;
}

TEST(ConvChainFp32, MatchesTheDirectKernelsOnEveryLayout) {
  if (fp32_simd() == Fp32Simd::None) GTEST_SKIP() << "this CPU lacks AVX2 + FMA (or it is disabled)";
  // Cs_out 16 with W_out >= 24 and Cs_out 32 with W_out >= 12 take the AVX-512 blocks (24 x 1 and 12 x 2 vectors,
  // the last block moved back over the one before; with 2 or 3 taps per row those that reuse each broadcast), a
  // channel-major Cs_out 8 the 24-position ymm block, or from 16 channels with 1 tap and W_out >= 48 the
  // position-pair block (conv3); the rest (Cs_out 24, 40, narrower outputs) the AVX2 kernel.
  const std::vector<Case> cases{
      {7, 1, 2, 536, 16, 2, "conv1, L = 536"},           {7, 16, 1, 535, 16, 3, "conv2"},
      {1, 16, 1, 533, 8, 1, "conv3, batch 1"},           {7, 5, 1, 17, 7, 2, "5 -> 7, width 17"},
      {3, 3, 1, 9, 20, 3, "3 -> 20 (Cs 24), width 9"},   {2, 9, 1, 4, 33, 2, "W_out 3"},
      {2, 2, 3, 30, 16, 4, "height 3, 4 taps"},          {3, 16, 1, 26, 16, 3, "Cs 16, W_out 24: one block"},
      {3, 16, 1, 25, 16, 3, "Cs 16, W_out 23: narrower than a block"},
      {2, 16, 1, 103, 32, 3, "Cs 32, W_out 101"},        {2, 24, 1, 14, 30, 3, "24 -> 30 (Cs 32), W_out 12"},
      {2, 24, 1, 13, 30, 3, "Cs 32, W_out 11"},          {1000, 32, 1, 40, 16, 2, "32 -> 16 (Cs_in 32), batch 1000"},
      {2, 32, 1, 60, 16, 3, "Cs_in 32 -> 16, 3 taps"},   {2, 3, 1, 40, 16, 2, "3 -> 16, 2 taps"},
      {3, 11, 1, 61, 5, 1, "11 -> 5, 1 tap, W_out 61"},  {2, 16, 1, 48, 8, 1, "16 -> 8, W_out 48: one pair block"},
      {2, 16, 1, 47, 8, 1, "16 -> 8, W_out 47"}};
  const char* outer = std::getenv("GENER_CPU_DISABLE");
  const std::string keep = outer ? outer : "";
  for (const char* off : isas_here()) {
    test::ScopedEnv env("GENER_CPU_DISABLE", *off ? off : (outer ? keep.c_str() : nullptr));  // "": as it was
    SCOPED_TRACE(std::string("GENER_CPU_DISABLE=") + off + " (" + fp32_simd_name(fp32_simd()) + ")");
    uint32_t seed = 900;
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      const Conv2dShape s{c.n, c.c_in, c.kh, c.w, c.c_out, c.kh, c.kw};
      const int wo = s.w_out(), cs = conv_chain_stride(c.c_out);
      const auto x = random_uniform(static_cast<size_t>(c.n) * c.c_in * c.kh * c.w, -1.f, 1.f, seed++);
      const auto w = random_uniform(static_cast<size_t>(c.c_out) * c.c_in * c.kh * c.kw, -0.5f, 0.5f, seed++);
      const auto b = random_uniform(c.c_out, -0.3f, 0.3f, seed++);
      const std::vector<float> ref = reference(s, x, w, b);
      const std::vector<float> ref_pm = to_position_major(ref, c.n, c.c_out, wo);
      std::vector<bool> inputs{false};
      if (c.kh == 1) inputs.push_back(true);
      for (bool in_pm : inputs) {
        const ConvChainWeights cw = conv_chain_pack(c.c_out, c.c_in, c.kh, c.kw, c.w, in_pm, w.data(), b.data());
        const std::vector<float> xin = in_pm ? to_position_major(x, c.n, c.c_in, c.w) : x;
        const std::string tag = in_pm ? "position-major input" : "channel-major input";
        std::vector<float> y_cm(static_cast<size_t>(c.n) * c.c_out * wo, -7.f);
        conv_chain_forward(cw, c.n, xin.data(), Activation::Relu, false, y_cm.data());
        EXPECT_TRUE(matches(y_cm, ref, tag + ", channel-major output"));
        ASSERT_EQ(conv_chain_out_floats(cw, c.n), static_cast<size_t>(c.n) * wo * cs);
        std::vector<float> y_pm(conv_chain_out_floats(cw, c.n), -7.f);
        conv_chain_forward(cw, c.n, xin.data(), Activation::Relu, true, y_pm.data());
        EXPECT_TRUE(matches(y_pm, ref_pm, tag + ", position-major output (padding channels zero)"));
      }
    }
  }
}

// The AVX-512 and AVX2 chains give the same bits, position-major and channel-major, on the paper's shapes and on
// the AVX-512 blocks' edge cases, with no ReLU (negative outputs kept) and inputs of both signs.
TEST(ConvChainFp32, Avx512AndAvx2GiveTheSameBits) {
  if (fp32_simd() != Fp32Simd::Avx512) GTEST_SKIP() << "this CPU lacks AVX-512F (or it is disabled)";
  uint32_t seed = 1200;
  for (const Case& c : {Case{3, 1, 2, 77, 16, 2, "conv1"}, Case{3, 16, 1, 76, 16, 3, "conv2"},
                        Case{3, 16, 1, 75, 8, 1, "conv3"}, Case{3, 32, 1, 37, 32, 3, "Cs 32 -> 32, W_out 35"},
                        Case{2, 32, 1, 30, 5, 2, "Cs_in 32 -> 5 (Cs 8), W_out 29"}}) {
    SCOPED_TRACE(c.name);
    const bool in_pm = c.kh == 1;
    const auto x = random_uniform(static_cast<size_t>(c.n) * c.c_in * c.kh * c.w, -1.f, 1.f, seed++);
    const auto w = random_uniform(static_cast<size_t>(c.c_out) * c.c_in * c.kh * c.kw, -0.5f, 0.5f, seed++);
    const auto b = random_uniform(c.c_out, -0.3f, 0.3f, seed++);
    const ConvChainWeights cw = conv_chain_pack(c.c_out, c.c_in, c.kh, c.kw, c.w, in_pm, w.data(), b.data());
    const std::vector<float> xin = in_pm ? to_position_major(x, c.n, c.c_in, c.w) : x;
    std::vector<float> y512(conv_chain_out_floats(cw, c.n), 5.f), y256(y512.size(), -5.f);
    conv_chain_forward(cw, c.n, xin.data(), Activation::None, true, y512.data());
    {
      test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
      conv_chain_forward(cw, c.n, xin.data(), Activation::None, true, y256.data());
    }
    EXPECT_TRUE(all_close(y512, y256, 0.f, 0.f, "AVX-512 against AVX2, position-major"));
    EXPECT_TRUE(std::any_of(y512.begin(), y512.end(), [](float v) { return v < 0.f; })) << "no ReLU: negatives kept";
    const size_t cm = static_cast<size_t>(c.n) * c.c_out * cw.w_out();
    std::vector<float> c512(cm, 5.f), c256(cm, -5.f);
    conv_chain_forward(cw, c.n, xin.data(), Activation::None, false, c512.data());
    {
      test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
      conv_chain_forward(cw, c.n, xin.data(), Activation::None, false, c256.data());
    }
    EXPECT_TRUE(all_close(c512, c256, 0.f, 0.f, "AVX-512 against AVX2, channel-major"));
  }
}

// The paper's CNN branch as a chain: conv1 (channel-major in) → conv2 → conv3 (channel-major out), against three
// reference convolutions with ReLU between them.
TEST(ConvChainFp32, PaperChainEqualsThreeConvolutions) {
  if (fp32_simd() == Fp32Simd::None) GTEST_SKIP() << "this CPU lacks AVX2 + FMA (or it is disabled)";
  const int n = 5, L = 300;
  const Conv2dShape s1{n, 1, 2, L, 16, 2, 2}, s2{n, 16, 1, L - 1, 16, 1, 3}, s3{n, 16, 1, L - 3, 8, 1, 1};
  std::vector<std::vector<float>> w, b;
  uint32_t seed = 950;
  for (const Conv2dShape& s : {s1, s2, s3}) {
    w.push_back(random_uniform(static_cast<size_t>(s.c_out) * s.c_in * s.kh * s.kw, -0.4f, 0.4f, seed++));
    b.push_back(random_uniform(s.c_out, -0.2f, 0.2f, seed++));
  }
  const auto x = random_uniform(static_cast<size_t>(n) * 2 * L, -2.f, 2.f, seed++);
  const std::vector<float> ref = reference(s3, reference(s2, reference(s1, x, w[0], b[0]), w[1], b[1]), w[2], b[2]);
  const ConvChainWeights c1 = conv_chain_pack(16, 1, 2, 2, L, false, w[0].data(), b[0].data());
  const ConvChainWeights c2 = conv_chain_pack(16, 16, 1, 3, L - 1, true, w[1].data(), b[1].data());
  const ConvChainWeights c3 = conv_chain_pack(8, 16, 1, 1, L - 3, true, w[2].data(), b[2].data());
  std::vector<float> a1(conv_chain_out_floats(c1, n), 3.f), a2(conv_chain_out_floats(c2, n), 3.f);
  std::vector<float> y(static_cast<size_t>(n) * 8 * (L - 3), 3.f);
  conv_chain_forward(c1, n, x.data(), Activation::Relu, true, a1.data());
  conv_chain_forward(c2, n, a1.data(), Activation::Relu, true, a2.data());
  conv_chain_forward(c3, n, a2.data(), Activation::Relu, false, y.data());
  EXPECT_TRUE(matches(y, ref, "conv1 -> conv2 -> conv3"));
  // The test can fail: one weight of conv2 moved changes the output.
  std::vector<float> w2 = w[1];
  w2[17] += 1e-3f;
  const ConvChainWeights c2b = conv_chain_pack(16, 16, 1, 3, L - 1, true, w2.data(), b[1].data());
  conv_chain_forward(c2b, n, a1.data(), Activation::Relu, true, a2.data());
  conv_chain_forward(c3, n, a2.data(), Activation::Relu, false, y.data());
  EXPECT_FALSE(all_close(y, ref, 0.f, 0.f, "a moved weight must change the chain's output"));
}

// conv1 → conv2 fused on AVX-512 gives the bits of the two chain convolutions one after the other: the paper's
// shapes at L = 536 and at widths whose last block overlaps the one before, or is the only one; other shapes do not
// fuse, nor does a CPU without AVX-512F (then the fused call throws).
TEST(ConvChainFp32, FusedConv1Conv2EqualsTheTwoConvolutions) {
  if (fp32_simd() != Fp32Simd::Avx512) GTEST_SKIP() << "this CPU lacks AVX-512F (or it is disabled)";
  uint32_t seed = 1300;
  for (const auto& [n, L, c1, c2] : {std::tuple{7, 536, 16, 16}, std::tuple{3, 27, 16, 16}, std::tuple{2, 40, 11, 16},
                                     std::tuple{1000, 30, 16, 13}}) {
    SCOPED_TRACE("batch " + std::to_string(n) + ", L = " + std::to_string(L) + ", " + std::to_string(c1) + " -> " +
                 std::to_string(c2) + " channels");
    const auto x = random_uniform(static_cast<size_t>(n) * 2 * L, -2.f, 2.f, seed++);
    const auto w1 = random_uniform(static_cast<size_t>(c1) * 4, -0.5f, 0.5f, seed++);
    const auto b1 = random_uniform(c1, -0.2f, 0.2f, seed++);
    const auto w2 = random_uniform(static_cast<size_t>(c2) * c1 * 3, -0.4f, 0.4f, seed++);
    const auto b2 = random_uniform(c2, -0.2f, 0.2f, seed++);
    const ConvChainWeights p1 = conv_chain_pack(c1, 1, 2, 2, L, false, w1.data(), b1.data());
    const ConvChainWeights p2 = conv_chain_pack(c2, c1, 1, 3, L - 1, true, w2.data(), b2.data());
    ASSERT_TRUE(conv_chain_fusable(p1, p2));
    std::vector<float> a1(conv_chain_out_floats(p1, n)), two(conv_chain_out_floats(p2, n), 1.f), one(two.size(), 2.f);
    conv_chain_forward(p1, n, x.data(), Activation::Relu, true, a1.data());
    conv_chain_forward(p2, n, a1.data(), Activation::None, true, two.data());
    conv_chain_forward_fused(p1, p2, n, x.data(), Activation::Relu, Activation::None, one.data());
    EXPECT_TRUE(all_close(one, two, 0.f, 0.f, "fused against one after the other"));
    EXPECT_TRUE(std::any_of(one.begin(), one.end(), [](float v) { return v < 0.f; })) << "no ReLU: negatives kept";
  }
  const std::vector<float> w(32 * 16 * 3, 0.1f), b(32, 0.f);  // room for the largest shape below (20 x 16 x 3)
  const ConvChainWeights p1 = conv_chain_pack(16, 1, 2, 2, 30, false, w.data(), b.data());
  EXPECT_FALSE(conv_chain_fusable(p1, conv_chain_pack(16, 16, 1, 3, 28, true, w.data(), b.data())))
      << "conv2's W_out 26 after a conv1 of W_out 29: widths differ";
  EXPECT_FALSE(conv_chain_fusable(p1, conv_chain_pack(20, 16, 1, 3, 29, true, w.data(), b.data()))) << "Cs_out 24";
  EXPECT_FALSE(conv_chain_fusable(p1, conv_chain_pack(16, 16, 1, 2, 29, true, w.data(), b.data()))) << "2 taps";
  const ConvChainWeights narrow = conv_chain_pack(16, 1, 2, 2, 26, false, w.data(), b.data());
  EXPECT_FALSE(conv_chain_fusable(narrow, conv_chain_pack(16, 16, 1, 3, 25, true, w.data(), b.data())))
      << "conv2's W_out 23 is narrower than a block";
  const ConvChainWeights p2 = conv_chain_pack(16, 16, 1, 3, 29, true, w.data(), b.data());
  ASSERT_TRUE(conv_chain_fusable(p1, p2));
  test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
  EXPECT_FALSE(conv_chain_fusable(p1, p2)) << "AVX-512F hidden";
  const std::vector<float> x(2 * 30, 1.f);
  std::vector<float> y(conv_chain_out_floats(p2, 1));
  test::expect_error(
      [&] { conv_chain_forward_fused(p1, p2, 1, x.data(), Activation::Relu, Activation::Relu, y.data()); },
      {"conv_chain_forward_fused", "AVX-512F"});
}

TEST(ConvChainFp32, RejectsBadShapes) {
  const std::vector<float> w(64, 0.f), b(8, 0.f);
  EXPECT_THROW(conv_chain_pack(8, 2, 2, 2, 10, true, w.data(), b.data()), Error);  // position-major with 2 rows
  EXPECT_THROW(conv_chain_pack(8, 2, 1, 5, 4, false, w.data(), b.data()), Error);  // kernel wider than the input
}

}  // namespace
}  // namespace gener::kernels
