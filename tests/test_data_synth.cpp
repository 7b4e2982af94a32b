// test_data_synth.cpp — synthetic dataset: determinism, balance, pair validity, and that the signal is in the
// programs (|correlation on active samples|) but weak in signed Pearson correlation.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "test_data_util.h"

namespace {

using gener::data::make_synth;
using gener::data::SynthConfig;
using gener::data::SynthDataset;

SynthConfig small_config(uint64_t seed) {
  SynthConfig c;
  c.genes = 400;
  c.samples = 128;
  c.pairs = 8000;
  c.seed = seed;
  return c;
}

// Positive-class AUROC by the rank-sum (Mann–Whitney) formula, ties given their average rank.
double auroc(const std::vector<double>& score, const std::vector<int8_t>& label) {
  const size_t n = score.size();
  std::vector<size_t> o(n);
  std::iota(o.begin(), o.end(), size_t{0});
  std::sort(o.begin(), o.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  std::vector<double> rank(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[o[j]] == score[o[i]]) ++j;
    for (size_t k = i; k < j; ++k) rank[o[k]] = 0.5 * static_cast<double>(i + j + 1);  // mean of i+1..j
    i = j;
  }
  double n1 = 0, sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (label[i] == 1) {
      n1 += 1;
      sum += rank[i];
    }
  }
  double n0 = static_cast<double>(n) - n1;
  return (sum - n1 * (n1 + 1) / 2) / (n1 * n0);
}

// Pearson correlation of rows a and b over the samples in `cols` (all samples when empty).
double pearson(const gener::data::Expression& e, int a, int b, const std::vector<int>& cols) {
  const float* x = e.row(a);
  const float* y = e.row(b);
  size_t n = cols.empty() ? static_cast<size_t>(e.L) : cols.size();
  auto at = [&](const float* v, size_t k) { return static_cast<double>(cols.empty() ? v[k] : v[cols[k]]); };
  double mx = 0, my = 0;
  for (size_t k = 0; k < n; ++k) mx += at(x, k), my += at(y, k);
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t k = 0; k < n; ++k) {
    double dx = at(x, k) - mx, dy = at(y, k) - my;
    sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(Synth, SameSeedSameBytesDifferentSeedDifferent) {
  gener::testing::ScratchDir dir;
  auto write = [&](uint64_t seed, const std::string& sub) {
    SynthDataset ds = make_synth(small_config(seed));
    gener::data::write_synth_dataset(dir.file(sub), ds.expr, gener::data::split_pairs(ds.pairs, 0.1, 0.1, seed));
  };
  write(11, "a");
  write(11, "b");
  write(12, "c");
  for (const char* f : {"expression.tsv", "gene_ids.tsv", "train.tsv", "val.tsv", "test.tsv"}) {
    std::string a = gener::testing::read_bytes(dir.file(std::string("a/") + f));
    ASSERT_FALSE(a.empty()) << f;
    EXPECT_EQ(a, gener::testing::read_bytes(dir.file(std::string("b/") + f))) << f;
  }
  for (const char* f : {"expression.tsv", "train.tsv", "test.tsv"}) {
    EXPECT_NE(gener::testing::read_bytes(dir.file(std::string("a/") + f)),
              gener::testing::read_bytes(dir.file(std::string("c/") + f)))
        << f;
  }
  EXPECT_EQ(gener::testing::read_bytes(dir.file("a/expression.tsv")).substr(0, 9), "G1\tG2\tG3\t");
}

TEST(Synth, BalancedValidPairs) {
  SynthConfig c = small_config(5);
  c.pairs = 8001;
  SynthDataset ds = make_synth(c);
  const auto& p = ds.pairs;
  ASSERT_EQ(p.size(), 8001u);
  EXPECT_EQ(p.n_positive(), 4000u);
  EXPECT_TRUE(p.labelled());
  EXPECT_EQ(ds.expr.n_genes(), 400);
  EXPECT_EQ(ds.expr.L, 128);
  EXPECT_EQ(ds.expr.genes[399], "G400");
  std::set<std::pair<int, int>> seen;
  size_t first_half_pos = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    int a = p.ab[2 * i], b = p.ab[2 * i + 1];
    ASSERT_TRUE(0 <= a && a < b && b < 400) << "pair " << i << ": " << a << ", " << b;
    ASSERT_TRUE(seen.insert({a, b}).second) << "duplicate pair " << a << ", " << b;
    bool same = ds.program[a] >= 0 && ds.program[a] == ds.program[b];
    if (p.label[i] == 1) {
      ASSERT_TRUE(same) << "positive pair " << i << " not in one program";
    }
    if (i < p.size() / 2) first_half_pos += p.label[i];
  }
  // Shuffled: positives are spread over the list, not grouped.
  EXPECT_NEAR(static_cast<double>(first_half_pos), 2000.0, 200.0);
  for (const auto& act : ds.active) {
    EXPECT_GE(act.size(), static_cast<size_t>(0.15 * 128) - 1);
    EXPECT_LE(act.size(), static_cast<size_t>(0.35 * 128) + 1);
  }
}

TEST(Synth, SignalIsInProgramsNotInSignedCorrelation) {
  for (uint64_t seed : {1, 2, 3}) {
    SynthDataset ds = make_synth(small_config(seed));
    const auto& p = ds.pairs;
    std::vector<double> signed_corr(p.size()), abs_corr(p.size()), oracle(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      int a = p.ab[2 * i], b = p.ab[2 * i + 1];
      signed_corr[i] = pearson(ds.expr, a, b, {});
      abs_corr[i] = std::fabs(signed_corr[i]);
      double best = 0;  // strongest |correlation| on any one program's active samples (uses no label or membership)
      for (const auto& act : ds.active) best = std::max(best, std::fabs(pearson(ds.expr, a, b, act)));
      oracle[i] = best;
    }
    double auc_signed = auroc(signed_corr, p.label), auc_abs = auroc(abs_corr, p.label);
    double auc_oracle = auroc(oracle, p.label);
    std::printf("synth 400x128, 8000 pairs, seed %d: AUROC signed Pearson %.3f, |Pearson| %.3f, program oracle %.3f\n",
                static_cast<int>(seed), auc_signed, auc_abs, auc_oracle);
    EXPECT_GT(auc_signed, 0.5) << "seed " << seed;
    EXPECT_LT(auc_signed, 0.75) << "seed " << seed;
    EXPECT_GT(auc_abs, auc_signed + 0.1) << "seed " << seed;
    EXPECT_GT(auc_oracle, 0.85) << "seed " << seed;
  }
}

TEST(Synth, RejectsImpossibleConfigs) {
  SynthConfig c = small_config(1);
  c.programs = 200;  // ~1.6 genes per program: far too few same-program pairs for 4000 positives
  gener::testing::expect_error([&] { make_synth(c); }, {"synth:", "positive pairs requested"});
  c = small_config(1);
  c.genes = 1;
  gener::testing::expect_error([&] { make_synth(c); }, {"genes = 1"});
}

TEST(Synth, FullSizeInSeconds) {
  SynthConfig c;  // 5,950 genes x 536 samples, 977,481 pairs
  auto t0 = std::chrono::steady_clock::now();
  SynthDataset ds = make_synth(c);
  gener::data::Splits s = gener::data::split_pairs(ds.pairs);
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("full-size synth + split: %.2f s\n", sec);
  EXPECT_EQ(ds.expr.values.size(), size_t(5950) * 536);
  EXPECT_EQ(ds.pairs.size(), 977481u);
  EXPECT_EQ(ds.pairs.n_positive(), 488740u);
  EXPECT_EQ(s.train.size(), 791759u);  // the paper's Table 2
  EXPECT_EQ(s.val.size(), 87974u);
  EXPECT_EQ(s.test.size(), 97748u);
  EXPECT_LT(sec, 30.0);
}

}  // namespace
