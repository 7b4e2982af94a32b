// test_kernels_batchnorm.cpp — activation, batchnorm, dropout and the fused act → BN → dropout block on the CPU:
// properties, the running-statistics formula, dropout masks, gradients, and fused == composition of unfused ops.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/hash.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_away_from_zero;
using test::random_uniform;

std::string shape_tag(const BnShape& s) {
  return "(N=" + std::to_string(s.n) + ", C=" + std::to_string(s.c) + ", S=" + std::to_string(s.s) + ")";
}

// Per-channel mean and biased variance computed directly in double.
void channel_moments(const BnShape& s, const std::vector<float>& x, int c, double& mean, double& var) {
  double sum = 0.0, sq = 0.0;
  const double m = static_cast<double>(s.n) * s.s;
  for (int n = 0; n < s.n; ++n)
    for (int k = 0; k < s.s; ++k) sum += x[(static_cast<size_t>(n) * s.c + c) * s.s + k];
  mean = sum / m;
  for (int n = 0; n < s.n; ++n)
    for (int k = 0; k < s.s; ++k) {
      const double d = x[(static_cast<size_t>(n) * s.c + c) * s.s + k] - mean;
      sq += d * d;
    }
  var = sq / m;
}

// Channel c gets mean ~ 3c - 2 and spread ~ (c + 1), so per-channel indexing bugs show.
std::vector<float> shifted_input(const BnShape& s, uint32_t seed) {
  auto x = random_uniform(static_cast<size_t>(s.count()), -1.0f, 1.0f, seed);
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int k = 0; k < s.s; ++k) {
        float& v = x[(static_cast<size_t>(n) * s.c + c) * s.s + k];
        v = v * (c + 1) + 3.0f * c - 2.0f;
      }
  return x;
}

TEST(BatchnormCpu, TrainNormalizesEachChannel) {
  const float eps = 1e-3f;
  for (const BnShape& s : {BnShape{7, 3, 13}, BnShape{64, 5, 1}, BnShape{1, 4, 11}, BnShape{9, 130, 1}}) {
    const auto x = shifted_input(s, 11);
    std::vector<float> gamma(s.c, 1.0f), beta(s.c, 0.0f), y(x.size()), mean(s.c), invstd(s.c);
    batchnorm_forward_train_cpu(s, eps, 0.9f, x.data(), gamma.data(), beta.data(), nullptr, nullptr, y.data(),
                                mean.data(), invstd.data());
    for (int c = 0; c < s.c; ++c) {
      double xm, xv, ym, yv;
      channel_moments(s, x, c, xm, xv);
      channel_moments(s, y, c, ym, yv);
      EXPECT_NEAR(ym, 0.0, 1e-5) << shape_tag(s) << " channel " << c;
      EXPECT_NEAR(yv, xv / (xv + eps), 1e-4) << shape_tag(s) << " channel " << c;
      EXPECT_NEAR(mean[c], xm, 1e-5 * (1 + std::fabs(xm))) << shape_tag(s) << " channel " << c;
      EXPECT_NEAR(invstd[c], 1.0 / std::sqrt(xv + eps), 1e-5 / std::sqrt(xv + eps)) << shape_tag(s);
    }
  }
}

TEST(BatchnormCpu, GammaBetaScaleAndShift) {
  const BnShape s{7, 3, 5};
  const auto x = shifted_input(s, 12);
  const std::vector<float> gamma{2.0f, -0.5f, 1.5f}, beta{0.25f, -1.0f, 3.0f};
  std::vector<float> y(x.size()), m(s.c), is(s.c), ref(x.size());
  batchnorm_forward_train_cpu(s, 1e-3f, 0.9f, x.data(), gamma.data(), beta.data(), nullptr, nullptr, y.data(),
                              m.data(), is.data());
  for (int c = 0; c < s.c; ++c) {
    double xm, xv;
    channel_moments(s, x, c, xm, xv);
    for (int n = 0; n < s.n; ++n)
      for (int k = 0; k < s.s; ++k) {
        const size_t i = (static_cast<size_t>(n) * s.c + c) * s.s + k;
        ref[i] = static_cast<float>(gamma[c] * (x[i] - xm) / std::sqrt(xv + 1e-3) + beta[c]);
      }
  }
  EXPECT_TRUE(all_close(y, ref, 1e-5f, 1e-5f, "bn y with gamma/beta " + shape_tag(s)));
}

TEST(BatchnormCpu, RunningStatisticsFollowKerasMomentum) {
  const BnShape s{7, 4, 3};
  const float momentum = 0.9f;
  const auto x = shifted_input(s, 13);
  std::vector<float> gamma(s.c, 1.0f), beta(s.c, 0.0f), y(x.size()), m(s.c), is(s.c);
  std::vector<float> rmean{0.5f, -1.0f, 2.0f, 0.0f}, rvar{1.0f, 2.0f, 0.5f, 4.0f};
  const auto rmean0 = rmean, rvar0 = rvar;
  batchnorm_forward_train_cpu(s, 1e-3f, momentum, x.data(), gamma.data(), beta.data(), rmean.data(), rvar.data(),
                              y.data(), m.data(), is.data());
  for (int c = 0; c < s.c; ++c) {
    double xm, xv;
    channel_moments(s, x, c, xm, xv);
    EXPECT_NEAR(rmean[c], 0.9 * rmean0[c] + 0.1 * xm, 1e-5) << "running mean channel " << c;
    EXPECT_NEAR(rvar[c], 0.9 * rvar0[c] + 0.1 * xv, 1e-5) << "running var (biased batch var) channel " << c;
  }
}

TEST(BatchnormCpu, EvalUsesRunningStatistics) {
  uint32_t seed = 14;
  for (const BnShape& s : {BnShape{7, 3, 13}, BnShape{5, 130, 1}}) {
    const auto x = shifted_input(s, seed++);
    const auto gamma = random_uniform(s.c, -2.0f, 2.0f, seed++), beta = random_uniform(s.c, -1.0f, 1.0f, seed++);
    const auto rmean = random_uniform(s.c, -1.0f, 4.0f, seed++), rvar = random_uniform(s.c, 0.1f, 9.0f, seed++);
    std::vector<float> y(x.size()), ref(x.size());
    batchnorm_forward_eval_cpu(s, 1e-3f, x.data(), gamma.data(), beta.data(), rmean.data(), rvar.data(), y.data());
    for (size_t i = 0; i < x.size(); ++i) {
      const int c = static_cast<int>((i / s.s) % s.c);
      ref[i] = static_cast<float>(gamma[c] * (x[i] - rmean[c]) / std::sqrt(rvar[c] + 1e-3) + beta[c]);
    }
    EXPECT_TRUE(all_close(y, ref, 1e-5f, 1e-5f, "bn eval " + shape_tag(s)));
  }
}

TEST(BatchnormCpu, GradientMatchesFiniteDifferences) {
  uint32_t seed = 20;
  for (const BnShape& s : {BnShape{1, 3, 13}, BnShape{7, 4, 1}, BnShape{7, 3, 5}, BnShape{1, 2, 1}, BnShape{7, 67, 1}}) {
    auto x = random_uniform(static_cast<size_t>(s.count()), -1.0f, 1.0f, seed++);
    auto gamma = random_uniform(s.c, 0.5f, 1.5f, seed++);
    auto beta = random_uniform(s.c, -0.5f, 0.5f, seed++);
    const auto r = random_uniform(x.size(), -1.0f, 1.0f, seed++);
    std::vector<float> y(x.size()), m(s.c), is(s.c);
    auto loss = [&] {
      batchnorm_forward_train_cpu(s, 1e-3f, 0.9f, x.data(), gamma.data(), beta.data(), nullptr, nullptr, y.data(),
                                  m.data(), is.data());
      return test::weighted_sum(y.data(), r.data(), y.size());
    };
    loss();  // saved statistics for the unperturbed input
    std::vector<float> dx(x.size()), dgamma(s.c), dbeta(s.c);
    batchnorm_backward_cpu(s, x.data(), gamma.data(), m.data(), is.data(), r.data(), dx.data(), dgamma.data(),
                           dbeta.data());
    test::GradCheckOptions opt;
    opt.eps = 1e-3f;
    EXPECT_TRUE(test::check_gradient(loss, x.data(), x.size(), dx.data(), "bn dx " + shape_tag(s), opt));
    EXPECT_TRUE(test::check_gradient(loss, gamma.data(), gamma.size(), dgamma.data(), "bn dgamma " + shape_tag(s), opt));
    EXPECT_TRUE(test::check_gradient(loss, beta.data(), beta.size(), dbeta.data(), "bn dbeta " + shape_tag(s), opt));
  }
}

TEST(ActivationCpu, ReluAndIdentityForwardBackward) {
  const long long n = 37;
  auto x = random_away_from_zero(n, 0.05f, 2.0f, 30);
  const auto r = random_uniform(n, -1.0f, 1.0f, 31);
  for (Activation act : {Activation::Relu, Activation::None}) {
    const std::string tag = act == Activation::Relu ? "relu" : "identity";
    std::vector<float> y(n), ref(n);
    activation_forward_cpu(act, n, x.data(), y.data());
    for (long long i = 0; i < n; ++i) ref[i] = (act == Activation::Relu && x[i] < 0) ? 0.0f : x[i];
    EXPECT_TRUE(all_close(y, ref, 0.0f, 0.0f, tag + " forward"));
    auto loss = [&] {
      activation_forward_cpu(act, n, x.data(), y.data());
      return test::weighted_sum(y.data(), r.data(), n);
    };
    std::vector<float> dx(n);
    activation_backward_cpu(act, n, x.data(), r.data(), dx.data());
    EXPECT_TRUE(test::check_gradient(loss, x.data(), n, dx.data(), tag + " dx"));
  }
}

// ---- dropout ----

TEST(DropoutCpu, MaskIsAPureFunctionOfSeedStepIndex) {
  const long long n = 4099;
  const auto x = random_away_from_zero(n, 0.5f, 1.5f, 40);
  auto run = [&](uint64_t seed, uint64_t step) {
    std::vector<float> y(n);
    dropout_forward_cpu(n, 0.5f, seed, step, x.data(), y.data());
    return y;
  };
  const auto a = run(7, 3), b = run(7, 3), other_step = run(7, 4), other_seed = run(8, 3);
  EXPECT_TRUE(all_close(a, b, 0.0f, 0.0f, "same (seed, step) twice"));
  auto differing = [&](const std::vector<float>& u, const std::vector<float>& v) {
    long long d = 0;
    for (long long i = 0; i < n; ++i) d += (u[i] == 0.0f) != (v[i] == 0.0f);
    return d;
  };
  // Independent masks at rate 0.5 differ in about half the positions.
  EXPECT_GT(differing(a, other_step), n / 3) << "a different step must give a different mask";
  EXPECT_GT(differing(a, other_seed), n / 3) << "a different seed must give a different mask";
  // Element i is kept exactly when dropout_keep(seed, step, i, rate) says so, scaled by 1/(1 - rate).
  for (float rate : {0.5f, 0.1234567f, 0.3f, 0.9f}) {
    std::vector<float> y(n);
    dropout_forward_cpu(n, rate, 7, 3, x.data(), y.data());
    const float scale = 1.0f / (1.0f - rate);
    for (long long i = 0; i < n; ++i) {
      const float want = dropout_keep(7, 3, static_cast<uint64_t>(i), rate) ? x[i] * scale : 0.0f;
      ASSERT_EQ(y[i], want) << "index " << i << " rate " << rate;
    }
  }
}

TEST(DropoutCpu, KeepRateWithinBinomialBounds) {
  const long long n = 100000;
  const std::vector<float> ones(n, 1.0f);
  for (float rate : {0.1f, 0.5f, 0.9f}) {
    std::vector<float> y(n);
    dropout_forward_cpu(n, rate, 123, 9, ones.data(), y.data());
    long long kept = 0;
    for (float v : y) {
      if (v != 0.0f) {
        ++kept;
        ASSERT_NEAR(v, 1.0f / (1.0f - rate), 1e-6f) << "kept values are scaled by 1/(1-rate)";
      }
    }
    const double p = 1.0 - rate, mu = n * p, sd = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(static_cast<double>(kept), mu, 5 * sd) << "rate " << rate;
  }
}

TEST(DropoutCpu, RateZeroIsIdentityAndInPlaceWorks) {
  const long long n = 1001;
  const auto x = random_uniform(n, -1.0f, 1.0f, 41);
  std::vector<float> y(n, 9.0f), dx(n, 9.0f);
  dropout_forward_cpu(n, 0.0f, 1, 2, x.data(), y.data());
  EXPECT_TRUE(all_close(y, x, 0.0f, 0.0f, "dropout rate 0 forward"));
  dropout_backward_cpu(n, 0.0f, 1, 2, x.data(), dx.data());
  EXPECT_TRUE(all_close(dx, x, 0.0f, 0.0f, "dropout rate 0 backward"));
  std::vector<float> out(n), inplace = x;
  dropout_forward_cpu(n, 0.3f, 5, 6, x.data(), out.data());
  dropout_forward_cpu(n, 0.3f, 5, 6, inplace.data(), inplace.data());
  EXPECT_TRUE(all_close(inplace, out, 0.0f, 0.0f, "dropout in place"));
}

TEST(DropoutCpu, BackwardIsTheAdjoint) {
  // <dropout(x), r> == <x, dropout_backward(r)> for the same (seed, step).
  const long long n = 777;
  const auto x = random_uniform(n, -1.0f, 1.0f, 42), r = random_uniform(n, -1.0f, 1.0f, 43);
  std::vector<float> y(n), dx(n);
  dropout_forward_cpu(n, 0.4f, 17, 2, x.data(), y.data());
  dropout_backward_cpu(n, 0.4f, 17, 2, r.data(), dx.data());
  EXPECT_NEAR(test::weighted_sum(y.data(), r.data(), n), test::weighted_sum(x.data(), dx.data(), n), 1e-4);
}

TEST(DropoutCpu, RejectsRateOutsideUnitInterval) {
  std::vector<float> x(4, 1.0f), y(4);
  EXPECT_THROW(dropout_forward_cpu(4, 1.0f, 0, 0, x.data(), y.data()), gener::Error);
  EXPECT_THROW(dropout_forward_cpu(4, -0.1f, 0, 0, x.data(), y.data()), gener::Error);
}

// ---- fused block ----

TEST(ActBnDropoutCpu, FusedEqualsCompositionOfUnfusedOps) {
  for (const BnShape& s : {BnShape{7, 3, 13}, BnShape{64, 5, 1}, BnShape{1, 4, 11}, BnShape{9, 130, 1}}) {
    const long long n = s.count();
    BnDropoutParams p;
    p.seed = 99;
    p.step = 5;
    const auto x = random_uniform(n, -1.0f, 2.0f, 50);
    const auto gamma = random_uniform(s.c, 0.5f, 1.5f, 51), beta = random_uniform(s.c, -0.5f, 0.5f, 52);
    const auto dy = random_uniform(n, -1.0f, 1.0f, 53);
    // Composition, each step into its own buffer.
    std::vector<float> a(n), b(n), y_ref(n), rm_ref(s.c, 0.1f), rv_ref(s.c, 1.2f), m_ref(s.c), is_ref(s.c);
    activation_forward_cpu(Activation::Relu, n, x.data(), a.data());
    batchnorm_forward_train_cpu(s, p.eps, p.momentum, a.data(), gamma.data(), beta.data(), rm_ref.data(),
                                rv_ref.data(), b.data(), m_ref.data(), is_ref.data());
    dropout_forward_cpu(n, p.drop_rate, p.seed, p.step, b.data(), y_ref.data());
    std::vector<float> g1(n), g2(n), dx_ref(n), dgamma_ref(s.c), dbeta_ref(s.c);
    dropout_backward_cpu(n, p.drop_rate, p.seed, p.step, dy.data(), g1.data());
    batchnorm_backward_cpu(s, a.data(), gamma.data(), m_ref.data(), is_ref.data(), g1.data(), g2.data(),
                           dgamma_ref.data(), dbeta_ref.data());
    activation_backward_cpu(Activation::Relu, n, x.data(), g2.data(), dx_ref.data());
    // Fused.
    std::vector<float> y(n), rm(s.c, 0.1f), rv(s.c, 1.2f), m(s.c), is(s.c);
    act_bn_dropout_forward_train_cpu(s, p, Activation::Relu, x.data(), gamma.data(), beta.data(), rm.data(),
                                     rv.data(), y.data(), m.data(), is.data());
    std::vector<float> dx(n), dgamma(s.c), dbeta(s.c), scratch(n);
    act_bn_dropout_backward_cpu(s, p, Activation::Relu, x.data(), gamma.data(), m.data(), is.data(), dy.data(),
                                dx.data(), dgamma.data(), dbeta.data(), scratch.data());
    const std::string tag = " " + shape_tag(s);
    EXPECT_TRUE(all_close(y, y_ref, 1e-6f, 1e-6f, "fused y" + tag));
    EXPECT_TRUE(all_close(rm, rm_ref, 1e-6f, 1e-6f, "fused running mean" + tag));
    EXPECT_TRUE(all_close(rv, rv_ref, 1e-6f, 1e-6f, "fused running var" + tag));
    EXPECT_TRUE(all_close(m, m_ref, 1e-6f, 1e-6f, "fused save_mean" + tag));
    EXPECT_TRUE(all_close(is, is_ref, 1e-6f, 1e-6f, "fused save_invstd" + tag));
    EXPECT_TRUE(all_close(dx, dx_ref, 1e-6f, 1e-5f, "fused dx" + tag));
    EXPECT_TRUE(all_close(dgamma, dgamma_ref, 1e-6f, 1e-5f, "fused dgamma" + tag));
    EXPECT_TRUE(all_close(dbeta, dbeta_ref, 1e-6f, 1e-5f, "fused dbeta" + tag));
    // Eval: activation then batchnorm with running statistics, no dropout.
    std::vector<float> ye(n), ye_ref(n);
    act_bn_dropout_forward_eval_cpu(s, p.eps, Activation::Relu, x.data(), gamma.data(), beta.data(), rm.data(),
                                    rv.data(), ye.data());
    batchnorm_forward_eval_cpu(s, p.eps, a.data(), gamma.data(), beta.data(), rm.data(), rv.data(), ye_ref.data());
    EXPECT_TRUE(all_close(ye, ye_ref, 1e-6f, 1e-6f, "fused eval" + tag));
  }
}

// The training block's two CPU implementations: the composition of reference ops and the fused fast path
// (kernels/bn_train_fused_cpu.cpp), checked with the same finite differences.
struct BlockImpl {
  const char* name;
  decltype(&act_bn_dropout_forward_train_cpu) forward;
  void (*backward)(const BnShape&, const BnDropoutParams&, Activation, const float*, const float*, const float*,
                   const float*, const float*, float*, float*, float*, float*);
};
void fast_backward(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x, const float* gamma,
                   const float* m, const float* is, const float* dy, float* dx, float* dgamma, float* dbeta,
                   float* scratch) {
  act_bn_dropout_backward_fast_cpu(s, p, act, x, gamma, m, is, dy, dx, dgamma, dbeta, scratch);
}

TEST(ActBnDropoutCpu, GradientMatchesFiniteDifferences) {
  uint32_t seed = 60;
  const BlockImpl impls[] = {{"fused", act_bn_dropout_forward_train_cpu, act_bn_dropout_backward_cpu},
                             {"fast", act_bn_dropout_forward_train_fast_cpu, fast_backward}};
  for (const BlockImpl& impl : impls)
    for (const BnShape& s :
         {BnShape{7, 3, 13}, BnShape{7, 5, 1}, BnShape{1, 2, 11}, BnShape{5, 70, 1}, BnShape{4, 2, 33}}) {
      for (float rate : {0.0f, 0.5f}) {
        const long long n = s.count();
        BnDropoutParams p;
        p.drop_rate = rate;
        p.seed = 3;
        p.step = 11;
        auto x = random_away_from_zero(n, 0.1f, 1.0f, seed++);
        auto gamma = random_uniform(s.c, 0.5f, 1.5f, seed++), beta = random_uniform(s.c, -0.5f, 0.5f, seed++);
        const auto r = random_uniform(n, -1.0f, 1.0f, seed++);
        std::vector<float> y(n), rm(s.c, 0.0f), rv(s.c, 1.0f), m(s.c), is(s.c);
        auto loss = [&] {
          impl.forward(s, p, Activation::Relu, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), y.data(),
                       m.data(), is.data());
          return test::weighted_sum(y.data(), r.data(), n);
        };
        loss();
        std::vector<float> dx(n), dgamma(s.c), dbeta(s.c), scratch(n);
        impl.backward(s, p, Activation::Relu, x.data(), gamma.data(), m.data(), is.data(), r.data(), dx.data(),
                      dgamma.data(), dbeta.data(), scratch.data());
        const std::string tag = " " + shape_tag(s) + " rate " + std::to_string(rate);
        const std::string name = impl.name;
        test::GradCheckOptions opt;
        opt.eps = 1e-3f;
        EXPECT_TRUE(test::check_gradient(loss, x.data(), n, dx.data(), name + " dx" + tag, opt));
        EXPECT_TRUE(test::check_gradient(loss, gamma.data(), s.c, dgamma.data(), name + " dgamma" + tag, opt));
        EXPECT_TRUE(test::check_gradient(loss, beta.data(), s.c, dbeta.data(), name + " dbeta" + tag, opt));
      }
    }
}

}  // namespace
}  // namespace gener::kernels
