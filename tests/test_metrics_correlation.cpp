// test_metrics_correlation.cpp — the Pearson correlation baseline on hand vectors and against a naive two-pass formula.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/metrics/correlation.h"
#include "kernels/check.h"

namespace gm = gener::metrics;

namespace {

// Textbook two-pass Pearson r in double, straight from the definition.
double naive_pearson(const float* a, const float* b, int L) {
  double ma = 0, mb = 0;
  for (int i = 0; i < L; ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= L;
  mb /= L;
  double sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < L; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return (saa == 0 || sbb == 0) ? 0.0 : sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST(MetricsCorrelation, HandVectors) {
  // Genes (G = 6, L = 4):
  const std::vector<float> expr = {
      1, 2, 3, 4,  // 0
      2, 4, 6, 8,  // 1: 2 * gene 0           -> r(0,1) = +1
      4, 3, 2, 1,  // 2: reversed             -> r(0,2) = -1
      5, 5, 5, 5,  // 3: constant             -> r(0,3) = 0
      1, 0, 0, 1,  // 4: centred (.5,-.5,-.5,.5) . (-1.5,-.5,.5,1.5) = -.75+.25-.25+.75 = 0
      1, 3, 2, 4,  // 5: centred (-1.5,.5,-.5,1.5): dot with gene 0's = 2.25-.25-.25+2.25 = 4; norms^2 5, 5 -> 0.8
  };
  const std::vector<int32_t> pairs = {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 3, 3, 5, 0};
  const std::vector<float> r = gm::pearson_scores(expr.data(), 6, 4, pairs.data(), 7);
  ASSERT_EQ(r.size(), 7u);
  EXPECT_NEAR(r[0], 1.f, 1e-6f);
  EXPECT_NEAR(r[1], -1.f, 1e-6f);
  EXPECT_EQ(r[2], 0.f);
  EXPECT_NEAR(r[3], 0.f, 1e-7f);
  EXPECT_NEAR(r[4], 0.8f, 1e-6f);
  EXPECT_EQ(r[5], 0.f);           // constant with itself
  EXPECT_NEAR(r[6], 0.8f, 1e-6f);  // symmetric
}

TEST(MetricsCorrelation, AgreesWithNaiveOnRandomData) {
  // Awkward sizes: G = 53, L = 37 and L = 1 (every gene constant); a large offset tests the centring.
  for (int L : {37, 1}) {
    const int G = 53;
    std::mt19937 rng(99 + L);
    std::normal_distribution<float> nd(0.f, 1.f);
    std::vector<float> expr(static_cast<size_t>(G) * L);
    for (int g = 0; g < G; ++g)
      for (int i = 0; i < L; ++i) expr[static_cast<size_t>(g) * L + i] = (g % 5 == 0 ? 1000.f : 0.f) + nd(rng);
    std::uniform_int_distribution<int32_t> gi(0, G - 1);
    const size_t N = 1001;
    std::vector<int32_t> pairs(2 * N);
    for (int32_t& p : pairs) p = gi(rng);
    pairs[0] = pairs[1] = 7;  // a self pair: r = 1 (unless L = 1)
    const std::vector<float> r = gm::pearson_scores(expr.data(), G, L, pairs.data(), N);
    for (size_t p = 0; p < N; ++p) {
      const double ref = naive_pearson(&expr[static_cast<size_t>(pairs[2 * p]) * L],
                                       &expr[static_cast<size_t>(pairs[2 * p + 1]) * L], L);
      ASSERT_NEAR(r[p], ref, 1e-5) << "pair " << p << " L=" << L;
      ASSERT_GE(r[p], -1.f);
      ASSERT_LE(r[p], 1.f);
    }
    EXPECT_NEAR(r[0], L > 1 ? 1.f : 0.f, 1e-6f);
  }
}

TEST(MetricsCorrelation, ProbabilityMapIsMonotone) {
  EXPECT_EQ(gm::correlation_to_probability(-1.f), 0.f);
  EXPECT_EQ(gm::correlation_to_probability(0.f), 0.5f);
  EXPECT_EQ(gm::correlation_to_probability(1.f), 1.f);
  EXPECT_EQ(gm::correlation_to_probability(0.5f), 0.75f);
  const std::vector<float> p = gm::correlation_to_probability(std::vector<float>{-0.5f, 0.25f});
  EXPECT_EQ(p, (std::vector<float>{0.25f, 0.625f}));
}

TEST(MetricsCorrelation, Errors) {
  const std::vector<float> expr = {1, 2, 3, 4, 5, 6};
  const std::vector<int32_t> bad = {0, 1, 1, 3};
  try {
    gm::pearson_scores(expr.data(), 2, 3, bad.data(), 2);
    FAIL() << "expected an error for gene index 3";
  } catch (const gener::Error& e) {
    EXPECT_NE(std::string(e.what()).find("pair 1"), std::string::npos) << e.what();
  }
  const std::vector<float> nan_expr = {1, 2, NAN, 4, 5, 6};
  const std::vector<int32_t> ok = {0, 1};
  EXPECT_THROW(gm::pearson_scores(nan_expr.data(), 2, 3, ok.data(), 1), gener::Error);
  EXPECT_THROW(gm::pearson_scores(expr.data(), 2, 0, ok.data(), 1), gener::Error);
}
