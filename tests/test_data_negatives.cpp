// test_data_negatives.cpp — degree-matched negatives (each gene's negative degree within ±1 of its positive degree,
// seeded), uniform negatives over a gene subset, gene-disjoint splits, and prepare under both honest protocols.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/data/interactions.h"
#include "engine/data/negatives.h"
#include "engine/data/prepare.h"
#include "engine/data/split.h"
#include "engine/data/training_graph.h"
#include "test_data_util.h"

namespace gener::data {
namespace {

using gener::testing::expect_error;
using gener::testing::ScratchDir;
using gener::testing::write_text;

// A small graph with hubs: gene 0 meets a third of the genes, the rest is random; unique pairs, a < b.
PairSet hub_graph(int G, int extra, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<uint64_t> seen;
  PairSet p;
  auto add = [&](int a, int b) {
    if (a == b || !seen.insert(pair_key(a, b)).second) return;
    p.push(std::min(a, b), std::max(a, b), 1);
  };
  for (int b = 1; b < G; b += 3) add(0, b);
  for (int b = 2; b < G; b += 5) add(1, b);
  std::uniform_int_distribution<int> pick(0, G - 1);
  for (int k = 0; k < extra; ++k) add(pick(rng), pick(rng));
  return p;
}

std::map<int32_t, int> degrees(const PairSet& p) {
  std::map<int32_t, int> d;
  for (int32_t g : p.ab) ++d[g];
  return d;
}

TEST(DegreeMatched, EachGenesNegativeDegreeFollowsItsPositiveDegree) {
  const int G = 60;
  const PairSet pos = hub_graph(G, 150, 3);
  const PairKeySet exclude = pair_keys(pos);
  DegreeMatchStats st;
  const PairSet neg = sample_degree_matched_negatives(pos, exclude, 7, &st);
  EXPECT_EQ(neg.size(), pos.size());
  EXPECT_EQ(st.placed, static_cast<int64_t>(neg.size()));
  std::set<uint64_t> keys;
  for (size_t i = 0; i < neg.size(); ++i) {
    const int32_t a = neg.ab[2 * i], b = neg.ab[2 * i + 1];
    EXPECT_LT(a, b) << "pair " << i;
    EXPECT_EQ(neg.label[i], 0);
    EXPECT_FALSE(exclude.count(pair_key(a, b))) << "negative " << a << "," << b << " is a positive";
    EXPECT_TRUE(keys.insert(pair_key(a, b)).second) << "duplicate negative " << a << "," << b;
  }
  const auto dp = degrees(pos), dn = degrees(neg);
  for (const auto& [g, d] : dp) {
    const int n = dn.count(g) ? dn.at(g) : 0;
    EXPECT_LE(std::abs(n - d), 1) << "gene " << g << ": positive degree " << d << ", negative degree " << n;
  }
  for (const auto& [g, n] : dn) EXPECT_TRUE(dp.count(g)) << "gene " << g << " has negatives but no positive";
  EXPECT_EQ(st.genes_off_by_more, 0);
  // Seeded: the same seed draws the same pairs, another seed others.
  EXPECT_EQ(sample_degree_matched_negatives(pos, exclude, 7).ab, neg.ab);
  EXPECT_NE(sample_degree_matched_negatives(pos, exclude, 8).ab, neg.ab);
}

TEST(DegreeMatched, TheDegreeBaselineLosesItsSignal) {
  // Under uniform negatives a hub's pairs are mostly positive; degree-matched, half of a hub's pairs are negative.
  const PairSet pos = hub_graph(90, 200, 5);
  const PairSet neg = sample_degree_matched_negatives(pos, pair_keys(pos), 1);
  const auto dp = degrees(pos), dn = degrees(neg);
  EXPECT_NEAR(dn.at(0), dp.at(0), 1);
  const PairSet uni = sample_negatives(90, pos.size(), pair_keys(pos), 1);
  EXPECT_LT(degrees(uni)[0], dp.at(0) / 3) << "the uniform negatives should not follow the hub";
}

TEST(UniformNegatives, AmongASubsetAndIdenticalToTheFullDrawOnAllGenes) {
  const PairSet pos = hub_graph(40, 60, 9);
  std::vector<int32_t> all(40);
  for (int g = 0; g < 40; ++g) all[g] = g;
  EXPECT_EQ(sample_negatives_among(all, 50, pair_keys(pos), 4).ab, sample_negatives(40, 50, pair_keys(pos), 4).ab);
  const std::vector<int32_t> some = {3, 5, 8, 13, 21, 34};
  const PairSet sub = sample_negatives_among(some, 12, pair_keys(pos), 4);  // 15 pairs, dense path
  EXPECT_EQ(sub.size(), 12u);
  for (int32_t g : sub.ab) EXPECT_TRUE(std::count(some.begin(), some.end(), g)) << g;
  expect_error([&] { sample_negatives_among(some, 16, {}, 4); }, {"cannot sample 16", "15 of the 15"});
}

TEST(GeneSplit, NoTestOrValidationPairHasATrainingGene) {
  const PairSet pos = hub_graph(100, 400, 11);
  const GenePartition gp = partition_genes(100, 0.2, 0.2, 3);
  EXPECT_EQ(gp.count(GenePart::Test), 20u);
  EXPECT_EQ(gp.count(GenePart::Val), 20u);
  EXPECT_EQ(gp.count(GenePart::Train), 60u);
  PairSet crossing;
  const Splits s = split_by_genes(pos, gp, &crossing);
  EXPECT_EQ(s.train.size() + s.val.size() + s.test.size() + crossing.size(), pos.size());
  const std::vector<uint8_t> seen = genes_in_pairs(s.train, 100);
  for (const PairSet* p : {&s.val, &s.test})
    for (int32_t g : p->ab) EXPECT_FALSE(seen[g]) << "gene " << g << " is in a training pair";
  for (size_t i = 0; i < crossing.size(); ++i)
    EXPECT_NE(gp.part[crossing.ab[2 * i]], gp.part[crossing.ab[2 * i + 1]]);
  EXPECT_EQ(partition_genes(100, 0.2, 0.2, 3).part, gp.part);
  EXPECT_NE(partition_genes(100, 0.2, 0.2, 4).part, gp.part);
  expect_error([&] { partition_genes(10, 0.6, 0.5, 1); }, {"test (0.6) + validation (0.5)"});
}

// 80 genes with a signal, an edge list by name: the honest protocols through prepare_dataset.
PrepareSpec edge_list_stand_in(const ScratchDir& dir) {
  const int G = 80;
  std::string expr = "sample";
  for (int g = 0; g < G; ++g) expr += "\tY" + std::to_string(g);
  expr += "\n";
  std::mt19937_64 rng(2);
  std::normal_distribution<double> nd(0, 1);
  for (int s = 0; s < 6; ++s) {
    expr += "a" + std::to_string(s);
    for (int g = 0; g < G; ++g) expr += "\t" + std::to_string(nd(rng));
    expr += "\n";
  }
  std::string edges = "gene_a\tgene_b\n";
  const PairSet pos = hub_graph(G, 500, 13);
  for (size_t i = 0; i < pos.size(); ++i)
    edges += "Y" + std::to_string(pos.ab[2 * i]) + "\tY" + std::to_string(pos.ab[2 * i + 1]) + "\n";
  write_text(dir.file("expr.tsv"), expr);
  write_text(dir.file("edges.tsv"), edges);
  PrepareSpec spec;
  spec.expr.files = {dir.file("expr.tsv")};
  spec.interactions = dir.file("edges.tsv");
  spec.interactions_format = "edges";
  return spec;
}

TEST(HonestProtocols, GeneSplitTestIsPureC3AndDegreeMatchedIsBalancedPerGene) {
  ScratchDir dir;
  PrepareSpec spec = edge_list_stand_in(dir);
  spec.split_by = SplitBy::Genes;
  spec.test_frac = spec.val_frac = 0.25;
  PreparedDataset d = prepare_dataset(spec);
  const auto& st = d.summary["strata"]["test"];
  EXPECT_EQ(st["C1"]["pairs"], 0);
  EXPECT_EQ(st["C2"]["pairs"], 0);
  EXPECT_EQ(st["C3"]["pairs"], d.splits.test.size());
  for (const PairSet* p : {&d.splits.train, &d.splits.val, &d.splits.test}) {
    EXPECT_EQ(2 * p->n_positive(), p->size()) << "each split is balanced";
  }
  EXPECT_GT(d.summary["split"]["positives_across_parts"].get<int64_t>(), 0);
  EXPECT_EQ(d.summary["split"]["genes"]["test"], 20);

  spec.split_by = SplitBy::Pairs;
  spec.negatives = NegativeSampling::DegreeMatched;
  spec.test_frac = spec.val_frac = 0.1;
  PreparedDataset m = prepare_dataset(spec);
  PairSet all_pos, all_neg;
  for (const PairSet* p : {&m.splits.train, &m.splits.val, &m.splits.test})
    for (size_t i = 0; i < p->size(); ++i) (p->label[i] ? all_pos : all_neg).push(p->ab[2 * i], p->ab[2 * i + 1], 0);
  const auto dp = degrees(all_pos), dn = degrees(all_neg);
  for (const auto& [g, deg] : dp) EXPECT_LE(std::abs((dn.count(g) ? dn.at(g) : 0) - deg), 1) << "gene " << g;
  EXPECT_EQ(m.summary["negative_sampling"], "degree_matched");
  EXPECT_EQ(m.summary["degree_match"][0]["genes_off_by_more_than_one"], 0);
  const std::string text = format_prepare_summary(m.summary);
  EXPECT_NE(text.find("degree-matched"), std::string::npos) << text;

  spec.negative_ratio = 2;
  expect_error([&] { prepare_dataset(spec); }, {"ratio must be 1 with degree_matched", "2"});
  spec.negative_ratio = 1;
  spec.split_by = SplitBy::Genes;
  spec.val_frac = 0.25;
  spec.test_frac = 0.02;  // one test gene: no pair at all
  expect_error([&] { prepare_dataset(spec); }, {"the test split has 0 positive and 0 negative", "split.test"});
  spec.validation_npy = spec.test_npy = dir.file("x.npy");
  expect_error([&] { prepare_dataset(spec); }, {"split.by genes", "validation_npy"});
}

}  // namespace
}  // namespace gener::data
