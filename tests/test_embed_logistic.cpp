// test_embed_logistic.cpp — the logistic regression: gradient by central differences, a non-separable case
// with a closed-form optimum, a separable case whose regularised optimum solves w = 2nC σ(-w), thread-count
// independence, and bad labels.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/embed/logistic.h"
#include "kernels/check.h"

using namespace gener::embed;

TEST(EmbedLogistic, GradientMatchesCentralDifferences) {
  const int n = 37, d = 5;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> x(n * d);
  for (float& v : x) v = normal(rng);
  std::vector<int8_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = static_cast<int8_t>((x[i * d] + 0.5 * normal(rng)) > 0);
  DenseRows rows(x.data(), n, d);
  std::vector<double> wb = {0.3, -0.2, 0.7, 0.1, -0.5, 0.25}, g(d + 1), g2(d + 1);
  logistic_objective(rows, y.data(), 0.7, wb.data(), g.data());
  for (int k = 0; k <= d; ++k) {
    const double h = 1e-6, keep = wb[k];
    wb[k] = keep + h;
    const double up = logistic_objective(rows, y.data(), 0.7, wb.data(), g2.data());
    wb[k] = keep - h;
    const double down = logistic_objective(rows, y.data(), 0.7, wb.data(), g2.data());
    wb[k] = keep;
    EXPECT_NEAR(g[k], (up - down) / (2 * h), 1e-6) << "coordinate " << k;
  }
}

TEST(EmbedLogistic, NonSeparableClosedForm) {
  // One binary feature. x = 0: 30 positives, 10 negatives; x = 1: 10 positives, 40 negatives. Without a
  // penalty the optimum is b = log(30/10), b + w = log(10/40); C = 1e6 makes the penalty negligible.
  std::vector<float> x;
  std::vector<int8_t> y;
  auto add = [&](float v, int8_t l, int count) {
    for (int i = 0; i < count; ++i) x.push_back(v), y.push_back(l);
  };
  add(0, 1, 30), add(0, 0, 10), add(1, 1, 10), add(1, 0, 40);
  LogisticOptions o;
  o.C = 1e6;
  o.tol = 1e-10;
  o.max_iter = 500;
  LogisticModel m = fit_logistic(DenseRows(x.data(), x.size(), 1), y.data(), o);
  EXPECT_NEAR(m.b, std::log(3.0), 1e-3);
  EXPECT_NEAR(m.b + m.w[0], std::log(0.25), 1e-3);
  std::vector<float> p = predict_logistic(m, DenseRows(x.data(), x.size(), 1));
  EXPECT_NEAR(p[0], 0.75, 1e-3);
  EXPECT_NEAR(p.back(), 0.2, 1e-3);
}

TEST(EmbedLogistic, SeparableRegularisedOptimum) {
  // x = +1 (label 1) and x = -1 (label 0), n = 5 each: b = 0 by symmetry and the stationarity condition is
  // -2n σ(-w) + w / C = 0. With C = 0.1: w = σ(-w), solved here by bisection.
  std::vector<float> x;
  std::vector<int8_t> y;
  for (int i = 0; i < 5; ++i) x.push_back(1), y.push_back(1), x.push_back(-1), y.push_back(0);
  double lo = 0, hi = 1;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    (mid - 1.0 / (1.0 + std::exp(mid)) > 0 ? hi : lo) = mid;
  }
  LogisticOptions o;
  o.C = 0.1;
  o.tol = 1e-10;
  LogisticModel m = fit_logistic(DenseRows(x.data(), x.size(), 1), y.data(), o);
  EXPECT_NEAR(m.w[0], 0.5 * (lo + hi), 1e-6);
  EXPECT_NEAR(m.b, 0.0, 1e-6);
  std::vector<float> p = predict_logistic(m, DenseRows(x.data(), x.size(), 1));
  for (size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i] > 0.5f, y[i] == 1) << i;
  // A weaker penalty separates harder.
  o.C = 10;
  EXPECT_GT(fit_logistic(DenseRows(x.data(), x.size(), 1), y.data(), o).w[0], 2.0);
}

TEST(EmbedLogistic, ObjectiveDoesNotDependOnThreadCount) {
  const int n = 10000, d = 7;
  std::mt19937 rng(9);
  std::normal_distribution<float> normal;
  std::vector<float> x(static_cast<size_t>(n) * d);
  for (float& v : x) v = normal(rng);
  std::vector<int8_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = static_cast<int8_t>(i % 3 == 0);
  std::vector<double> wb(d + 1, 0.1), g1(d + 1), g2(d + 1);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const double f1 = logistic_objective(DenseRows(x.data(), n, d), y.data(), 1.0, wb.data(), g1.data());
  omp_set_num_threads(2);
  const double f2 = logistic_objective(DenseRows(x.data(), n, d), y.data(), 1.0, wb.data(), g2.data());
  omp_set_num_threads(saved);
  EXPECT_EQ(f1, f2);
  EXPECT_EQ(g1, g2);
}

TEST(EmbedLogistic, RejectsBadInput) {
  std::vector<float> x = {1, 2};
  std::vector<int8_t> y = {1, 2};
  EXPECT_THROW(fit_logistic(DenseRows(x.data(), 2, 1), y.data(), LogisticOptions{}), gener::Error);
  EXPECT_THROW(fit_logistic(DenseRows(x.data(), 0, 1), y.data(), LogisticOptions{}), gener::Error);
  LogisticOptions bad;
  bad.C = 0;
  y = {1, 0};
  EXPECT_THROW(fit_logistic(DenseRows(x.data(), 2, 1), y.data(), bad), gener::Error);
}
