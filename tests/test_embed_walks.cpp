// test_embed_walks.cpp — alias tables and node2vec walks: exact table probabilities, chi-square bounds on
// sampled frequencies (seeded), p = q = 1 uniform, small p raising the return frequency as the formula says.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <map>
#include <vector>

#include "engine/embed/alias.h"
#include "engine/embed/walks.h"
#include "kernels/check.h"
#include "tests/test_embed_util.h"

using namespace gener::embed;
using gener::embedtest::graph_of;

namespace {

// Distribution an alias table encodes: P(j) = (prob[j] + Σ_{i: alias[i] = j} (1 - prob[i])) / n.
std::vector<double> implied(const float* prob, const int32_t* alias, int n) {
  std::vector<double> p(static_cast<size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) {
    p[i] += prob[i] / static_cast<double>(n);
    p[alias[i]] += (1.0 - prob[i]) / n;
  }
  return p;
}

// Pearson chi-square statistic of counts against expected probabilities.
double chi_square(const std::vector<double>& counts, const std::vector<double>& prob) {
  double total = 0, x2 = 0;
  for (double c : counts) total += c;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double e = total * prob[i];
    x2 += (counts[i] - e) * (counts[i] - e) / e;
  }
  return x2;
}

// 99.9% quantiles of chi-square with df degrees of freedom.
double chi2_999(int df) {
  static const double q[] = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};
  return q[df];
}

// The test graph: t = 0, v = 1. N(1) = {0, 2, 3, 4, 5}; 2 and 3 are adjacent to 0, 4 and 5 are not.
gener::data::TrainingGraph fan() { return graph_of(7, {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {1, 4}, {1, 5}}); }

// Next-node frequencies after the arc 0 -> 1 over all walks (index = position of the next node in N(1)).
std::vector<double> next_after_arc01(const Walks& w) {
  std::map<int, int> slot = {{0, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}};
  std::vector<double> c(5, 0.0);
  for (size_t i = 0; i < w.count(); ++i) {
    const int32_t* s = w.walk(i);
    for (int k = 0; k + 2 < w.len[i]; ++k)
      if (s[k] == 0 && s[k + 1] == 1) c[slot.at(s[k + 2])] += 1;
  }
  return c;
}

std::vector<double> expected_after_arc01(double p, double q) {
  std::vector<double> w = {1 / p, 1, 1, 1 / q, 1 / q};
  double s = 0;
  for (double x : w) s += x;
  for (double& x : w) x /= s;
  return w;
}

}  // namespace

TEST(EmbedAlias, TableEncodesTheWeightsExactly) {
  const std::vector<double> w = {0.5, 3.0, 0.0, 1.5, 7.0, 0.25, 2.75};
  AliasTable t(w);
  std::vector<double> p = implied(t.prob.data(), t.alias.data(), t.size());
  double s = 0;
  for (double x : w) s += x;
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(p[i], w[i] / s, 1e-6) << i;
}

TEST(EmbedAlias, DrawsFollowTheWeights) {
  const std::vector<double> w = {1, 2, 3, 4, 5, 6};
  AliasTable t(w);
  Rng rng(42);
  std::vector<double> counts(w.size(), 0.0);
  for (int i = 0; i < 60000; ++i) counts[t.draw(rng)] += 1;
  std::vector<double> prob;
  for (double x : w) prob.push_back(x / 21.0);
  EXPECT_LT(chi_square(counts, prob), chi2_999(5));
}

TEST(EmbedAlias, RejectsBadWeights) {
  EXPECT_THROW(AliasTable(std::vector<double>{0, 0}), gener::Error);
  EXPECT_THROW(AliasTable(std::vector<double>{1, -1}), gener::Error);
  EXPECT_THROW(AliasTable(std::vector<double>{}), gener::Error);
}

TEST(EmbedWalks, TransitionTablesMatchTheFormula) {
  auto g = fan();
  const double p = 0.25, q = 2.0;
  TransitionTables t = build_transition_tables(g, p, q);
  const int64_t arc01 = g.offsets[0];  // N(0) = {1, 2, 3}: the first arc of row 0 is 0 -> 1
  ASSERT_EQ(g.neighbors[arc01], 1);
  const int d = g.degree(1);
  std::vector<double> got = implied(t.prob.data() + t.start[arc01], t.alias.data() + t.start[arc01], d);
  std::vector<double> want = expected_after_arc01(p, q);
  for (int j = 0; j < d; ++j) EXPECT_NEAR(got[j], want[j], 1e-6) << j;
}

TEST(EmbedWalks, UniformWhenPAndQAreOne) {
  // p = q = 1: after 0 -> 1 every neighbour of 1 is equally likely, with or without the tables.
  for (bool force : {false, true}) {
    WalkOptions o;
    o.walk_length = 3;
    o.walks_per_node = 6000;
    o.force_tables = force;
    Walks w = node2vec_walks(fan(), o, 7);
    std::vector<double> c = next_after_arc01(w);
    double total = 0;
    for (double x : c) total += x;
    EXPECT_GT(total, 1500);
    EXPECT_LT(chi_square(c, expected_after_arc01(1, 1)), chi2_999(4)) << "force_tables " << force;
  }
}

TEST(EmbedWalks, SmallPRaisesReturnsAsTheFormulaSays) {
  // p = 0.2: P(return to 0 after 0 -> 1) = 5 / (5 + 2 + 2) = 0.556 instead of 0.2.
  WalkOptions o;
  o.walk_length = 3;
  o.walks_per_node = 6000;
  o.p = 0.2;
  Walks w = node2vec_walks(fan(), o, 11);
  std::vector<double> c = next_after_arc01(w);
  const std::vector<double> want = expected_after_arc01(0.2, 1.0);
  EXPECT_NEAR(want[0], 5.0 / 9.0, 1e-12);
  EXPECT_LT(chi_square(c, want), chi2_999(4));
  double total = 0;
  for (double x : c) total += x;
  EXPECT_GT(c[0] / total, 0.5);  // and clearly not the uniform 0.2
}

TEST(EmbedWalks, SmallQFavoursOutwardSteps) {
  WalkOptions o;
  o.walk_length = 3;
  o.walks_per_node = 6000;
  o.q = 0.25;
  Walks w = node2vec_walks(fan(), o, 13);
  EXPECT_LT(chi_square(next_after_arc01(w), expected_after_arc01(1.0, 0.25)), chi2_999(4));
}

TEST(EmbedWalks, ShapeIsolatedGenesAndThreadIndependence) {
  auto g = fan();  // gene 6 is isolated
  WalkOptions o;
  o.walk_length = 10;
  o.walks_per_node = 3;
  o.p = 0.5;
  o.q = 2.0;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  Walks a = node2vec_walks(g, o, 3);
  omp_set_num_threads(2);
  Walks b = node2vec_walks(g, o, 3);
  omp_set_num_threads(saved);
  ASSERT_EQ(a.count(), 21u);
  EXPECT_EQ(a.nodes, b.nodes);
  EXPECT_EQ(a.len, b.len);
  for (size_t i = 0; i < a.count(); ++i) {
    const int32_t* s = a.walk(i);
    if (s[0] == 6) {
      EXPECT_EQ(a.len[i], 1);
      continue;
    }
    EXPECT_EQ(a.len[i], 10);
    for (int k = 0; k + 1 < a.len[i]; ++k) EXPECT_TRUE(g.has_edge(s[k], s[k + 1])) << "walk " << i << " step " << k;
  }
  // Every gene starts exactly one walk per round.
  std::vector<int> starts(7, 0);
  for (size_t i = 0; i < a.count(); ++i) ++starts[a.walk(i)[0]];
  for (int v = 0; v < 7; ++v) EXPECT_EQ(starts[v], 3);
}
