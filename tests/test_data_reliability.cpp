// test_data_reliability.cpp — pair-list header detection (unknown genes on line 1 are reported, never dropped as a
// header), header-only lists are errors, and a UTF-8 byte-order mark is harmless in every text reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/data/biogrid.h"
#include "engine/data/expression.h"
#include "engine/data/interactions.h"
#include "engine/data/pairs.h"
#include "tests/realdata_fixtures.h"
#include "tests/test_data_util.h"

namespace gener::data {
namespace {

using gener::testing::expect_error;
using gener::testing::five_genes;
using gener::testing::ScratchDir;
using gener::testing::write_gzip;
using gener::testing::write_text;

const std::string kBom = "\xEF\xBB\xBF";

TEST(PairHeader, UnknownGenesOnLineOneAreDataNotAHeader) {
  ScratchDir d;
  const Expression e = five_genes();
  const std::string p = d.file("p.tsv");
  write_text(p, "YFG1\tYFG2\nG1\tG2\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":1: column 1: unknown gene 'YFG1'", "line 1 is data"});
  write_text(p, "YFG1\tYFG2\t1\nG1\tG2\t0\n");
  expect_error([&] { read_pairs(p, e); }, {p + ":1: column 1: unknown gene 'YFG1'"});
}

TEST(PairHeader, ColumnNamesAreAHeader) {
  ScratchDir d;
  const Expression e = five_genes();
  for (const std::string h : {"gene_a\tgene_b", "GeneA\tGeneB", "gene1,gene2", "source\ttarget", "TF\ttarget",
                              "#interactor_a\tinteractor_b", "\"protein1\"\t\"protein2\"", "a b"}) {
    SCOPED_TRACE(h);
    const std::string p = d.file("h.tsv");
    const char sep = h.find(',') != std::string::npos ? ',' : h.find(' ') != std::string::npos ? ' ' : '\t';
    write_text(p, h + "\nG1" + sep + "G2\n");
    const PairSet ps = read_pairs(p, e);
    EXPECT_EQ(ps.ab, (std::vector<int32_t>{0, 1}));
  }
  EXPECT_TRUE(is_pair_header({"gene_a", "gene_b", "label"}, true));  // a non-numeric label names the columns
  EXPECT_FALSE(is_pair_header({"YAL001C", "YAL002W"}, false));
  EXPECT_FALSE(is_pair_header({"gene_a", "gene_b"}, true));  // a gene resolved: data
}

TEST(PairHeader, AHeaderOnlyListIsAnError) {
  ScratchDir d;
  const Expression e = five_genes();
  const std::string p = d.file("h.tsv");
  write_text(p, "gene_a\tgene_b\tlabel\n\n");
  expect_error([&] { read_pairs(p, e); }, {p, "no pairs (only a header line)"});
}

TEST(PairHeader, EdgeListsFollowTheSameRule) {
  ScratchDir d;
  const Expression e = five_genes();
  const GeneResolver genes(e, {});
  const std::string p = d.file("edges.tsv");
  write_text(p, "YFG1\tYFG2\nG1\tG2\n");  // unknown genes are counted later, not dropped as a header
  EXPECT_EQ(read_edge_list_names(p, genes).size(), 2u);
  write_text(p, "source\ttarget\nG1\tG2\n");
  EXPECT_EQ(read_edge_list_names(p, genes).size(), 1u);
}

TEST(ByteOrderMark, EveryTextReaderSkipsIt) {
  ScratchDir d;
  const Expression e = five_genes();
  // A header-less pair list, plain and gzip: the first gene is G1, not "\xEF\xBB\xBFG1".
  for (bool gz : {false, true}) {
    const std::string p = d.file(gz ? "pairs.tsv.gz" : "pairs.tsv");
    gz ? write_gzip(p, kBom + "G1\tG2\t1\nG3\tG4\t0\n") : write_text(p, kBom + "G1\tG2\t1\nG3\tG4\t0\n");
    EXPECT_EQ(read_pairs(p, e).ab, (std::vector<int32_t>{0, 1, 2, 3})) << p;
  }
  // A samples-by-genes matrix and a genes-by-samples one.
  const std::string sg = d.file("sg.tsv"), sg_plain = d.file("sg_plain.tsv");
  const std::string text = "sample\tG1\tG2\tG3\nS1\t1\t2\t3\nS2\t4\t5\t6\n";
  write_text(sg, kBom + text);
  write_text(sg_plain, text);
  for (Orientation o : {Orientation::SamplesByGenes, Orientation::Auto}) {
    const Expression with = read_expression(sg, o), without = read_expression(sg_plain, o);
    EXPECT_EQ(with.genes, without.genes);
    EXPECT_EQ(with.samples, without.samples);
    EXPECT_EQ(with.values, without.values);
  }
  const std::string gs = d.file("gs.tsv");
  write_text(gs, kBom + "G1\t1\t2\nG2\t3\t4\nG3\t5\t6\n");
  const Expression b = read_expression(gs, Orientation::GenesBySamples);
  EXPECT_EQ(b.index.count(kBom + "G2"), 0u);
  EXPECT_TRUE(std::none_of(b.genes.begin(), b.genes.end(), [](const std::string& g) { return g.rfind(kBom, 0) == 0; }));
  // A BioGRID file.
  std::vector<gener::testing::BiogridRow> rows = {{"YAL001C", "YAL002W", 559292, 559292, "physical"}};
  const std::string bg = d.file("bg.tab2.txt");
  write_text(bg, kBom + gener::testing::biogrid_tab2(rows));
  EXPECT_EQ(read_biogrid(bg, BiogridOptions{}).size(), 1u);
}

}  // namespace
}  // namespace gener::data
