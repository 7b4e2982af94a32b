// test_data_expression.cpp — expression reader (both orientations, gzip, CSV), writer, gene maps, normalisations.
#include <gtest/gtest.h>

#include "tests/shared_data.h"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/expression.h"
#include "engine/data/normalize.h"
#include "test_data_util.h"

namespace {

using gener::data::Expression;
using gener::data::Orientation;
using gener::data::read_expression;
using gener::testing::expect_error;
using gener::testing::ScratchDir;
using gener::testing::write_text;

// 3 genes x 4 samples, written both ways.
const char* kGenesBySamples =
    "gene\tc1\tc2\tc3\tc4\n"
    "YAL001C\t1.5\t-2\t3e-1\t0\n"
    "YAL002W\t4\t5.25\t6\t7\n"
    "YAL003W\t-8\t9\t10\t11.125\n";
const char* kSamplesByGenes =
    "YAL001C\tYAL002W\tYAL003W\n"
    "1.5\t4\t-8\n"
    "-2\t5.25\t9\n"
    "0.3\t6\t10\n"
    "0\t7\t11.125\n";
const std::vector<float> kValues = {1.5f, -2, 0.3f, 0, 4, 5.25f, 6, 7, -8, 9, 10, 11.125f};  // (3, 4)

void expect_reference(const Expression& e) {
  EXPECT_EQ(e.genes, (std::vector<std::string>{"YAL001C", "YAL002W", "YAL003W"}));
  EXPECT_EQ(e.L, 4);
  EXPECT_EQ(e.values, kValues);
  EXPECT_EQ(e.find("YAL002W"), 1);
  EXPECT_EQ(e.find("nope"), -1);
  EXPECT_EQ(e.row(2)[3], 11.125f);
}

TEST(Expression, BothOrientationsGiveTheSameMatrix) {
  ScratchDir dir;
  write_text(dir.file("gxs.tsv"), kGenesBySamples);
  write_text(dir.file("sxg.tsv"), kSamplesByGenes);
  Expression a = read_expression(dir.file("gxs.tsv"));
  Expression b = read_expression(dir.file("sxg.tsv"));
  expect_reference(a);
  expect_reference(b);
  EXPECT_EQ(a.samples, (std::vector<std::string>{"c1", "c2", "c3", "c4"}));
  EXPECT_TRUE(b.samples.empty());
  // Explicit orientation agrees with Auto.
  expect_reference(read_expression(dir.file("sxg.tsv"), Orientation::SamplesByGenes));
  expect_reference(read_expression(dir.file("gxs.tsv"), Orientation::GenesBySamples));
}

TEST(Expression, EmptyCornerRLayoutCsvAndGzip) {
  ScratchDir dir;
  std::string corner = kGenesBySamples;
  corner.replace(0, 4, "");  // "\tc1\tc2..." : empty first header field
  write_text(dir.file("corner.tsv"), corner);
  expect_reference(read_expression(dir.file("corner.tsv")));
  std::string r_layout = std::string(kGenesBySamples).substr(5);  // header without the row-label column
  write_text(dir.file("r.tsv"), r_layout);
  Expression r = read_expression(dir.file("r.tsv"));
  expect_reference(r);
  EXPECT_EQ(r.samples.size(), 4u);
  std::string csv = kSamplesByGenes;
  for (char& c : csv) c = c == '\t' ? ',' : c;
  write_text(dir.file("sxg.csv"), csv);
  expect_reference(read_expression(dir.file("sxg.csv")));
  gener::testing::write_gzip(dir.file("sxg.tsv.gz"), kSamplesByGenes);
  gener::testing::write_gzip(dir.file("gxs.tsv.gz"), kGenesBySamples);
  expect_reference(read_expression(dir.file("sxg.tsv.gz")));
  expect_reference(read_expression(dir.file("gxs.tsv.gz")));
}

TEST(Expression, WriterRoundTripsBothOrientations) {
  ScratchDir dir;
  write_text(dir.file("in.tsv"), kGenesBySamples);
  Expression e = read_expression(dir.file("in.tsv"));
  e.values[5] = 1.0f / 3.0f;  // a value with no short decimal form
  gener::data::write_expression_tsv(dir.file("g.tsv"), e, Orientation::GenesBySamples);
  gener::data::write_expression_tsv(dir.file("s.tsv"), e, Orientation::SamplesByGenes);
  for (const char* name : {"g.tsv", "s.tsv"}) {
    Expression back = read_expression(dir.file(name));
    EXPECT_EQ(back.genes, e.genes) << name;
    EXPECT_EQ(back.values, e.values) << name;  // bit-identical
  }
  EXPECT_EQ(read_expression(dir.file("g.tsv")).samples, e.samples);
  EXPECT_EQ(gener::testing::read_bytes(dir.file("s.tsv")).substr(0, 24), "YAL001C\tYAL002W\tYAL003W\n");
}

TEST(Expression, BadInputsNameFileLineAndValue) {
  ScratchDir dir;
  std::string p = dir.file("bad.tsv");
  expect_error([&] { read_expression(dir.file("none.tsv")); },
               {dir.file("none.tsv") + ": cannot open (No such file or directory)"});
  write_text(p, "");
  expect_error([&] { read_expression(p); }, {p, "empty file"});
  write_text(p, "\n\n");
  expect_error([&] { read_expression(p); }, {p, "empty file"});
  write_text(p, "gene\ta\tb\n");
  expect_error([&] { read_expression(p); }, {p, "no data rows"});
  write_text(p, "gene\ta\tb\nG1\t1\t2\nG2\t3\n");
  expect_error([&] { read_expression(p); }, {p + ":3:", "expected 3 columns, got 2"});
  write_text(p, "A\tB\tC\n1\t2\t3\n4\t5\t6\t7\n");
  expect_error([&] { read_expression(p); }, {p + ":3:", "expected 3 columns", "got 4"});
  write_text(p, "gene\ta\tb\nG1\t1\t2\nG2\t3\tabc\n");
  expect_error([&] { read_expression(p); }, {p + ":3: column 3: bad value 'abc'"});
  write_text(p, "gene\ta\tb\nG1\t1\tNaN\n");
  expect_error([&] { read_expression(p); }, {p + ":2: column 3: missing value 'NaN'", "1 missing value", "--missing"});
  write_text(p, "A\tB\n1\t2\n-inf\t2\n");
  expect_error([&] { read_expression(p); }, {p + ":3: column 1: bad value '-inf'"});
  write_text(p, "gene\ta\tb\nG1\t1\t2\nG2\t1\t2\nG1\t3\t4\n");
  expect_error([&] { read_expression(p); }, {p + ":4:", "duplicate gene id 'G1'", "line 2"});
  write_text(p, "G1\tG2\tG1\n1\t2\t3\n");
  expect_error([&] { read_expression(p); }, {p + ":1: column 3: duplicate gene id 'G1'"});
}

TEST(Expression, GeneMap) {
  ScratchDir dir;
  write_text(dir.file("ids.tsv"), "#ID\tName\nG1\tYHR084W\nG2\tYER109C\n\nG3\tYDR496C\textra\n");
  auto m = gener::data::read_gene_map(dir.file("ids.tsv"));
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at("G1"), "YHR084W");
  EXPECT_EQ(m.at("G3"), "YDR496C");
  write_text(dir.file("ids2.csv"), "id,name\nG7,FOO1\n");
  auto m2 = gener::data::read_gene_map(dir.file("ids2.csv"));
  ASSERT_EQ(m2.size(), 1u);
  EXPECT_EQ(m2.at("G7"), "FOO1");
  write_text(dir.file("dup.tsv"), "G1\tA\nG1\tB\n");
  expect_error([&] { gener::data::read_gene_map(dir.file("dup.tsv")); }, {dir.file("dup.tsv") + ":2:", "'G1'"});
  write_text(dir.file("one.tsv"), "G1\tA\nG2\n");
  expect_error([&] { gener::data::read_gene_map(dir.file("one.tsv")); }, {dir.file("one.tsv") + ":2:"});
}

TEST(Expression, RealDream5GeneMap) {
  const std::string path = gener::testing::shared_data_file("gener-biogrid-dream5/net4_gene_ids.tsv");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  auto m = gener::data::read_gene_map(path);
  EXPECT_EQ(m.size(), 5950u);
  EXPECT_EQ(m.at("G1"), "YHR084W");
  EXPECT_EQ(m.count("G5950"), 1u);
}

// The classic example (Wikipedia, "Quantile normalization"): 4 genes A-D x 3 samples, a tie in sample 2.
TEST(Expression, QuantileNormalizationHandExample) {
  Expression e;
  e.genes = {"A", "B", "C", "D"};
  e.L = 3;
  e.values = {5, 4, 3,   // A
              2, 1, 4,   // B
              3, 4, 6,   // C
              4, 2, 8};  // D
  e.build_index();
  gener::data::quantile_normalize(e);
  // Sorted columns (2 3 4 5), (1 2 4 4), (3 4 6 8): rank means 2, 3, 14/3, 17/3.
  // Sample 2 has A = C = 4 at ranks 3 and 4: both get (14/3 + 17/3) / 2 = 31/6.
  const double r1 = 2, r2 = 3, r3 = 14.0 / 3, r4 = 17.0 / 3, tie = 31.0 / 6;
  const double expect[] = {r4, tie, r1,  //
                           r1, r1, r2,   //
                           r2, tie, r3,  //
                           r3, r2, r4};
  for (int i = 0; i < 12; ++i) EXPECT_NEAR(e.values[i], expect[i], 1e-6) << "element " << i;
}

TEST(Expression, ZscorePerGene) {
  Expression e;
  e.genes = {"a", "b"};
  e.L = 4;
  e.values = {1, 2, 3, 4, 7, 7, 7, 7};
  gener::data::zscore_per_gene(e);
  const double sd = std::sqrt(1.25);  // population sd of 1..4
  EXPECT_NEAR(e.values[0], -1.5 / sd, 1e-6);
  EXPECT_NEAR(e.values[3], 1.5 / sd, 1e-6);
  for (int j = 4; j < 8; ++j) EXPECT_EQ(e.values[j], 0.0f);
}

}  // namespace
