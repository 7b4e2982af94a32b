// test_kernels_fused_cnn.cpp — the fused CNN-branch kernel's block program (kernels/cnn_branch_fused_impl.h), run
// on the CPU by emulation, against the layer-by-layer reference (pair gather, conv2d, activation, dense): the
// paper's shapes at L = 536 and widths that leave a partial last chunk or a single short one, other kernel widths
// and dense sizes, batches 1, 7 and 1000 (partial last block). Tolerance 1e-5 + 1e-5·|ref|: the same sums in
// another order. Shared memory starts as NaN in the emulation, so a read of anything unwritten fails.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/cnn_branch_fused.h"
#include "kernels/conv2d.h"
#include "kernels/dense.h"
#include "kernels/pair_features.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

constexpr int kGenes = 29;

struct Weights {
  std::vector<float> w1, b1, w2, b2, w3, b3, wf, bf;
  CnnBranchWeights view() const {
    return {w1.data(), b1.data(), w2.data(), b2.data(), w3.data(), b3.data(), wf.data(), bf.data()};
  }
};

Weights random_weights(const CnnBranchShape& s, uint32_t seed) {
  auto u = [&](size_t n, float a) { return test::random_uniform(n, -a, a, seed++); };
  Weights w;
  w.w1 = u(static_cast<size_t>(s.c1) * 2 * s.k1, 0.6f);
  w.b1 = u(s.c1, 0.2f);
  w.w2 = u(static_cast<size_t>(s.c2) * s.c1 * s.k2, 0.3f);
  w.b2 = u(s.c2, 0.2f);
  w.w3 = u(static_cast<size_t>(s.c3) * s.c2 * s.k3, 0.3f);
  w.b3 = u(s.c3, 0.2f);
  w.wf = u(static_cast<size_t>(s.f) * s.c3 * s.w3(), 0.1f);
  w.bf = u(s.f, 0.2f);
  return w;
}

// The composition of the reference ops: y (B, f).
std::vector<float> reference(const CnnBranchShape& s, Activation act, const std::vector<float>& expr,
                             const std::vector<int32_t>& pairs, const Weights& w) {
  const int B = static_cast<int>(pairs.size() / 2);
  std::vector<float> x(static_cast<size_t>(B) * 2 * s.L);
  pair_features_cpu(expr.data(), s.L, pairs.data(), B, x.data(), nullptr);
  auto conv = [&](const std::vector<float>& in, int c_in, int h, int w_in, int c_out, int kh, int kw,
                  const std::vector<float>& wt, const std::vector<float>& bias) {
    const Conv2dShape cs{B, c_in, h, w_in, c_out, kh, kw};
    std::vector<float> out(static_cast<size_t>(B) * c_out * cs.h_out() * cs.w_out());
    std::vector<float> ws(conv2d_workspace_floats_cpu(cs));
    conv2d_forward_cpu(cs, in.data(), wt.data(), bias.data(), out.data(), ws.data());
    activation_forward_cpu(act, static_cast<long long>(out.size()), out.data(), out.data());
    return out;
  };
  const std::vector<float> h1 = conv(x, 1, 2, s.L, s.c1, 2, s.k1, w.w1, w.b1);
  const std::vector<float> h2 = conv(h1, s.c1, 1, s.w1(), s.c2, 1, s.k2, w.w2, w.b2);
  const std::vector<float> h3 = conv(h2, s.c2, 1, s.w2(), s.c3, 1, s.k3, w.w3, w.b3);
  std::vector<float> y(static_cast<size_t>(B) * s.f);
  dense_forward_cpu(B, s.c3 * s.w3(), s.f, h3.data(), w.wf.data(), w.bf.data(), y.data());
  activation_forward_cpu(act, static_cast<long long>(y.size()), y.data(), y.data());
  return y;
}

void check(const CnnBranchShape& s, Activation act, const std::vector<int>& batches) {
  const Weights w = random_weights(s, 7);
  const std::vector<float> expr = test::random_uniform(static_cast<size_t>(kGenes) * s.L, -2.f, 2.f, 3);
  for (int B : batches) {
    SCOPED_TRACE("L " + std::to_string(s.L) + ", k " + std::to_string(s.k1) + "/" + std::to_string(s.k2) + "/" +
                 std::to_string(s.k3) + ", f " + std::to_string(s.f) + ", batch " + std::to_string(B));
    std::vector<int32_t> pairs;
    for (float v : test::random_ints(2 * static_cast<size_t>(B), 0, kGenes - 1, 11 + static_cast<uint32_t>(B)))
      pairs.push_back(static_cast<int32_t>(v));
    const std::vector<float> ref = reference(s, act, expr, pairs, w);
    std::vector<float> got(ref.size(), -7.f);
    cnn_branch_fused_emulated_cpu(s, act, expr.data(), pairs.data(), B, w.view(), got.data());
    EXPECT_TRUE(test::all_close(got, ref, 1e-5f, 1e-5f, "fused CNN branch vs layers"));
  }
}

CnnBranchShape shape(int L, int k1, int k2, int k3, int f) { return {L, 16, k1, 16, k2, 8, k3, f}; }

TEST(KernelsFusedCnn, PaperShapeL536MatchesLayers) { check(shape(536, 2, 3, 1, 32), Activation::Relu, {1, 7, 1000}); }
TEST(KernelsFusedCnn, PartialAndSingleChunksMatchLayers) {
  check(shape(40, 2, 3, 1, 32), Activation::Relu, {7, 9});   // W3 = 37: one full chunk and 5 positions
  check(shape(13, 2, 3, 1, 32), Activation::Relu, {1, 16});  // W3 = 10: one short chunk
  check(shape(36, 2, 3, 1, 32), Activation::None, {8});      // W3 = 33: a 1-position tail, no activation
}
TEST(KernelsFusedCnn, OtherKernelWidthsAndDenseSizes) {
  check(shape(50, 3, 2, 2, 16), Activation::Relu, {7});
  check(shape(70, 1, 5, 3, 64), Activation::Relu, {11});
  check(shape(24, 2, 3, 1, 1), Activation::Relu, {3});
}
TEST(KernelsFusedCnn, UnsupportedShapesAreNamed) {
  EXPECT_STRNE(cnn_branch_fused_unsupported({536, 8, 2, 16, 3, 8, 1, 32}), "");  // 8 conv1 channels
  EXPECT_STRNE(cnn_branch_fused_unsupported(shape(536, 2, 3, 1, 48)), "");      // 48 does not divide 256
  EXPECT_STRNE(cnn_branch_fused_unsupported(shape(3, 2, 3, 1, 32)), "");        // too short
  EXPECT_STREQ(cnn_branch_fused_unsupported(shape(536, 2, 3, 1, 32)), "");
}

}  // namespace
}  // namespace gener::kernels
