// test_metrics.cpp — AUROC / AP (positive class and micro), MCC, accuracy, curves and errors against hand-computed values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/metrics/metrics.h"
#include "kernels/check.h"

namespace gm = gener::metrics;

namespace {

// Mann–Whitney form of the ROC area: P(score_pos > score_neg) + 0.5 P(tie). O(P·N), independent of the sweep.
double naive_auroc(const std::vector<double>& s, const std::vector<int>& y) {
  double wins = 0;
  long pairs = 0;
  for (size_t i = 0; i < s.size(); ++i)
    for (size_t j = 0; j < s.size(); ++j)
      if (y[i] == 1 && y[j] == 0) {
        wins += s[i] > s[j] ? 1.0 : s[i] == s[j] ? 0.5 : 0.0;
        ++pairs;
      }
  return wins / pairs;
}

// Average precision by definition: for every distinct threshold t (decreasing), count by a full scan.
double naive_ap(const std::vector<double>& s, const std::vector<int>& y) {
  std::vector<double> t = s;
  std::sort(t.begin(), t.end(), std::greater<double>());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  double p = 0;
  for (int v : y) p += v;
  double ap = 0, r_prev = 0;
  for (double thr : t) {
    double tp = 0, k = 0;
    for (size_t i = 0; i < s.size(); ++i)
      if (s[i] >= thr) {
        ++k;
        tp += y[i];
      }
    ap += (tp / p - r_prev) * (tp / k);
    r_prev = tp / p;
  }
  return ap;
}

std::vector<double> to_double(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// The flattened two-column problem: s with y, then 1 - s (exact, in double) with 1 - y.
void flatten(const std::vector<float>& s, const std::vector<int>& y, std::vector<double>* k, std::vector<int>* l) {
  for (size_t i = 0; i < s.size(); ++i) {
    k->push_back(s[i]);
    l->push_back(y[i]);
  }
  for (size_t i = 0; i < s.size(); ++i) {
    k->push_back(1.0 - static_cast<double>(s[i]));
    l->push_back(1 - y[i]);
  }
}

std::string error_of(const std::vector<float>& s, const std::vector<int>& y) {
  try {
    gm::compute_metrics(s, y);
  } catch (const gener::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Metrics, DistinctScoresPositiveClass) {
  // Sorted by score: 0.8(+) 0.4(-) 0.35(+) 0.1(-); P = N = 2.
  // AUROC: pos 0.8 beats both negatives (2), pos 0.35 beats 0.1 only (1) -> 3/4 = 0.75.
  // AP: thresholds 0.8: R .5 P 1; 0.4: R .5; 0.35: R 1 P 2/3; 0.1: R 1 -> .5*1 + .5*2/3 = 5/6.
  const gm::Metrics m = gm::compute_metrics({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1});
  EXPECT_NEAR(m.auroc, 0.75, 1e-12);
  EXPECT_NEAR(m.aupr, 5.0 / 6.0, 1e-12);
  EXPECT_EQ(m.n_pairs, 4);
  EXPECT_EQ(m.n_pos, 2);
  // Predictions s > 0.5: [0, 0, 0, 1] vs labels [0, 0, 1, 1] -> TP 1, TN 2, FP 0, FN 1; accuracy 3/4.
  // MCC = (1*2 - 0*1) / sqrt((1+0)(1+1)(2+0)(2+1)) = 2 / sqrt(12).
  EXPECT_NEAR(m.accuracy, 0.75, 1e-12);
  EXPECT_NEAR(m.mcc[1], 2.0 / std::sqrt(12.0), 1e-12);
  EXPECT_NEAR(m.mcc[0], 2.0 / std::sqrt(12.0), 1e-12);
}

TEST(Metrics, TiedScoresFormOneThreshold) {
  // Scores [0.5, 0.5, 0.5, 0.9], labels [0, 1, 1, 1]: P = 3, N = 1.
  // Thresholds: 0.9 -> tp 1 fp 0; 0.5 -> tp 3 fp 1. ROC (0,0) (0,1/3) (1,1): area = 1 * (1/3 + 1) / 2 = 2/3.
  // (Mann–Whitney: 0.9 beats 0.5 -> 1; the two tied 0.5 positives -> 0.5 each: 2/3.)
  // AP = (1/3)(1/1) + (2/3)(3/4) = 1/3 + 1/2 = 5/6. (A per-sample sweep would give a different value.)
  const gm::Metrics m = gm::compute_metrics({0.5f, 0.5f, 0.5f, 0.9f}, {0, 1, 1, 1});
  EXPECT_NEAR(m.auroc, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.aupr, 5.0 / 6.0, 1e-12);
  // The ROC curve has exactly the three points above (nothing collinear to drop).
  ASSERT_EQ(m.roc.x.size(), 3u);
  EXPECT_FLOAT_EQ(m.roc.x[1], 0.f);
  EXPECT_FLOAT_EQ(m.roc.y[1], 1.f / 3.f);
  EXPECT_FLOAT_EQ(m.roc.x[2], 1.f);
  EXPECT_FLOAT_EQ(m.roc.y[2], 1.f);
  // s == 0.5 predicts class 0 (argmax of [0.5, 0.5] is the first column): predictions [0,0,0,1].
  // Class 1: TP 1, TN 1, FP 0, FN 2 -> MCC = (1 - 0) / sqrt(1 * 3 * 1 * 3) = 1/3; accuracy 2/4.
  EXPECT_NEAR(m.mcc[1], 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.mcc[0], 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.accuracy, 0.5, 1e-12);
}

TEST(Metrics, MicroAverageWithCrossColumnTies) {
  // Dyadic scores so that 1 - s is exact and ties across the two columns are real ties.
  // s = [0.25, 0.75, 0.5, 1.0], y = [0, 1, 1, 0].
  // Flattened (key, label): s column (.25,0) (.75,1) (.5,1) (1,0); 1-s column (.75,1) (.25,0) (.5,0) (0,1).
  // Grouped, decreasing: 1.0:[0]  .75:[1,1]  .5:[1,0]  .25:[0,0]  0:[1]   (P = N = 4)
  // cumulative (tp, fp): (0,1) (2,1) (3,2) (3,4) (4,4)
  // 2*area = sum dfp * (tp + tp_prev) = 1*0 + 0 + 1*(3+2) + 2*(3+3) + 0 = 17 -> AUROC = 17 / 32 = 0.53125.
  // AP = (2/4)(2/3) + (1/4)(3/5) + (1/4)(4/8) = 1/3 + 0.15 + 0.125 = 0.608333...
  const std::vector<float> s = {0.25f, 0.75f, 0.5f, 1.0f};
  const std::vector<int> y = {0, 1, 1, 0};
  const gm::Metrics m = gm::compute_metrics(s, y);
  EXPECT_NEAR(m.auroc_micro, 17.0 / 32.0, 1e-12);
  EXPECT_NEAR(m.aupr_micro, 1.0 / 3.0 + 0.15 + 0.125, 1e-12);
  // Positive class alone: decreasing 1.0(-) .75(+) .5(+) .25(-).
  // AUROC: each positive beats only 0.25 -> 2/4 = 0.5.  AP = (1/2)(1/2) + (1/2)(2/3) = 7/12.
  EXPECT_NEAR(m.auroc, 0.5, 1e-12);
  EXPECT_NEAR(m.aupr, 7.0 / 12.0, 1e-12);
  // Predictions [0, 1, 0, 1] vs [0, 1, 1, 0]: TP 1 TN 1 FP 1 FN 1 -> MCC 0, accuracy 0.5.
  EXPECT_NEAR(m.mcc[1], 0.0, 1e-12);
  EXPECT_NEAR(m.accuracy, 0.5, 1e-12);
}

TEST(Metrics, MicroWithoutCrossTies) {
  // s = [0.1, 0.4, 0.35, 0.8], y = [0, 0, 1, 1]; flattened keys decreasing:
  // .9(+) .8(+) .65(-) .6(+) .4(-) .35(+) .2(-) .1(-)   (1 - s computed exactly: no key coincides)
  // AUROC: positives beat 4, 4, 3, 2 of the 4 negatives -> 13/16.
  // AP = .25*1 + .25*1 + .25*(3/4) + .25*(4/6) = 0.5 + 0.1875 + 1/6.
  const gm::Metrics m = gm::compute_metrics({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1});
  EXPECT_NEAR(m.auroc_micro, 13.0 / 16.0, 1e-12);
  EXPECT_NEAR(m.aupr_micro, 0.6875 + 1.0 / 6.0, 1e-12);
}

TEST(Metrics, PerfectAndReversedRanking) {
  const gm::Metrics p = gm::compute_metrics({0.125f, 0.25f, 0.75f, 0.875f}, {0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(p.auroc, 1.0);
  EXPECT_DOUBLE_EQ(p.aupr, 1.0);
  EXPECT_DOUBLE_EQ(p.auroc_micro, 1.0);
  EXPECT_DOUBLE_EQ(p.aupr_micro, 1.0);
  EXPECT_DOUBLE_EQ(p.mcc[0], 1.0);
  EXPECT_DOUBLE_EQ(p.mcc[1], 1.0);
  EXPECT_DOUBLE_EQ(p.accuracy, 1.0);
  // Reversed: s = [.875, .75, .25, .125], y = [0, 0, 1, 1]. AUROC 0.
  // AP: thresholds .875, .75 add no recall; .25: R 1/2 P 1/3; .125: R 1 P 2/4 -> 1/6 + 1/4 = 5/12.
  // Micro keys: .875:[0,0] .75:[0,0] .25:[1,1] .125:[1,1] -> AUROC 0; AP (2/4)(2/6) + (2/4)(4/8) = 5/12.
  // MCC: every prediction wrong (TP 0, TN 0, FP 2, FN 2) -> (0 - 4) / sqrt(2*2*2*2) = -1.
  const gm::Metrics r = gm::compute_metrics({0.875f, 0.75f, 0.25f, 0.125f}, {0, 0, 1, 1});
  EXPECT_DOUBLE_EQ(r.auroc, 0.0);
  EXPECT_NEAR(r.aupr, 5.0 / 12.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.auroc_micro, 0.0);
  EXPECT_NEAR(r.aupr_micro, 5.0 / 12.0, 1e-12);
  EXPECT_DOUBLE_EQ(r.mcc[1], -1.0);
  EXPECT_DOUBLE_EQ(r.mcc[0], -1.0);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.0);
}

TEST(Metrics, MccOnHandConfusionMatrix) {
  // 10 pairs built to give TP 4, FN 1 (the 0.5 counts as class 0), FP 2, TN 3.
  const std::vector<float> s = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.55f, 0.95f, 0.1f, 0.2f, 0.3f};
  const std::vector<int> y = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  // class 1: (4*3 - 2*1) / sqrt((4+2)(4+1)(3+2)(3+1)) = 10 / sqrt(600)
  // class 0: TP0 = 3, TN0 = 4, FP0 = 1, FN0 = 2: (3*4 - 1*2) / sqrt((3+1)(3+2)(4+2)(4+1)) = 10 / sqrt(600)
  const gm::Metrics m = gm::compute_metrics(s, y);
  EXPECT_NEAR(m.mcc[1], 10.0 / std::sqrt(600.0), 1e-12);
  EXPECT_NEAR(m.mcc[0], 10.0 / std::sqrt(600.0), 1e-12);
  EXPECT_NEAR(m.accuracy, 0.7, 1e-12);
  EXPECT_EQ(m.n_pos, 5);
  // MCC helper directly, including the undefined case (a zero margin) -> 0.
  EXPECT_NEAR(gm::matthews_corrcoef(4, 3, 2, 1), 10.0 / std::sqrt(600.0), 1e-12);
  EXPECT_DOUBLE_EQ(gm::matthews_corrcoef(5, 0, 5, 0), 0.0);
}

TEST(Metrics, AgreesWithNaiveDefinitionsOnRandomTiedData) {
  // Scores quantised to 20 levels (many ties), 7 and 301 samples; labels correlated with the score.
  for (size_t n : {7u, 301u}) {
    std::mt19937 rng(1234 + static_cast<unsigned>(n));
    std::uniform_int_distribution<int> level(0, 20);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<float> s(n);
    std::vector<int> y(n);
    for (size_t i = 0; i < n; ++i) {
      s[i] = static_cast<float>(level(rng)) / 20.f;
      y[i] = u(rng) < 0.3 + 0.4 * s[i] ? 1 : 0;
    }
    y[0] = 0;
    y[1] = 1;
    const gm::Metrics m = gm::compute_metrics(s, y);
    EXPECT_NEAR(m.auroc, naive_auroc(to_double(s), y), 1e-12) << "n=" << n;
    EXPECT_NEAR(m.aupr, naive_ap(to_double(s), y), 1e-12) << "n=" << n;
    std::vector<double> fk;
    std::vector<int> fy;
    flatten(s, y, &fk, &fy);
    EXPECT_NEAR(m.auroc_micro, naive_auroc(fk, fy), 1e-12) << "n=" << n;
    EXPECT_NEAR(m.aupr_micro, naive_ap(fk, fy), 1e-12) << "n=" << n;
    // The generic entry points over the materialised flattened data agree too.
    EXPECT_NEAR(gm::roc_auc_score(fk, fy), m.auroc_micro, 1e-12);
    EXPECT_NEAR(gm::average_precision_score(fk, fy), m.aupr_micro, 1e-12);
  }
}

TEST(Metrics, CurvesStartAndEndCorrectly) {
  const gm::Metrics m = gm::compute_metrics({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1});
  // ROC: (0,0) (0,.5) (.5,.5) (.5,1) (1,1), nothing collinear.
  const std::vector<float> rx = {0, 0, 0.5f, 0.5f, 1}, ry = {0, 0.5f, 0.5f, 1, 1};
  EXPECT_EQ(m.roc.x, rx);
  EXPECT_EQ(m.roc.y, ry);
  // PR: (0,1), then per threshold (R, P): (.5,1) (.5,.5) (1,2/3) (1,.5).
  ASSERT_EQ(m.pr.x.size(), 5u);
  EXPECT_FLOAT_EQ(m.pr.x[0], 0.f);
  EXPECT_FLOAT_EQ(m.pr.y[0], 1.f);
  EXPECT_FLOAT_EQ(m.pr.y[3], 2.f / 3.f);
  EXPECT_FLOAT_EQ(m.pr.x[4], 1.f);
  EXPECT_FLOAT_EQ(m.pr.y[4], 0.5f);
}

TEST(Metrics, ThinCurveKeepsEndsAndShape) {
  // A straight line of 5000 points collapses to its two ends.
  gm::Curve line;
  for (int i = 0; i < 5000; ++i) {
    line.x.push_back(i / 4999.f);
    line.y.push_back(i / 4999.f);
  }
  gm::Curve t = gm::thin_curve(line, 100);
  ASSERT_EQ(t.x.size(), 2u);
  EXPECT_EQ(t.x[1], 1.f);
  // A quarter circle of 10000 points: at most 2000 kept, ends kept, every kept point on the circle.
  gm::Curve arc;
  for (int i = 0; i < 10000; ++i) {
    const double a = 1.5707963267948966 * i / 9999;
    arc.x.push_back(static_cast<float>(1 - std::cos(a)));
    arc.y.push_back(static_cast<float>(std::sin(a)));
  }
  t = gm::thin_curve(arc, gm::kMaxCurvePoints);
  EXPECT_LE(t.x.size(), gm::kMaxCurvePoints);
  EXPECT_GE(t.x.size(), gm::kMaxCurvePoints - 10);
  EXPECT_EQ(t.x.front(), arc.x.front());
  EXPECT_EQ(t.y.back(), arc.y.back());
  // Consecutive kept points are close (the length is pi/2, so spacing ~ 8e-4 << 0.01).
  for (size_t i = 1; i < t.x.size(); ++i) EXPECT_LT(std::hypot(t.x[i] - t.x[i - 1], t.y[i] - t.y[i - 1]), 0.01);
}

TEST(Metrics, MillionPairsFastAndThinned) {
  const size_t n = 1000000;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> s(n);
  std::vector<int> y(n);
  for (size_t i = 0; i < n; ++i) {
    y[i] = i % 2;
    s[i] = std::min(1.f, 0.7f * u(rng) + 0.3f * y[i]);  // separable in part: AUROC well above 0.5
  }
  const gm::Metrics m = gm::compute_metrics(s, y);  // timing belongs in bench/, not in a test
  // Expected AUROC: s_pos = .7u+.3, s_neg = .7v; P(.7u + .3 > .7v) = P(v - u < 3/7) = 1 - (1 - 3/7)^2 / 2 = 0.836735
  EXPECT_NEAR(m.auroc, 1 - 0.5 * (4.0 / 7) * (4.0 / 7), 2e-3);
  for (const gm::Curve* c : {&m.roc, &m.pr, &m.roc_micro, &m.pr_micro}) {
    EXPECT_LE(c->x.size(), gm::kMaxCurvePoints);
    EXPECT_GE(c->x.size(), 100u);
  }
  EXPECT_EQ(m.roc.x.front(), 0.f);
  EXPECT_EQ(m.roc.y.back(), 1.f);
  EXPECT_EQ(m.roc_micro.x.back(), 1.f);
}

TEST(Metrics, JsonHasThePaperKeys) {
  const gm::Metrics m = gm::compute_metrics({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1});
  const nlohmann::json j = gm::metrics_to_json(m);
  for (const char* k : {"auroc_micro", "aupr_micro", "auroc", "aupr", "mcc", "accuracy", "n_pairs", "n_pos"})
    EXPECT_TRUE(j.contains(k)) << k;
  ASSERT_TRUE(j["mcc"].is_array());
  EXPECT_EQ(j["mcc"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["auroc"].get<double>(), 0.75);
  EXPECT_EQ(j["n_pairs"].get<int64_t>(), 4);
  EXPECT_EQ(j["n_pos"].get<int64_t>(), 2);
}

TEST(Metrics, Errors) {
  EXPECT_NE(error_of({}, {}).find("empty"), std::string::npos);
  EXPECT_NE(error_of({0.1f, 0.2f}, {0}).find("mismatch"), std::string::npos);
  EXPECT_NE(error_of({0.1f, 0.2f, NAN}, {0, 1, 1}).find("index 2"), std::string::npos);
  EXPECT_NE(error_of({0.1f, INFINITY}, {0, 1}).find("index 1"), std::string::npos);
  EXPECT_NE(error_of({0.1f, 1.5f}, {0, 1}).find("outside [0, 1]"), std::string::npos);
  EXPECT_NE(error_of({0.1f, 0.5f}, {0, 2}).find("label 2 at index 1"), std::string::npos);
  const std::string only1 = error_of({0.1f, 0.5f}, {1, 1});
  EXPECT_NE(only1.find("only class 1"), std::string::npos) << only1;
  const std::string only0 = error_of({0.1f, 0.5f, 0.7f}, {0, 0, 0});
  EXPECT_NE(only0.find("only class 0"), std::string::npos) << only0;
  EXPECT_THROW(gm::roc_auc_score({0.1, 0.2}, {1, 1}), gener::Error);
}
