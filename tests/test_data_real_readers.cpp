// test_data_real_readers.cpp — BioGRID TAB2/TAB3, edge lists and the YEASTRACT matrix: every format of the same
// tiny data gives the same pairs / matrix, and every bad input names file, line and value.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "engine/data/biogrid.h"
#include "engine/data/interactions.h"
#include "engine/data/regulation.h"
#include "realdata_fixtures.h"
#include "test_data_util.h"

namespace gener::data {
namespace {

using gener::testing::BiogridRow;
using gener::testing::expect_error;
using gener::testing::five_genes;
using gener::testing::ScratchDir;
using gener::testing::write_gzip;
using gener::testing::write_text;

// ORF names of the five genes G1..G5 (five_genes() in test_data_util.h).
std::unordered_map<std::string, std::string> orf_map() {
  return {{"G1", "YAL001C"}, {"G2", "YAL002W"}, {"G3", "YAL003W"}, {"G4", "YAL004W"}, {"G5", "YAL005C"}};
}

std::vector<BiogridRow> sample_rows() {
  return {{"YAL001C", "YAL002W", 559292, 559292, "physical"},
          {"YAL002W", "YAL001C", 559292, 559292, "genetic"},   // the same pair reversed
          {"YAL003W", "YAL003W", 559292, 559292, "physical"},  // self-pair
          {"YAL001C", "YBR999X", 559292, 559292, "physical"},  // gene not in the matrix
          {"YAL001C", "YAL004W", 559292, 9606, "physical"},    // B is human
          {"YAL004W", "YAL005C", 559292, 559292, "genetic"},
          {"-", "YAL005C", 559292, 559292, "genetic"}};        // no systematic name
}

std::vector<std::pair<int, int>> as_pairs(const PairSet& p) {
  std::vector<std::pair<int, int>> v;
  for (size_t i = 0; i < p.size(); ++i) v.emplace_back(p.ab[2 * i], p.ab[2 * i + 1]);
  return v;
}

TEST(RealBiogrid, Tab2Tab3PlainAndGzipGiveTheSamePairs) {
  ScratchDir dir;
  write_text(dir.file("o.tab2.txt"), gener::testing::biogrid_tab2(sample_rows()));
  write_gzip(dir.file("o.tab2.txt.gz"), gener::testing::biogrid_tab2(sample_rows()));
  write_text(dir.file("o.tab3.txt"), gener::testing::biogrid_tab3(sample_rows()));
  write_gzip(dir.file("o.tab3.txt.gz"), gener::testing::biogrid_tab3(sample_rows()));
  Expression e = five_genes();
  GeneResolver genes(e, orf_map());
  for (const char* f : {"o.tab2.txt", "o.tab2.txt.gz", "o.tab3.txt", "o.tab3.txt.gz"}) {
    SCOPED_TRACE(f);
    BiogridStats st;
    NamePairs raw = read_biogrid(dir.file(f), BiogridOptions{}, &st);
    EXPECT_EQ(st.format, std::string(f).find("tab3") != std::string::npos ? "TAB3" : "TAB2");
    EXPECT_EQ(st.rows, 7);
    EXPECT_EQ(st.other_organism, 1);
    EXPECT_EQ(st.kept, 6);
    ASSERT_EQ(raw.size(), 6u);
    EXPECT_EQ(raw.a[0], "YAL001C");
    EXPECT_EQ(raw.b[5], "YAL005C");
    ResolvedInteractions ri = resolve_interactions(raw, genes);
    EXPECT_EQ(as_pairs(ri.positives), (std::vector<std::pair<int, int>>{{0, 1}, {3, 4}}));
    EXPECT_EQ(ri.duplicates, 1);
    EXPECT_EQ(ri.self_pairs, 1);
    EXPECT_EQ(ri.missing, 2);
    EXPECT_EQ(ri.missing_genes, 2);
    EXPECT_EQ(ri.missing_examples, (std::vector<std::string>{"YBR999X", "-"}));
    EXPECT_EQ(ri.negatives.size(), 0u);
  }
  BiogridOptions physical_only;
  physical_only.genetic = false;
  BiogridStats st;
  NamePairs phys = read_biogrid(dir.file("o.tab3.txt"), physical_only, &st);
  EXPECT_EQ(phys.size(), 3u);
  EXPECT_EQ(st.other_system, 3);
}

TEST(RealBiogrid, BadFilesNameFileLineAndValue) {
  ScratchDir dir;
  const auto rows = sample_rows();
  write_text(dir.file("ok.txt"), gener::testing::biogrid_tab3(rows));
  BiogridOptions human;
  human.organism = 4932;
  expect_error([&] { read_biogrid(dir.file("ok.txt"), human); }, {"ok.txt", "organism 4932"});

  write_text(dir.file("plain.txt"), "gene_a\tgene_b\nYAL001C\tYAL002W\n");
  expect_error([&] { read_biogrid(dir.file("plain.txt"), {}); }, {"plain.txt:1:", "BioGRID", "'gene_a\tgene_b'"});

  auto cols = gener::testing::biogrid_tab3_columns();
  cols.erase(std::find(cols.begin(), cols.end(), "Experimental System Type"));
  write_text(dir.file("nosys.txt"), gener::testing::biogrid_text(cols, rows));
  expect_error([&] { read_biogrid(dir.file("nosys.txt"), {}); }, {"nosys.txt:1:", "'Experimental System Type'"});
  cols = gener::testing::biogrid_tab2_columns();
  cols.erase(std::find(cols.begin(), cols.end(), "Organism Interactor B"));
  write_text(dir.file("noorg.txt"), gener::testing::biogrid_text(cols, rows));
  expect_error([&] { read_biogrid(dir.file("noorg.txt"), {}); }, {"noorg.txt:1:", "'Organism Interactor B'"});

  std::string text = gener::testing::biogrid_tab2(rows);
  size_t l3 = text.find('\n', text.find('\n', text.find('\n') + 1) + 1);  // end of line 3
  std::string ragged = text.substr(0, l3) + "\textra" + text.substr(l3);
  write_text(dir.file("ragged.txt"), ragged);
  expect_error([&] { read_biogrid(dir.file("ragged.txt"), {}); }, {"ragged.txt:3:", "ragged row", "25"});

  auto bad_org = rows;
  bad_org[1].org_a = 0;
  std::string t = gener::testing::biogrid_tab2(bad_org);
  const std::string needle = "\t0\t559292\t";
  t.replace(t.find(needle), needle.size(), "\tyeast\t559292\t");
  write_text(dir.file("org.txt"), t);
  expect_error([&] { read_biogrid(dir.file("org.txt"), {}); }, {"org.txt:3:", "'yeast'"});

  auto bad_sys = rows;
  bad_sys[4].system = "physcal";
  write_text(dir.file("sys.txt"), gener::testing::biogrid_tab3(bad_sys));
  expect_error([&] { read_biogrid(dir.file("sys.txt"), {}); }, {"sys.txt:6:", "'physcal'"});

  std::string gz_path = dir.file("cut.tab3.txt.gz");
  std::vector<BiogridRow> many;
  for (int i = 0; i < 300; ++i) many.insert(many.end(), rows.begin(), rows.end());
  write_gzip(gz_path, gener::testing::biogrid_tab3(many));
  std::string bytes = gener::testing::read_bytes(gz_path);
  write_text(gz_path, bytes.substr(0, bytes.size() / 2));
  expect_error([&] { read_biogrid(gz_path, {}); }, {"cut.tab3.txt.gz", "gzip"});
  expect_error([&] { read_biogrid(dir.file("absent.txt"), {}); }, {"absent.txt", "cannot open"});
}

TEST(RealEdgeLists, ByNameIdOrIndexWithOrWithoutLabelAgree) {
  ScratchDir dir;
  Expression e = five_genes();
  GeneResolver genes(e, orf_map());
  write_text(dir.file("orf.tsv"), "gene_a\tgene_b\nYAL001C\tYAL002W\nYAL005C\tYAL004W\nYAL001C\tYAL002W\n");
  write_text(dir.file("gid.csv"), "G1,G2\nG5,G4\nG2,G1\n");
  write_gzip(dir.file("gid.tsv.gz"), "a\tb\tlabel\nG1\tG2\t1\nG4\tG5\t1\nG1\tG3\t0\n");
  write_text(dir.file("idx.tsv"), "0 1\n4 3\n");
  std::vector<std::pair<int, int>> want{{0, 1}, {3, 4}};
  for (const char* f : {"orf.tsv", "gid.csv", "gid.tsv.gz"}) {
    SCOPED_TRACE(f);
    ResolvedInteractions ri = resolve_interactions(read_edge_list_names(dir.file(f), genes), genes);
    EXPECT_EQ(as_pairs(ri.positives), want);
  }
  ResolvedInteractions labelled = resolve_interactions(read_edge_list_names(dir.file("gid.tsv.gz"), genes), genes);
  EXPECT_EQ(as_pairs(labelled.negatives), (std::vector<std::pair<int, int>>{{0, 2}}));
  PairSet by_index = read_pairs(dir.file("idx.tsv"), e, true);  // the index form goes through read_pairs
  EXPECT_EQ(by_index.size(), 2u);
  EXPECT_EQ(by_index.ab, (std::vector<int32_t>{0, 1, 4, 3}));

  write_text(dir.file("range.tsv"), "0\t1\n2\t5\n");
  expect_error([&] { read_pairs(dir.file("range.tsv"), e, true); }, {"range.tsv:2:", "'5'"});
  write_text(dir.file("label.tsv"), "G1\tG2\t1\nG2\tG3\tyes\n");
  expect_error([&] { read_edge_list_names(dir.file("label.tsv"), genes); }, {"label.tsv:2:", "'yes'"});
  write_text(dir.file("rag.tsv"), "G1\tG2\t1\nG2\tG3\n");
  expect_error([&] { read_edge_list_names(dir.file("rag.tsv"), genes); }, {"rag.tsv:2:", "ragged"});
  // Two ids under one name make names ambiguous.
  auto dup = orf_map();
  dup["G5"] = "YAL001C";
  expect_error([&] { GeneResolver g(e, dup, "map.tsv"); }, {"map.tsv", "'YAL001C'", "'G1'", "'G5'"});
}

TEST(RealEdgeLists, PairListedAsBothLabelsCountsAsInteracting) {
  Expression e = five_genes();
  GeneResolver genes(e, {});
  NamePairs raw;
  raw.push("G1", "G2", 0);
  raw.push("G3", "G4", 0);
  raw.push("G2", "G1", 1);
  ResolvedInteractions ri = resolve_interactions(raw, genes);
  EXPECT_EQ(as_pairs(ri.positives), (std::vector<std::pair<int, int>>{{0, 1}}));
  EXPECT_EQ(as_pairs(ri.negatives), (std::vector<std::pair<int, int>>{{2, 3}}));
  EXPECT_EQ(ri.conflicting, 1);
}

const char* kRegulationCsv =
    ",YAL001C,YAL002W,YAL003W\n"
    "TF1,1,0,0\n"
    "TF2,0,1,1\n";

TEST(RealYeastract, CsvTsvSemicolonAndGzipGiveTheSameGeneRows) {
  ScratchDir dir;
  std::string tsv = kRegulationCsv, semi = kRegulationCsv;
  std::replace(tsv.begin(), tsv.end(), ',', '\t');
  std::replace(semi.begin(), semi.end(), ',', ';');
  write_text(dir.file("m.csv"), kRegulationCsv);
  write_text(dir.file("m.tsv"), "TF\t" + tsv.substr(1));
  write_text(dir.file("m.txt"), semi);
  write_gzip(dir.file("m.csv.gz"), kRegulationCsv);
  for (const char* f : {"m.csv", "m.tsv", "m.txt", "m.csv.gz"}) {
    SCOPED_TRACE(f);
    Expression e = read_regulation_matrix(dir.file(f));
    EXPECT_EQ(e.genes, (std::vector<std::string>{"YAL001C", "YAL002W", "YAL003W"}));
    EXPECT_EQ(e.samples, (std::vector<std::string>{"TF1", "TF2"}));
    ASSERT_EQ(e.L, 2);
    EXPECT_EQ(e.values, (std::vector<float>{1, 0, 0, 1, 0, 1}));  // gene rows: each gene's column of TF values
    EXPECT_EQ(e.find("YAL003W"), 2);
  }
}

TEST(RealYeastract, BadMatricesNameFileLineAndValue) {
  ScratchDir dir;
  write_text(dir.file("rag.csv"), ",A,B\nTF1,1,0\nTF2,1\n");
  expect_error([&] { read_regulation_matrix(dir.file("rag.csv")); }, {"rag.csv:3:", "ragged", "got 2"});
  write_text(dir.file("nan.csv"), ",A,B\nTF1,1,nan\n");
  expect_error([&] { read_regulation_matrix(dir.file("nan.csv")); }, {"nan.csv:2:", "column 3", "'nan'"});
  write_text(dir.file("txt.csv"), ",A,B\nTF1,1,x1\n");
  expect_error([&] { read_regulation_matrix(dir.file("txt.csv")); }, {"txt.csv:2:", "'x1'"});
  write_text(dir.file("dupg.csv"), ",A,A\nTF1,1,0\n");
  expect_error([&] { read_regulation_matrix(dir.file("dupg.csv")); }, {"dupg.csv:1:", "duplicate gene 'A'"});
  write_text(dir.file("dupt.csv"), ",A,B\nTF1,1,0\nTF1,0,0\n");
  expect_error([&] { read_regulation_matrix(dir.file("dupt.csv")); }, {"dupt.csv:3:", "duplicate TF 'TF1'"});
  write_text(dir.file("none.csv"), ",A,B\n");
  expect_error([&] { read_regulation_matrix(dir.file("none.csv")); }, {"none.csv", "no TF rows"});
}

TEST(RealNegatives, UniformDistinctAvoidingExclusionsAndSeeded) {
  PairKeySet exclude{pair_key(0, 1), pair_key(2, 3)};
  PairSet a = sample_negatives(40, 300, exclude, 7), b = sample_negatives(40, 300, exclude, 7);
  EXPECT_EQ(a.ab, b.ab);
  EXPECT_NE(a.ab, sample_negatives(40, 300, exclude, 8).ab);
  PairKeySet seen;
  for (size_t i = 0; i < a.size(); ++i) {
    const int32_t x = a.ab[2 * i], y = a.ab[2 * i + 1];
    EXPECT_LT(x, y);
    EXPECT_EQ(a.label[i], 0);
    EXPECT_TRUE(seen.insert(pair_key(x, y)).second) << "duplicate " << x << "," << y;
    EXPECT_FALSE(exclude.count(pair_key(x, y)));
  }
  // One draw at a time over 6 genes: each of the 15 pairs about equally often (expected 200 of 3000).
  std::vector<int> hits(15, 0);
  for (uint64_t seed = 0; seed < 3000; ++seed) {
    PairSet one = sample_negatives(6, 1, {}, seed);
    const int x = one.ab[0], y = one.ab[1];
    ASSERT_TRUE(x >= 0 && x < y && y < 6) << "seed " << seed << ": pair " << x << "," << y;
    ++hits[static_cast<size_t>(x * 6 - x * (x + 1) / 2 + (y - x - 1))];
  }
  for (size_t k = 0; k < hits.size(); ++k) {
    EXPECT_GT(hits[k], 140) << "pair " << k;
    EXPECT_LT(hits[k], 260) << "pair " << k;
  }
  // Dense case (enumeration): every free pair of 5 genes.
  PairSet all = sample_negatives(5, 8, exclude, 1);
  EXPECT_EQ(all.size(), 8u);
  expect_error([&] { sample_negatives(5, 9, exclude, 1); }, {"cannot sample 9", "only 8"});
}

}  // namespace
}  // namespace gener::data

namespace gener::data {
namespace {

// The authors' split files name genes by index (i = G{i+1}); they must resolve by id, not by row position,
// so a matrix whose rows are in another order still gets the right genes.
TEST(RealNpySplits, ResolveGenesByIdWhateverTheRowOrder) {
  gener::testing::ScratchDir dir;
  Expression e;
  e.genes = {"G3", "G1", "G5", "G2", "G4"};  // shuffled rows
  e.L = 2;
  e.values.assign(10, 0.f);
  e.build_index();
  const std::string path = dir.path() + "/split.npy";
  gener::testing::write_text(path, gener::testing::npy_pairs({{0, 2, 1}, {1, 4, 0}}));  // (G1, G3), (G2, G5)
  PairSet p = read_pairs_npy_by_id(path, e);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(e.genes[p.ab[0]], "G1");
  EXPECT_EQ(e.genes[p.ab[1]], "G3");
  EXPECT_EQ(e.genes[p.ab[2]], "G2");
  EXPECT_EQ(e.genes[p.ab[3]], "G5");
  EXPECT_EQ(p.label[0], 1);
  EXPECT_EQ(p.label[1], 0);
  // An index past the matrix's genes names the file, the row and the id.
  gener::testing::write_text(path, gener::testing::npy_pairs({{0, 7, 1}}));
  gener::testing::expect_error([&] { read_pairs_npy_by_id(path, e); }, {"split.npy", "row 0", "G8"});
}

}  // namespace
}  // namespace gener::data
