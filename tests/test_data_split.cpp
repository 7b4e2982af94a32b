// test_data_split.cpp — split sizes, disjointness, reproducibility, and the dataset directory round trip.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "test_data_util.h"

namespace {

using gener::data::PairSet;
using gener::data::split_pairs;
using gener::data::Splits;

// N distinct pairs (i, i + 1) with alternating labels.
PairSet numbered_pairs(size_t n) {
  PairSet p;
  for (size_t i = 0; i < n; ++i) p.push(static_cast<int32_t>(i), static_cast<int32_t>(i + 1), static_cast<int8_t>(i % 2));
  return p;
}

std::set<int32_t> firsts(const PairSet& p) {
  std::set<int32_t> s;
  for (size_t i = 0; i < p.size(); ++i) s.insert(p.ab[2 * i]);
  return s;
}

TEST(Split, SizesFollowTheDocumentedRule) {
  for (size_t n : {size_t(1), size_t(7), size_t(10), size_t(1000), size_t(12345)}) {
    Splits s = split_pairs(numbered_pairs(n), 0.1, 0.1, 9);
    size_t n_test = static_cast<size_t>(std::floor(n * 0.1 + 1e-9));
    size_t n_train = static_cast<size_t>(std::floor((n - n_test) * 0.9 + 1e-9));
    EXPECT_EQ(s.test.size(), n_test) << n;
    EXPECT_EQ(s.train.size(), n_train) << n;
    EXPECT_EQ(s.val.size(), n - n_test - n_train) << n;
  }
  Splits s = split_pairs(numbered_pairs(1000), 0.2, 0.25, 1);
  EXPECT_EQ(s.test.size(), 200u);
  EXPECT_EQ(s.train.size(), 600u);
  EXPECT_EQ(s.val.size(), 200u);
}

TEST(Split, DisjointCompleteAndReproducible) {
  PairSet p = numbered_pairs(5000);
  Splits a = split_pairs(p, 0.1, 0.1, 42), b = split_pairs(p, 0.1, 0.1, 42), c = split_pairs(p, 0.1, 0.1, 43);
  std::set<int32_t> tr = firsts(a.train), va = firsts(a.val), te = firsts(a.test);
  EXPECT_EQ(tr.size(), a.train.size());
  std::set<int32_t> all = tr;
  all.insert(va.begin(), va.end());
  all.insert(te.begin(), te.end());
  EXPECT_EQ(all.size(), 5000u);  // every pair exactly once
  EXPECT_EQ(a.train.ab, b.train.ab);
  EXPECT_EQ(a.val.ab, b.val.ab);
  EXPECT_EQ(a.test.ab, b.test.ab);
  EXPECT_NE(a.test.ab, c.test.ab);
  // Labels travel with their pair.
  for (size_t i = 0; i < a.test.size(); ++i) EXPECT_EQ(a.test.label[i], a.test.ab[2 * i] % 2);
  // A random split of a balanced set stays roughly balanced.
  EXPECT_NEAR(static_cast<double>(a.test.n_positive()) / a.test.size(), 0.5, 0.08);
  EXPECT_NE(a.test.ab[0] + a.test.ab[2] + a.test.ab[4], 0 + 1 + 2);  // shuffled, not the first pairs in order
}

TEST(Split, BadFractions) {
  gener::testing::expect_error([] { split_pairs(numbered_pairs(10), 1.0, 0.1, 1); }, {"test_frac"});
  gener::testing::expect_error([] { split_pairs(numbered_pairs(10), 0.1, -0.1, 1); }, {"val_frac"});
}

TEST(Split, DatasetDirectoryRoundTrip) {
  gener::testing::ScratchDir dir;
  gener::data::SynthConfig c;
  c.genes = 60;
  c.samples = 17;
  c.pairs = 300;
  c.seed = 4;
  gener::data::SynthDataset ds = gener::data::make_synth(c);
  Splits s = split_pairs(ds.pairs, 0.1, 0.1, 4);
  gener::data::write_synth_dataset(dir.file("ds"), ds.expr, s);
  gener::data::LoadedDataset back = gener::data::load_dataset_dir(dir.file("ds"));
  EXPECT_EQ(back.expr.genes, ds.expr.genes);
  EXPECT_EQ(back.expr.L, 17);
  EXPECT_EQ(back.expr.values, ds.expr.values);  // bit-identical through the text file
  EXPECT_EQ(back.gene_names.size(), 60u);
  EXPECT_EQ(back.gene_names.at("G7"), "SYN_G7");
  for (auto [got, want] : {std::tie(back.splits.train, s.train), std::tie(back.splits.val, s.val),
                           std::tie(back.splits.test, s.test)}) {
    EXPECT_EQ(got.ab, want.ab);
    EXPECT_EQ(got.label, want.label);
  }
  EXPECT_EQ(gener::testing::read_bytes(dir.file("ds/train.tsv")).substr(0, 20), "gene_a\tgene_b\tlabel\n");
}

}  // namespace
