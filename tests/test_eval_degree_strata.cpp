// test_eval_degree_strata.cpp — the gene-degree baseline and the C1/C2/C3 strata on a hand-made split, the
// training-pair table's JSON form, and the evaluation beside a model.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/eval/beside.h"
#include "engine/eval/strata.h"
#include "engine/eval/training_pairs.h"
#include "kernels/check.h"
#include "tests/test_util.h"

namespace gener::eval {
namespace {

using gener::test::expect_error;

// Genes g0..g6; g5 and g6 are in no training pair.
data::Expression seven_genes() {
  data::Expression e;
  for (int g = 0; g < 7; ++g) e.genes.push_back("g" + std::to_string(g));
  e.L = 3;
  for (int g = 0; g < 7; ++g)
    for (int j = 0; j < 3; ++j) e.values.push_back(static_cast<float>((g * 7 + j * 3) % 5));
  e.build_index();
  return e;
}

data::PairSet training() {
  data::PairSet t;
  t.push(0, 1, 1);
  t.push(0, 2, 1);
  t.push(3, 0, 1);
  t.push(1, 2, 1);
  t.push(2, 4, 0);  // g4 occurs only in a negative: seen, degree 0
  return t;
}

data::PairSet test_pairs() {
  data::PairSet p;
  p.push(1, 3, 1);  // C1, product 2 * 1
  p.push(0, 1, 0);  // C1, product 3 * 2
  p.push(2, 3, 1);  // C1, product 2 * 1
  p.push(0, 5, 1);  // C2, product 0
  p.push(4, 5, 0);  // C2, product 0
  p.push(5, 6, 0);  // C3, only a negative
  return p;
}

TEST(TrainingPairs, DegreesSeenGenesAndMedianFromTheTrainingPairs) {
  const data::Expression e = seven_genes();
  const TrainingPairsTable t = training_pairs_table(e, training());
  EXPECT_EQ(t.genes, (std::vector<std::string>{"g0", "g1", "g2", "g3", "g4"}));
  EXPECT_EQ(t.positive_degree, (std::vector<int32_t>{3, 2, 2, 1, 0}));
  EXPECT_EQ(t.median_product, 4.0);  // products 6, 6, 3, 4, 0
  EXPECT_EQ(t.n_pairs, 5);
  EXPECT_EQ(t.n_positive, 4);
  const TrainingPairsTable back = training_pairs_from_json(training_pairs_to_json(t), "x");
  EXPECT_EQ(back.genes, t.genes);
  EXPECT_EQ(back.positive_degree, t.positive_degree);
  EXPECT_EQ(back.median_product, t.median_product);
  nlohmann::json bad = training_pairs_to_json(t);
  bad["positive_degree"].erase(0);
  expect_error([&] { training_pairs_from_json(bad, "m.safetensors"); }, {"m.safetensors", "5 genes but 4 degrees"});
  expect_error([&] { training_pairs_from_json(nlohmann::json::object(), "m.safetensors"); }, {"m.safetensors"});
}

TEST(TrainingPairs, DegreeBaselineScoresByTheProductOfDegrees) {
  data::Expression e = seven_genes();
  const GeneTraining g = gene_training(training_pairs_table(e, training()), e);
  EXPECT_EQ(g.seen, (std::vector<uint8_t>{1, 1, 1, 1, 1, 0, 0}));
  const std::vector<float> s = degree_scores(g, test_pairs());
  const double r2 = std::sqrt(2.0), r6 = std::sqrt(6.0);
  EXPECT_NEAR(s[0], r2 / (r2 + 2), 1e-6);
  EXPECT_NEAR(s[1], r6 / (r6 + 2), 1e-6);
  EXPECT_EQ(s[0], s[2]);
  EXPECT_EQ(s[3], 0.0f);
  // A matrix with the genes in another order and one more gene: found by name.
  data::Expression other = e;
  std::reverse(other.genes.begin(), other.genes.end());
  other.genes.push_back("new");
  other.values.resize(other.values.size() + 3, 0.f);
  other.build_index();
  const GeneTraining h = gene_training(training_pairs_table(e, training()), other);
  EXPECT_EQ(h.degree[other.find("g0")], 3);
  EXPECT_EQ(h.seen[other.find("new")], 0);
}

TEST(Strata, CountsAndPerStratumMetricsWithNa) {
  const data::Expression e = seven_genes();
  const data::PairSet p = test_pairs();
  const GeneTraining g = gene_training(training_pairs_table(e, training()), e);
  const std::vector<Stratum> st = strata_of(p, g.seen);
  EXPECT_EQ(st, (std::vector<Stratum>{Stratum::C1, Stratum::C1, Stratum::C1, Stratum::C2, Stratum::C2, Stratum::C3}));
  const std::vector<int> labels(p.label.begin(), p.label.end());
  const nlohmann::json m = stratified_metrics(degree_scores(g, p), labels, st);
  EXPECT_EQ(m["C1"]["pairs"], 3);
  EXPECT_EQ(m["C1"]["positives"], 2);
  EXPECT_EQ(m["C1"]["auroc"], 0.0);  // the negative has the larger product
  EXPECT_EQ(m["C2"]["auroc"], 0.5);  // tied at product 0
  EXPECT_EQ(m["C3"]["pairs"], 1);
  EXPECT_TRUE(m["C3"]["auroc_micro"].is_null());
  EXPECT_EQ(m["C3"]["note"], "n/a: only negatives");
  data::PairSet none;
  none.push(0, 1, 1);
  none.push(1, 2, 0);
  const nlohmann::json n = stratified_metrics({0.9f, 0.1f}, {1, 0}, strata_of(none, g.seen));
  EXPECT_EQ(n["C3"]["note"], "n/a: no pairs");
  EXPECT_EQ(n["C1"]["auroc"], 1.0);
}

TEST(Beside, ModelThenCorrelationThenDegreeOverallAndByStratum) {
  const data::Expression e = seven_genes();
  const data::PairSet p = test_pairs();
  const GeneTraining g = gene_training(training_pairs_table(e, training()), e);
  const std::vector<float> model = {0.9f, 0.2f, 0.8f, 0.7f, 0.3f, 0.1f};  // perfect
  const Beside b = evaluate_beside({{"GENER", model}}, e, p, &g, "test pairs");
  ASSERT_EQ(b.methods.size(), 3u);
  EXPECT_EQ(b.methods[0].name, "GENER");
  EXPECT_EQ(b.methods[1].name, kCorrelation);
  EXPECT_EQ(b.methods[2].name, kGeneDegree);
  EXPECT_EQ(b.methods[0].json["auroc"], 1.0);
  EXPECT_EQ(b.methods[0].json["strata"]["C1"]["auroc"], 1.0);
  EXPECT_EQ(b.strata["C2"]["pairs"], 2);
  ASSERT_NE(b.find(kGeneDegree), nullptr);
  EXPECT_EQ(b.find(kGeneDegree)->json["strata"]["C1"]["auroc"], 0.0);
  // By genes with a training positive: g4 occurs only in a negative, so (g4, g5) moves from C2 to C3.
  EXPECT_EQ(b.strata_positive["C1"]["pairs"], 3);
  EXPECT_EQ(b.strata_positive["C2"]["pairs"], 1);
  EXPECT_EQ(b.strata_positive["C2"]["positives"], 1);
  EXPECT_EQ(b.strata_positive["C3"]["pairs"], 2);
  EXPECT_EQ(b.strata_positive["C3"]["positives"], 0);
  EXPECT_EQ(b.methods[0].json["strata_positive"]["C2"]["note"], "n/a: only positives");
  EXPECT_EQ(b.methods[0].json["strata_positive"]["C1"]["auroc"], 1.0);
  // Without the training pairs: the correlation baseline only, and a note why.
  const Beside c = evaluate_beside({{"GENER", model}}, e, p, nullptr, "test pairs");
  EXPECT_EQ(c.methods.size(), 2u);
  EXPECT_EQ(c.find(kGeneDegree), nullptr);
  EXPECT_NE(c.note.find("training pairs"), std::string::npos);
  EXPECT_FALSE(c.methods[0].json.contains("strata"));
  EXPECT_FALSE(c.methods[0].json.contains("strata_positive"));
  expect_error([&] { evaluate_beside({{"GENER", {0.5f}}}, e, p, &g, "test pairs"); }, {"GENER has 1 scores for 6"});
  data::PairSet one;
  one.push(0, 1, 1);
  expect_error([&] { evaluate_beside({{"GENER", {0.5f}}}, e, one, &g, "one.tsv"); }, {"one.tsv", "both classes"});
}

}  // namespace
}  // namespace gener::eval
