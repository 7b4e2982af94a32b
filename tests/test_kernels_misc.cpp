// test_kernels_misc.cpp — softmax cross-entropy, concat/split, optimizers and the pair-feature gather on the CPU,
// plus checks that the shared comparison helper itself fails when it should.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/check.h"
#include "kernels/concat.h"
#include "kernels/optimizer.h"
#include "kernels/pair_features.h"
#include "kernels/softmax_xent.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_uniform;

TEST(TestUtil, AllCloseDetectsMismatchesAndNonFinite) {
  const std::vector<float> ref{1.0f, 2.0f, 3.0f};
  EXPECT_TRUE(all_close({1.0f, 2.001f, 3.0f}, ref, 1e-2f, 0.0f, "within atol"));
  EXPECT_TRUE(all_close({1.0f, 2.02f, 3.0f}, ref, 0.0f, 1e-2f, "within rtol"));
  const auto bad = all_close({1.0f, 2.5f, 3.0f}, ref, 1e-2f, 1e-2f, "mismatch");
  EXPECT_FALSE(bad);
  EXPECT_NE(std::string(bad.message()).find("[1]"), std::string::npos) << bad.message();
  EXPECT_FALSE(all_close({1.0f, std::nanf(""), 3.0f}, ref, 1e9f, 0.0f, "nan"));
  EXPECT_FALSE(all_close({1.0f, std::numeric_limits<float>::infinity(), 3.0f}, ref, 1e9f, 0.0f, "inf"));
  EXPECT_FALSE(all_close({1.0f, 2.0f}, ref, 1.0f, 0.0f, "size"));
}

TEST(TestUtil, GradientCheckerRejectsAWrongGradient) {
  std::vector<float> p{0.3f, -0.7f, 1.1f};
  auto loss = [&] { return 0.5 * (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]); };  // gradient = p
  EXPECT_TRUE(test::check_gradient(loss, p.data(), p.size(), p.data(), "correct"));
  const std::vector<float> wrong{0.3f, -0.7f, 1.3f};
  EXPECT_FALSE(test::check_gradient(loss, p.data(), p.size(), wrong.data(), "wrong"));
}

// ---- softmax cross-entropy ----

TEST(SoftmaxXentCpu, ProbabilitiesAndLossMatchDefinition) {
  for (int C : {2, 3, 7}) {
    const int B = 7;
    const auto z = random_uniform(static_cast<size_t>(B) * C, -4.0f, 4.0f, 70 + C);
    std::vector<int32_t> labels(B);
    for (int r = 0; r < B; ++r) labels[r] = (r * 5 + 1) % C;
    std::vector<float> p(z.size()), loss(B), ref_p(z.size()), ref_loss(B), p2(z.size());
    softmax_xent_cpu(B, C, z.data(), labels.data(), 1.0f, p.data(), loss.data(), nullptr);
    softmax_cpu(B, C, z.data(), p2.data());
    for (int r = 0; r < B; ++r) {
      double sum = 0.0;
      for (int k = 0; k < C; ++k) sum += std::exp(static_cast<double>(z[r * C + k]));
      for (int k = 0; k < C; ++k) ref_p[r * C + k] = static_cast<float>(std::exp(z[r * C + k]) / sum);
      ref_loss[r] = static_cast<float>(std::log(sum) - z[r * C + labels[r]]);
    }
    const std::string tag = " C=" + std::to_string(C);
    EXPECT_TRUE(all_close(p, ref_p, 1e-7f, 1e-5f, "probs" + tag));
    EXPECT_TRUE(all_close(p2, ref_p, 1e-7f, 1e-5f, "softmax_cpu probs" + tag));
    EXPECT_TRUE(all_close(loss, ref_loss, 1e-6f, 1e-5f, "losses" + tag));
  }
}

TEST(SoftmaxXentCpu, StableForHugeLogits) {
  const std::vector<float> z{1000.0f, 0.0f, -1000.0f, 1000.0f};  // (2, 2)
  const std::vector<int32_t> labels{1, 0};
  std::vector<float> p(4), loss(2), d(4);
  softmax_xent_cpu(2, 2, z.data(), labels.data(), 1.0f, p.data(), loss.data(), d.data());
  EXPECT_TRUE(all_close(p, {1.0f, 0.0f, 0.0f, 1.0f}, 1e-7f, 0.0f, "probs of huge logits"));
  for (float l : loss) {
    EXPECT_TRUE(std::isfinite(l));
    EXPECT_GT(l, 80.0f) << "a certain wrong answer costs about -log(FLT_MIN)";
  }
  EXPECT_TRUE(all_close(d, {1.0f, -1.0f, -1.0f, 1.0f}, 1e-7f, 0.0f, "dlogits of huge logits"));
}

TEST(SoftmaxXentCpu, GradientMatchesFiniteDifferences) {
  for (int B : {1, 7}) {
    for (int C : {2, 3}) {
      auto z = random_uniform(static_cast<size_t>(B) * C, -2.0f, 2.0f, 80 + B * 10 + C);
      std::vector<int32_t> labels(B);
      for (int r = 0; r < B; ++r) labels[r] = (r + 1) % C;
      const float scale = 1.0f / B;  // mean loss
      std::vector<float> p(z.size()), loss(B), d(z.size());
      auto mean_loss = [&] {
        softmax_xent_cpu(B, C, z.data(), labels.data(), scale, p.data(), loss.data(), nullptr);
        double acc = 0.0;
        for (float l : loss) acc += l;
        return acc * scale;
      };
      softmax_xent_cpu(B, C, z.data(), labels.data(), scale, p.data(), nullptr, d.data());
      test::GradCheckOptions opt;
      opt.eps = 1e-3f;
      EXPECT_TRUE(test::check_gradient(mean_loss, z.data(), z.size(), d.data(),
                                       "dlogits B=" + std::to_string(B) + " C=" + std::to_string(C), opt));
    }
  }
}

TEST(SoftmaxXentCpu, RejectsLabelOutOfRange) {
  const std::vector<float> z{0.0f, 1.0f, 2.0f, 3.0f};
  std::vector<float> p(4);
  for (int32_t bad : {2, -1}) {
    const std::vector<int32_t> labels{0, bad};
    try {
      softmax_xent_cpu(2, 2, z.data(), labels.data(), 1.0f, p.data(), nullptr, nullptr);
      ADD_FAILURE() << "label " << bad << " accepted";
    } catch (const gener::Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("softmax_xent_cpu.cpp"), std::string::npos) << e.what();
    }
  }
}

// ---- concat / split ----

TEST(ConcatCpu, ConcatPlacesBlocksAndSplitIsItsAdjoint) {
  for (int B : {1, 7}) {
    const int n1 = 13, n2 = 5;
    auto x1 = random_uniform(static_cast<size_t>(B) * n1, -1.0f, 1.0f, 90 + B);
    auto x2 = random_uniform(static_cast<size_t>(B) * n2, -1.0f, 1.0f, 91 + B);
    std::vector<float> y(static_cast<size_t>(B) * (n1 + n2)), ref(y.size());
    concat2_cpu(B, n1, n2, x1.data(), x2.data(), y.data());
    for (int r = 0; r < B; ++r) {
      for (int k = 0; k < n1; ++k) ref[r * (n1 + n2) + k] = x1[r * n1 + k];
      for (int k = 0; k < n2; ++k) ref[r * (n1 + n2) + n1 + k] = x2[r * n2 + k];
    }
    const std::string tag = " B=" + std::to_string(B);
    EXPECT_TRUE(all_close(y, ref, 0.0f, 0.0f, "concat" + tag));
    const auto r = random_uniform(y.size(), -1.0f, 1.0f, 92 + B);
    auto loss = [&] {
      concat2_cpu(B, n1, n2, x1.data(), x2.data(), y.data());
      return test::weighted_sum(y.data(), r.data(), y.size());
    };
    std::vector<float> d1(x1.size()), d2(x2.size());
    split2_cpu(B, n1, n2, r.data(), d1.data(), d2.data());
    EXPECT_TRUE(test::check_gradient(loss, x1.data(), x1.size(), d1.data(), "split dx1" + tag));
    EXPECT_TRUE(test::check_gradient(loss, x2.data(), x2.size(), d2.data(), "split dx2" + tag));
    std::vector<float> only2(x2.size());
    split2_cpu(B, n1, n2, r.data(), nullptr, only2.data());
    EXPECT_TRUE(all_close(only2, d2, 0.0f, 0.0f, "split with dx1 null" + tag));
  }
}

// ---- optimizers (expected values derived by hand from the update rules) ----

TEST(OptimizerCpu, SgdPlainAndMomentumOneStep) {
  std::vector<float> w{1.0f, -2.0f, 0.5f};
  const std::vector<float> g{0.5f, -1.0f, 0.0f};
  sgd_update_cpu(3, 0.1f, 0.0f, w.data(), g.data(), nullptr);  // w - 0.1 g
  EXPECT_TRUE(all_close(w, {0.95f, -1.9f, 0.5f}, 1e-7f, 1e-6f, "sgd plain"));
  std::vector<float> v{0.2f, 0.0f, -1.0f};
  sgd_update_cpu(3, 0.1f, 0.9f, w.data(), g.data(), v.data());
  // v = 0.9 v + g = {0.68, -1.0, -0.9}; w -= 0.1 v
  EXPECT_TRUE(all_close(v, {0.68f, -1.0f, -0.9f}, 1e-7f, 1e-6f, "sgd velocity"));
  EXPECT_TRUE(all_close(w, {0.882f, -1.8f, 0.59f}, 1e-7f, 1e-6f, "sgd momentum weights"));
  EXPECT_THROW(sgd_update_cpu(3, 0.1f, 0.9f, w.data(), g.data(), nullptr), gener::Error);
}

TEST(OptimizerCpu, AdamTwoStepsWithBiasCorrection) {
  const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  std::vector<float> w{1.0f}, m{0.0f}, v{0.0f};
  const std::vector<float> g1{0.5f}, g2{-0.3f};
  // Step 1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25 → w = 1 - 0.01 * 0.5 / 0.5 = 0.99.
  adam_update_cpu(1, lr, b1, b2, eps, 1, w.data(), g1.data(), m.data(), v.data());
  EXPECT_NEAR(m[0], 0.05, 1e-7);  // float (1 - beta) carries ~1e-5 relative error
  EXPECT_NEAR(v[0], 0.00025, 0.00025 * 5e-5);
  EXPECT_NEAR(w[0], 0.99, 1e-6);
  // Step 2: m = 0.045 - 0.03 = 0.015; v = 0.00024975 + 0.00009 = 0.00033975;
  // m_hat = 0.015 / 0.19 = 0.078947368; v_hat = 0.00033975 / 0.001999 = 0.169959980; sqrt = 0.412261;
  // w = 0.99 - 0.01 * 0.078947368 / 0.412261 = 0.988085.
  adam_update_cpu(1, lr, b1, b2, eps, 2, w.data(), g2.data(), m.data(), v.data());
  EXPECT_NEAR(m[0], 0.015, 1e-7);
  EXPECT_NEAR(v[0], 0.00033975, 0.00033975 * 5e-5);
  EXPECT_NEAR(w[0], 0.988085, 2e-6);
  EXPECT_THROW(adam_update_cpu(1, lr, b1, b2, eps, 0, w.data(), g2.data(), m.data(), v.data()), gener::Error);
}

// ---- pair features ----

TEST(PairFeaturesCpu, TinyHandExample) {
  const int L = 4;
  const std::vector<float> expr{1, 2, 3, 4,  //
                                5, 6, 7, 8,  //
                                -1, 0, 2, 0.5f};  // (G=3, L=4)
  const std::vector<int32_t> pairs{0, 2, 1, 1, 2, 0};  // (B=3, 2)
  std::vector<float> cnn(3 * 2 * L, -9.0f), mlp(3 * L, -9.0f);
  pair_features_cpu(expr.data(), L, pairs.data(), 3, cnn.data(), mlp.data());
  EXPECT_TRUE(all_close(cnn, {1, 2, 3, 4, -1, 0, 2, 0.5f,  //
                              5, 6, 7, 8, 5, 6, 7, 8,      //
                              -1, 0, 2, 0.5f, 1, 2, 3, 4},
                        0.0f, 0.0f, "x_cnn (3, 1, 2, 4)"));
  EXPECT_TRUE(all_close(mlp, {-1, 0, 6, 2, 25, 36, 49, 64, -1, 0, 6, 2}, 0.0f, 0.0f, "x_mlp (3, 4)"));
  std::vector<float> mlp_only(3 * L);
  pair_features_cpu(expr.data(), L, pairs.data(), 3, nullptr, mlp_only.data());
  EXPECT_TRUE(all_close(mlp_only, mlp, 0.0f, 0.0f, "x_mlp with x_cnn null"));
  const std::vector<int32_t> bad{0, 1, -4, 2};
  EXPECT_THROW(pair_features_cpu(expr.data(), L, bad.data(), 2, cnn.data(), nullptr), gener::Error);
}

}  // namespace
}  // namespace gener::kernels
