// test_data_real_prepare.cpp — prepare_dataset on a DREAM5/BioGRID stand-in (normalisation applied, exact counts,
// seeded and disjoint splits, the authors' .npy splits verbatim) and on the real .npy files when present.
#include <gtest/gtest.h>

#include "tests/shared_data.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/data/interactions.h"
#include "engine/data/normalize.h"
#include "engine/data/prepare.h"
#include "realdata_fixtures.h"
#include "test_data_util.h"

namespace gener::data {
namespace {

using gener::testing::BiogridRow;
using gener::testing::expect_error;
using gener::testing::ScratchDir;
using gener::testing::write_text;

std::string orf(int i) { return "YSYN" + std::to_string(100 + i) + "W"; }

// G genes x L samples, DREAM5 layout (header G-ids in `order`, one row per sample), a gene map G-id -> ORF, and a
// TAB3 file of `n_int` random ORF interactions plus rows of another organism and one unknown gene.
struct StandIn {
  int G = 30, L = 12;
  std::vector<int> order;  // header position -> gene number (0-based)
  PrepareSpec spec;
};

StandIn write_stand_in(const ScratchDir& dir, int n_int, bool shuffled_header = false) {
  StandIn s;
  s.order.resize(static_cast<size_t>(s.G));
  for (int i = 0; i < s.G; ++i) s.order[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(5);
  if (shuffled_header) std::shuffle(s.order.begin(), s.order.end(), rng);
  std::string expr, map = "#ID\tName\n";
  for (int c = 0; c < s.G; ++c) expr += (c ? "\t" : "") + std::string("G") + std::to_string(s.order[c] + 1);
  expr += "\n";
  std::normal_distribution<double> nd(0.0, 1.0);
  for (int r = 0; r < s.L; ++r) {
    for (int c = 0; c < s.G; ++c) expr += (c ? "\t" : "") + std::to_string(nd(rng) * (1 + r % 3));
    expr += "\n";
  }
  for (int g = 0; g < s.G; ++g) map += "G" + std::to_string(g + 1) + "\t" + orf(g) + "\n";
  std::vector<BiogridRow> rows;
  std::uniform_int_distribution<int> pick(0, s.G - 1);
  for (int k = 0; k < n_int; ++k) rows.push_back({orf(pick(rng)), orf(pick(rng)), 559292, 559292,
                                                  k % 3 ? "physical" : "genetic"});
  rows.push_back({orf(1), orf(2), 559292, 4932, "physical"});
  rows.push_back({orf(3), "YNOTHERE", 559292, 559292, "physical"});
  write_text(dir.file("expr.tsv"), expr);
  write_text(dir.file("ids.tsv"), map);
  write_text(dir.file("bg.tab3.txt"), gener::testing::biogrid_tab3(rows));
  s.spec.expr.files = {dir.file("expr.tsv")};
  s.spec.expr.gene_map = dir.file("ids.tsv");
  s.spec.interactions = dir.file("bg.tab*.txt");  // a pattern, as the configs give it
  s.spec.expr.normalize = Normalization::Quantile;
  return s;
}

std::set<uint64_t> keys(const PairSet& p) {
  std::set<uint64_t> k;
  for (size_t i = 0; i < p.size(); ++i) k.insert(pair_key(p.ab[2 * i], p.ab[2 * i + 1]));
  return k;
}

void expect_disjoint(const Splits& s) {
  auto tr = keys(s.train), va = keys(s.val), te = keys(s.test);
  EXPECT_EQ(tr.size(), s.train.size()) << "duplicate pair within train";
  EXPECT_EQ(va.size(), s.val.size()) << "duplicate pair within val";
  EXPECT_EQ(te.size(), s.test.size()) << "duplicate pair within test";
  for (uint64_t k : va) EXPECT_FALSE(tr.count(k)) << "pair " << (k >> 32) << "," << (k & 0xffffffff) << " in train+val";
  for (uint64_t k : te) EXPECT_FALSE(tr.count(k) || va.count(k)) << "pair " << (k >> 32) << "," << (k & 0xffffffff);
}

TEST(RealPrepare, AppliesQuantileNormalisation) {
  ScratchDir dir;
  StandIn s = write_stand_in(dir, 60);
  PreparedDataset d = prepare_dataset(s.spec);
  Expression want = read_expression(s.spec.expr.files[0]);
  Expression raw = want;
  quantile_normalize(want);
  ASSERT_EQ(d.expr.genes, want.genes);
  EXPECT_EQ(d.expr.values, want.values);
  EXPECT_NE(d.expr.values, raw.values);
  // Every sample (column) now holds the same multiset of values.
  std::vector<float> first;
  for (int c = 0; c < d.expr.L; ++c) {
    std::vector<float> col;
    for (int g = 0; g < d.expr.n_genes(); ++g) col.push_back(d.expr.row(g)[c]);
    std::sort(col.begin(), col.end());
    if (c == 0) first = col;
    EXPECT_EQ(col, first) << "sample " << c;
  }
  EXPECT_EQ(d.summary["expression"]["normalize"], "quantile");
  s.spec.expr.normalize = Normalization::Zscore;
  PreparedDataset z = prepare_dataset(s.spec);
  double mean = 0;
  for (int c = 0; c < z.expr.L; ++c) mean += z.expr.row(7)[c];
  EXPECT_NEAR(mean / z.expr.L, 0.0, 1e-5);
}

TEST(RealPrepare, ExactCountsBalancedSeededDisjointSplits) {
  ScratchDir dir;
  StandIn s = write_stand_in(dir, 120);
  s.spec.seed = 11;
  PreparedDataset a = prepare_dataset(s.spec), b = prepare_dataset(s.spec);
  // Positives: the distinct unordered non-self pairs among the 120 rows (recount independently).
  std::set<std::pair<std::string, std::string>> distinct;
  ResolvedInteractions ri;
  {
    BiogridStats st;
    NamePairs raw = read_biogrid(dir.file("bg.tab3.txt"), {}, &st);
    EXPECT_EQ(st.rows, 122);
    EXPECT_EQ(st.other_organism, 1);
    for (size_t i = 0; i < raw.size(); ++i)
      if (raw.a[i] != raw.b[i] && raw.b[i] != "YNOTHERE") distinct.insert(std::minmax(raw.a[i], raw.b[i]));
  }
  const size_t P = distinct.size(), N = 2 * P;
  EXPECT_EQ(a.summary["positives"].get<size_t>(), P);
  EXPECT_EQ(a.summary["negatives"].get<size_t>(), P);
  EXPECT_EQ(a.summary["missing"]["interactions"].get<int>(), 1);
  EXPECT_EQ(a.summary["missing"]["examples"][0], "YNOTHERE");
  const size_t n_test = N / 10, n_train = (N - n_test) * 9 / 10;  // the floor rule (exact for these sizes)
  EXPECT_EQ(a.splits.test.size(), n_test);
  EXPECT_EQ(a.splits.train.size(), n_train);
  EXPECT_EQ(a.splits.val.size(), N - n_test - n_train);
  EXPECT_EQ(a.splits.train.n_positive() + a.splits.val.n_positive() + a.splits.test.n_positive(), P);
  EXPECT_EQ(a.splits.train.ab, b.splits.train.ab);
  EXPECT_EQ(a.splits.train.label, b.splits.train.label);
  EXPECT_EQ(a.splits.test.ab, b.splits.test.ab);
  EXPECT_EQ(a.splits.val.label, b.splits.val.label);
  expect_disjoint(a.splits);
  s.spec.seed = 12;
  EXPECT_NE(prepare_dataset(s.spec).splits.test.ab, a.splits.test.ab);
}

TEST(RealPrepare, AuthorsNpySplitsAreUsedVerbatimAndKeptOutOfTraining) {
  ScratchDir dir;
  StandIn s = write_stand_in(dir, 120, /*shuffled_header=*/true);
  // Indices are DREAM5 numbering (i = G{i+1}); the header order is shuffled, so rows differ from indices.
  std::vector<std::vector<double>> val{{0, 1, 1}, {2, 9, 0}, {5, 6, 1}}, test{{3, 4, 0}, {7, 8, 1}, {1, 2, 1}, {0, 29, 0}};
  write_text(dir.file("validation_data.npy"), gener::testing::npy_pairs(val));
  write_text(dir.file("testing_data.npy"), gener::testing::npy_pairs(test));
  s.spec.validation_npy = dir.file("validation_data.npy");
  s.spec.test_npy = dir.file("testing_data.npy");
  PreparedDataset d = prepare_dataset(s.spec);
  auto row_of = [&](double idx) { return d.expr.find("G" + std::to_string(static_cast<int>(idx) + 1)); };
  ASSERT_EQ(d.splits.val.size(), val.size());
  ASSERT_EQ(d.splits.test.size(), test.size());
  for (size_t i = 0; i < test.size(); ++i) {
    EXPECT_EQ(d.splits.test.ab[2 * i], row_of(test[i][0]));
    EXPECT_EQ(d.splits.test.ab[2 * i + 1], row_of(test[i][1]));
    EXPECT_EQ(d.splits.test.label[i], test[i][2]);
  }
  EXPECT_EQ(d.splits.val.ab[2], row_of(2));
  EXPECT_EQ(d.splits.val.ab[3], row_of(9));
  expect_disjoint(d.splits);
  EXPECT_EQ(d.splits.train.n_positive() * 2, d.splits.train.size()) << "training set not balanced";
  EXPECT_EQ(d.summary["split_source"], "npy");

  // Bad split files: wrong dtype, wrong shape, an index beyond the matrix, val/test sharing a pair.
  auto fails = [&](const std::string& val_bytes, std::initializer_list<std::string> parts) {
    write_text(dir.file("bad.npy"), val_bytes);
    PrepareSpec b = s.spec;
    b.validation_npy = dir.file("bad.npy");
    expect_error([&] { prepare_dataset(b); }, parts);
  };
  fails(gener::testing::npy_bytes("|b1", "(2, 3)", std::string(6, '\1')), {"bad.npy", "byte", "'|b1'"});
  fails(gener::testing::npy_bytes("<f8", "(2, 2)", std::string(32, '\0')), {"bad.npy", "(2, 2)"});
  // A pair whose gene has no data is dropped and counted; a split left with one class is an error.
  {
    write_text(dir.file("drop.npy"), gener::testing::npy_pairs({{0, 1, 1}, {4, 30, 0}, {4, 31, 1}, {2, 3, 0}}));
    PrepareSpec b = s.spec;
    b.validation_npy = dir.file("drop.npy");
    PreparedDataset dd = prepare_dataset(b);
    EXPECT_EQ(dd.splits.val.size(), 2u);
    const auto& w = dd.summary["without_data"]["val"];
    EXPECT_EQ(w["pairs"], 2);
    EXPECT_EQ(w["positives"], 1);
    EXPECT_EQ(w["negatives"], 1);
    EXPECT_EQ(w["genes"], 2);
    EXPECT_EQ(w["examples"][0], "G31");
    EXPECT_EQ(dd.summary["without_data"]["test"]["pairs"], 0);
  }
  fails(gener::testing::npy_pairs({{0, 1, 1}, {4, 30, 0}}), {"bad.npy", "validation split", "1 positive and 0 negative"});
  fails(gener::testing::npy_pairs({{5, 9, 1}, {9, 6, 0}, {8, 7, 1}}), {"bad.npy", "row 2", "testing_data.npy"});
  PrepareSpec only_val = s.spec;
  only_val.test_npy.clear();
  expect_error([&] { prepare_dataset(only_val); }, {"validation_npy and test_npy go together"});
}

TEST(RealPrepare, MissingOrAmbiguousFilesAreNamed) {
  ScratchDir dir;
  StandIn s = write_stand_in(dir, 20);
  write_text(dir.file("bg.tab2.txt"), "x");
  expect_error([&] { prepare_dataset(s.spec); }, {"bg.tab*.txt", "2 files match", "bg.tab2.txt", "bg.tab3.txt"});
  s.spec.interactions = dir.file("nothing*.txt");
  expect_error([&] { prepare_dataset(s.spec); }, {"nothing*.txt", "no file matches"});
  s.spec.interactions = dir.file("bg.tab3.txt");
  s.spec.biogrid.organism = 7227;
  expect_error([&] { prepare_dataset(s.spec); }, {"bg.tab3.txt", "organism 7227"});
}

TEST(RealPrepare, YeastractMatrixWithALabelledPairFile) {
  ScratchDir dir;
  // 3 TFs x 6 genes; gene k's column is its regulation profile.
  write_text(dir.file("reg.csv"),
             "TF,YA,YB,YC,YD,YE,YF\nT1,1,0,1,0,1,1\nT2,0,1,1,0,0,1\nT3,1,1,0,0,1,0\n");
  write_text(dir.file("pairs.tsv"), "gene_a\tgene_b\tlabel\nYA\tYB\t1\nYC\tYD\t1\nYB\tYA\t1\nYE\tYF\t0\n"
                                    "YA\tYC\t0\nYA\tYZ\t1\nYA\tYD\t1\nYB\tYE\t1\nYC\tYF\t1\nYB\tYC\t0\n"
                                    "YD\tYE\t0\nYD\tYF\t0\nYA\tYE\t1\nYB\tYF\t0\n");
  PrepareSpec spec;
  spec.expr.files = {dir.file("reg.csv")};
  spec.expr.format = "regulation_matrix";
  spec.expr.normalize = Normalization::Zscore;
  spec.interactions = dir.file("pairs.tsv");
  spec.interactions_format = "edges";
  spec.test_frac = spec.val_frac = 0.25;
  PreparedDataset d = prepare_dataset(spec);
  ASSERT_EQ(d.expr.L, 3);
  EXPECT_EQ(d.expr.n_genes(), 6);
  const float* ya = d.expr.row(d.expr.find("YA"));  // (1, 0, 1) z-scored: mean 2/3, sd sqrt(2)/3
  EXPECT_NEAR(ya[0], 0.70710678f, 1e-5);
  EXPECT_NEAR(ya[1], -1.41421356f, 1e-5);
  const float* yd = d.expr.row(d.expr.find("YD"));  // constant -> zeros
  EXPECT_EQ(yd[0], 0.0f);
  EXPECT_EQ(d.summary["positives"], 6);
  EXPECT_EQ(d.summary["negatives"], 6);
  EXPECT_EQ(d.summary["negatives_source"], "file");
  EXPECT_EQ(d.summary["missing"]["examples"][0], "YZ");
  EXPECT_EQ(d.splits.train.size() + d.splits.val.size() + d.splits.test.size(), 12u);
  expect_disjoint(d.splits);
}

// The authors' real files: <dir>/testing_data.npy, validation_data.npy, net4_gene_ids.tsv.
std::string real_data_dir() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("GENER_REAL_DATA_DIR")) dirs.emplace_back(env);
  dirs.push_back(std::string(GENER_SOURCE_DIR) + "/data/real");
  dirs.push_back(gener::testing::shared_data_file("gener-biogrid-dream5"));
  for (const std::string& d : dirs)
    if (std::filesystem::exists(d + "/testing_data.npy") && std::filesystem::exists(d + "/validation_data.npy") &&
        std::filesystem::exists(d + "/net4_gene_ids.tsv"))
      return d;
  return "";
}

TEST(RealPrepare, TheAuthorsNpySplitsReadAndStayDisjoint) {
  const std::string real = real_data_dir();
  if (real.empty()) GTEST_SKIP() << "the authors' testing_data.npy / validation_data.npy / net4_gene_ids.tsv are absent "
                                    "(set GENER_REAL_DATA_DIR)";
  auto map = read_gene_map(real + "/net4_gene_ids.tsv");
  ASSERT_EQ(map.size(), 5950u);
  EXPECT_EQ(map.at("G1"), "YHR084W");
  PairSet te = read_pairs_npy(real + "/testing_data.npy", 5950), va = read_pairs_npy(real + "/validation_data.npy", 5950);
  EXPECT_EQ(te.size(), 97748u);  // Table 2
  EXPECT_EQ(va.size(), 87974u);
  EXPECT_EQ(te.n_positive() * 2, te.size());
  EXPECT_EQ(va.n_positive() * 2, va.size());
  // Through prepare: a 5,950-gene stand-in matrix with the real G-ids, stand-in BioGRID rows of the real ORFs.
  ScratchDir dir;
  std::string expr;
  for (int g = 0; g < 5950; ++g) expr += (g ? "\t" : "") + std::string("G") + std::to_string(g + 1);
  expr += "\n";
  for (int r = 0; r < 3; ++r) {
    for (int g = 0; g < 5950; ++g) expr += (g ? "\t" : "") + std::to_string((g * 7 + r * 13) % 101);
    expr += "\n";
  }
  write_text(dir.file("net4_expression_data.tsv"), expr);
  std::vector<BiogridRow> rows;
  for (size_t i = 0; i < 500; ++i) {  // the test set's first positives, plus fresh pairs
    if (te.label[i] == 1) rows.push_back({map.at("G" + std::to_string(te.ab[2 * i] + 1)),
                                          map.at("G" + std::to_string(te.ab[2 * i + 1] + 1))});
    rows.push_back({map.at("G" + std::to_string(i + 1)), map.at("G" + std::to_string(i + 2000))});
  }
  write_text(dir.file("bg.tab3.txt"), gener::testing::biogrid_tab3(rows));
  PrepareSpec spec;
  spec.expr.files = {dir.file("net4_expression_data.tsv")};
  spec.expr.gene_map = real + "/net4_gene_ids.tsv";
  spec.interactions = dir.file("bg.tab3.txt");
  spec.validation_npy = real + "/validation_data.npy";
  spec.test_npy = real + "/testing_data.npy";
  PreparedDataset d = prepare_dataset(spec);
  EXPECT_EQ(d.splits.test.ab, te.ab);  // genes in G order: rows are the indices, verbatim
  EXPECT_EQ(d.splits.val.label, va.label);
  EXPECT_EQ(d.splits.train.size(), 2 * d.splits.train.n_positive());
  EXPECT_GT(d.summary["held_out_positives_removed_from_training"].get<int>(), 0);
  expect_disjoint(d.splits);
}

}  // namespace
}  // namespace gener::data
