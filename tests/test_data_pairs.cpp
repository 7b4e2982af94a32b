// test_data_pairs.cpp — pair lists by name / index, header detection, errors, writer, .npy split files.
#include <gtest/gtest.h>

#include "tests/shared_data.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/data/pairs.h"
#include "test_data_util.h"

namespace {

using gener::data::Expression;
using gener::data::PairSet;
using gener::data::read_pairs;
using gener::testing::expect_error;
using gener::testing::five_genes;
using gener::testing::ScratchDir;
using gener::testing::write_text;


TEST(Pairs, ReadsByNameWithAndWithoutHeader) {
  ScratchDir dir;
  Expression e = five_genes();
  write_text(dir.file("h.tsv"), "gene_a\tgene_b\tlabel\nG1\tG2\t1\nG5\tG3\t0\n\n");
  write_text(dir.file("n.csv"), "G1,G2,1\nG5,G3,0.0\n");
  for (const char* name : {"h.tsv", "n.csv"}) {
    PairSet p = read_pairs(dir.file(name), e);
    ASSERT_EQ(p.size(), 2u) << name;
    EXPECT_EQ(p.ab, (std::vector<int32_t>{0, 1, 4, 2})) << name;
    EXPECT_EQ(p.label, (std::vector<int8_t>{1, 0})) << name;
    EXPECT_TRUE(p.labelled());
    EXPECT_EQ(p.n_positive(), 1u);
  }
  write_text(dir.file("u.tsv"), "a\tb\nG4\tG4\nG2\tG1\n");
  PairSet u = read_pairs(dir.file("u.tsv"), e);
  EXPECT_EQ(u.ab, (std::vector<int32_t>{3, 3, 1, 0}));
  EXPECT_EQ(u.label, (std::vector<int8_t>{-1, -1}));
  EXPECT_FALSE(u.labelled());
  gener::testing::write_gzip(dir.file("h.tsv.gz"), "gene_a\tgene_b\tlabel\nG1\tG2\t1\n");
  EXPECT_EQ(read_pairs(dir.file("h.tsv.gz"), e).ab, (std::vector<int32_t>{0, 1}));
}

TEST(Pairs, ReadsByIndex) {
  ScratchDir dir;
  Expression e = five_genes();
  write_text(dir.file("i.tsv"), "a\tb\tlabel\n0\t4\t1\n3\t2\t0\n");
  PairSet p = read_pairs(dir.file("i.tsv"), e, /*by_index=*/true);
  EXPECT_EQ(p.ab, (std::vector<int32_t>{0, 4, 3, 2}));
  EXPECT_EQ(p.label, (std::vector<int8_t>{1, 0}));
  write_text(dir.file("j.tsv"), "0\t5\t1\n");
  expect_error([&] { read_pairs(dir.file("j.tsv"), e, true); }, {dir.file("j.tsv") + ":1: column 2", "'5'"});
}

TEST(Pairs, BadInputsNameFileLineAndValue) {
  ScratchDir dir;
  Expression e = five_genes();
  std::string p = dir.file("bad.tsv");
  write_text(p, "gene_a\tgene_b\tlabel\nG1\tG2\t1\nG1\tYFG1\t0\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":3: column 2: unknown gene 'YFG1'"});
  write_text(p, "G9\tG2\t1\n");  // line 1 with one known gene and a valid label is data, not a header
  expect_error([&] { read_pairs(p, e); }, {p + ":1: column 1: unknown gene 'G9'"});
  write_text(p, "G1\tG2\t2\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":1: column 3: bad label '2'"});
  write_text(p, "gene_a\tgene_b\tlabel\nG1\tG2\tyes\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":2: column 3: bad label 'yes'"});
  write_text(p, "G1\tG2\t1\nG3\tG4\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":2:", "expected 3 columns, got 2"});
  write_text(p, "G1\tG2\t1\t0.5\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":1:", "got 4"});
  write_text(p, "");
  expect_error([&] { read_pairs(p, e); }, {p, "empty file"});
  expect_error([&] { read_pairs(dir.file("missing.tsv"), e); }, {dir.file("missing.tsv"), "cannot open"});
}

TEST(Pairs, WriterRoundTrips) {
  ScratchDir dir;
  Expression e = five_genes();
  PairSet p;
  p.push(0, 4, 1);
  p.push(2, 3, 0);
  p.push(1, 1, 1);
  gener::data::write_pairs_tsv(dir.file("out.tsv"), p, e);
  EXPECT_EQ(gener::testing::read_bytes(dir.file("out.tsv")), "gene_a\tgene_b\tlabel\nG1\tG5\t1\nG3\tG4\t0\nG2\tG2\t1\n");
  PairSet back = read_pairs(dir.file("out.tsv"), e);
  EXPECT_EQ(back.ab, p.ab);
  EXPECT_EQ(back.label, p.label);
  PairSet bad = p;
  bad.ab[1] = 5;
  expect_error([&] { gener::data::write_pairs_tsv(dir.file("bad.tsv"), bad, e); }, {dir.file("bad.tsv"), "out of range"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.tsv")));  // atomic: nothing left behind
}

// Minimal (N, 3) float64 .npy writer for the tests.
void write_pairs_npy(const std::string& path, const std::vector<double>& rows, const std::string& shape,
                     const std::string& descr = "<f8") {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(double));
  write_text(path, out);
}

TEST(Pairs, NpySplitFiles) {
  ScratchDir dir;
  std::string p = dir.file("s.npy");
  write_pairs_npy(p, {0, 4, 1, 2, 3, 0}, "(2, 3)");
  PairSet s = gener::data::read_pairs_npy(p, 5);
  EXPECT_EQ(s.ab, (std::vector<int32_t>{0, 4, 2, 3}));
  EXPECT_EQ(s.label, (std::vector<int8_t>{1, 0}));
  write_pairs_npy(p, {0, 5, 1}, "(1, 3)");
  expect_error([&] { gener::data::read_pairs_npy(p, 5); }, {p, "row 0", "gene index 5"});
  write_pairs_npy(p, {0, 1.5, 1}, "(1, 3)");
  expect_error([&] { gener::data::read_pairs_npy(p, 5); }, {p, "gene index 1.5"});
  write_pairs_npy(p, {0, 1, 1, 2, 3, 0.5}, "(2, 3)");
  expect_error([&] { gener::data::read_pairs_npy(p, 5); }, {p, "row 1", "bad label 0.5"});
  write_pairs_npy(p, {0, 1, 1, 2}, "(2, 2)");
  expect_error([&] { gener::data::read_pairs_npy(p, 5); }, {p, "(N, 3)", "(2, 2)"});
  write_pairs_npy(p, {0, 1, 1}, "(3,)");
  expect_error([&] { gener::data::read_pairs_npy(p, 5); }, {p, "(3,)"});
  write_pairs_npy(p, {0, 1, 1}, "(1, 3)", "<c16");
  expect_error([&] { gener::data::read_pairs_npy(p, 5); }, {p, "'<c16'"});
}

TEST(Pairs, RealTestingSplitNpy) {
  const std::string path = gener::testing::shared_data_file("gener-biogrid-dream5/testing_data.npy");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  PairSet s = gener::data::read_pairs_npy(path, 5950);
  ASSERT_EQ(s.size(), 97748u);
  size_t ordered = 0;
  for (size_t i = 0; i < s.size(); ++i) ordered += s.ab[2 * i] < s.ab[2 * i + 1];
  EXPECT_EQ(ordered, s.size());  // README: a < b
  EXPECT_NEAR(static_cast<double>(s.n_positive()) / static_cast<double>(s.size()), 0.5, 0.01);
  expect_error([&] { gener::data::read_pairs_npy(path, 100); }, {path, "not an integer in [0, 100)"});
}

}  // namespace
