// test_data_compendium.cpp — real files as they come: a leading array-name column, BOM, missing values (error,
// impute, drop-genes), per-file centring and stacking (overlapping, disjoint and mapped genes; union).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/data/compendium.h"
#include "engine/data/expression.h"
#include "engine/data/normalize.h"
#include "test_data_util.h"

namespace gener::data {
namespace {

using gener::testing::expect_error;
using gener::testing::ScratchDir;
using gener::testing::write_gzip;
using gener::testing::write_text;

// 3 arrays x 3 genes with array names, as the yeast compendia are written; two values missing.
const char* kCompendium =
    "sample\tYAL001C\tYAL002W\tYAL003W\n"
    "heat.05\t1\tNaN\t-2\n"
    "heat.10\t2\t4\t\n"
    "heat.20\t6\t8\t1\n";

TEST(Compendium, LeadingArrayNameColumnIsDetectedAndKept) {
  ScratchDir dir;
  write_text(dir.file("c.tsv"), kCompendium);
  Expression e = read_expression(dir.file("c.tsv"), Orientation::Auto, MissingRead::Keep);
  ASSERT_EQ(e.genes, (std::vector<std::string>{"YAL001C", "YAL002W", "YAL003W"}));
  EXPECT_EQ(e.samples, (std::vector<std::string>{"heat.05", "heat.10", "heat.20"}));
  ASSERT_EQ(e.L, 3);
  EXPECT_EQ(e.row(0)[2], 6.0f);
  EXPECT_TRUE(std::isnan(e.row(1)[0]));
  EXPECT_TRUE(std::isnan(e.row(2)[1]));  // an empty field is missing too
  EXPECT_EQ(e.missing.count, 2);
  EXPECT_EQ(e.missing.first_line, 2);
  EXPECT_EQ(e.missing.first_column, 3);
  // Another corner word and a BOM before the header agree.
  for (const std::string& text : {std::string("\xEF\xBB\xBF") + kCompendium, std::string("array") + (kCompendium + 6)}) {
    write_gzip(dir.file("v.tsv.gz"), text);
    Expression v = read_expression(dir.file("v.tsv.gz"), Orientation::Auto, MissingRead::Keep);
    EXPECT_EQ(v.genes, e.genes);
    EXPECT_EQ(v.samples, e.samples);
    EXPECT_EQ(v.missing.count, 2);
  }
  // With the orientation given: any corner label, or none at all (R's write.table layout).
  for (const std::string& text : {std::string("id_of_array") + (kCompendium + 6), std::string(kCompendium + 7)}) {
    write_text(dir.file("x.tsv"), text);
    Expression x = read_expression(dir.file("x.tsv"), Orientation::SamplesByGenes, MissingRead::Keep);
    EXPECT_EQ(x.genes, e.genes);
    EXPECT_EQ(x.samples, e.samples);
    EXPECT_EQ(x.values.size(), e.values.size());
  }
}

TEST(Compendium, MissingValuesAreAnErrorByDefaultNamingCountAndOption) {
  ScratchDir dir;
  write_text(dir.file("c.tsv"), kCompendium);
  expect_error([&] { read_expression(dir.file("c.tsv")); },
               {dir.file("c.tsv") + ":2: column 3: missing value 'NaN'", "2 missing values", "--missing impute",
                "drop-genes"});
  ExpressionSpec spec;
  spec.files = {dir.file("c.tsv")};
  expect_error([&] { load_expression_set(spec); }, {"c.tsv:2:", "2 missing values", "--missing"});
  write_text(dir.file("inf.tsv"), "sample\tA\tB\ns1\t1\tinf\ns2\t1\t2\n");
  spec.files = {dir.file("inf.tsv")};
  spec.missing = MissingPolicy::Impute;
  expect_error([&] { load_expression_set(spec); }, {"inf.tsv:2: column 3: bad value 'inf'"});
}

TEST(Compendium, ImputeFillsTheGenesMeanAndDropsGenesWithoutData) {
  Expression e;
  e.genes = {"a", "b", "c", "d"};
  e.L = 4;
  const float nan = std::nanf("");
  e.values = {1, nan, 3, 8,        // a: mean of 1, 3, 8 = 4
              nan, nan, nan, nan,  // b: no data at all -> absent
              2, 2, nan, nan,      // c: half missing, mean 2
              5, 6, 7, 8};         // d: complete
  e.build_index();
  Expression imp = e;
  MissingReport r = handle_missing(imp, MissingPolicy::Impute);
  EXPECT_EQ(r.values, 7);
  EXPECT_EQ(r.imputed, 3);
  EXPECT_EQ(r.no_data_genes, 1);
  ASSERT_EQ(imp.genes, (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(imp.find("b"), -1);
  EXPECT_EQ(imp.values, (std::vector<float>{1, 4, 3, 8, 2, 2, 2, 2, 5, 6, 7, 8}));
  Expression drop = e;
  r = handle_missing(drop, MissingPolicy::DropGenes, 0.3);  // c (50%) goes, a (25%) is imputed
  EXPECT_EQ(drop.genes, (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(r.dropped_genes, 2);
  EXPECT_EQ(r.dropped_examples, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(drop.row(0)[1], 4.0f);
  Expression none = e;
  handle_missing(none, MissingPolicy::DropGenes, 0.0);
  EXPECT_EQ(none.genes, (std::vector<std::string>{"d"}));
  expect_error([&] { Expression x = e; handle_missing(x, MissingPolicy::DropGenes, 1.5); },
               {"--max-missing", "[0, 1]", "1.5"});
  expect_error([&] { Expression x = e; handle_missing(x, MissingPolicy::Error); }, {"7 missing values", "--missing"});
}

TEST(Compendium, EachFileIsCentredOnItsOwnThenStacked) {
  ScratchDir dir;
  // File 1: genes A, B, C over 2 arrays; file 2: genes B, C, D over 3 arrays, one value missing.
  write_text(dir.file("one.tsv"), "sample\tA\tB\tC\ns1\t1\t10\t5\ns2\t3\t20\t7\n");
  write_text(dir.file("two.tsv"), "sample\tD\tC\tB\nt1\t0\t1\t2\nt2\t0\t2\tNA\nt3\t0\t6\t6\n");
  ExpressionSpec spec;
  spec.files = {dir.file("one.tsv"), dir.file("two.tsv")};
  spec.normalize = Normalization::Center;
  spec.missing = MissingPolicy::Impute;
  ExpressionSet s = load_expression_set(spec);
  const Expression& e = s.expr;
  ASSERT_EQ(e.genes, (std::vector<std::string>{"B", "C"}));  // the intersection, in the first file's order
  EXPECT_EQ(e.samples, (std::vector<std::string>{"s1", "s2", "t1", "t2", "t3"}));
  ASSERT_EQ(e.L, 5);
  // B: file 1 (10, 20) - 15; file 2 (2, NA -> mean 4, 6) - 4.  C: (5, 7) - 6; (1, 2, 6) - 3.
  EXPECT_EQ(std::vector<float>(e.row(0), e.row(0) + 5), (std::vector<float>{-5, 5, -2, 0, 2}));
  EXPECT_EQ(std::vector<float>(e.row(1), e.row(1) + 5), (std::vector<float>{-1, 1, -2, -1, 3}));
  EXPECT_EQ(s.summary["genes_not_in_every_file"], 2);
  EXPECT_EQ(s.summary["files"][1]["imputed_values"], 1);
  // Union: every gene; the arrays of a file without the gene are its centred mean, 0.
  spec.genes = GeneJoin::Union;
  ExpressionSet u = load_expression_set(spec);
  ASSERT_EQ(u.expr.genes, (std::vector<std::string>{"A", "B", "C", "D"}));
  EXPECT_EQ(std::vector<float>(u.expr.row(0), u.expr.row(0) + 5), (std::vector<float>{-1, 1, 0, 0, 0}));
  EXPECT_EQ(u.summary["filled_values"], 3 + 2);
  spec.normalize = Normalization::None;
  expect_error([&] { load_expression_set(spec); }, {"union", "center or zscore", "none"});
  // No gene in common is an error naming both files.
  write_text(dir.file("three.tsv"), "sample\tX\tY\nr1\t1\t2\n");
  spec = ExpressionSpec{};
  spec.files = {dir.file("one.tsv"), dir.file("three.tsv")};
  expect_error([&] { load_expression_set(spec); }, {"no gene in common", "one.tsv: 3 genes", "three.tsv: 2 genes"});
}

TEST(Compendium, GeneMapJoinsIdAndNameFiles) {
  ScratchDir dir;
  write_text(dir.file("map.tsv"), "#ID\tName\nG1\tYAL001C\nG2\tYAL002W\nG3\tYAL003W\n");
  write_text(dir.file("ids.tsv"), "sample\tG2\tG1\ns1\t1\t2\ns2\t3\t4\n");          // by G-id
  write_text(dir.file("orfs.tsv"), "sample\tYAL001C\tYAL002W\nt1\t5\t6\n");         // by ORF
  ExpressionSpec spec;
  spec.files = {dir.file("ids.tsv"), dir.file("orfs.tsv")};
  spec.gene_map = dir.file("map.tsv");
  ExpressionSet s = load_expression_set(spec);
  ASSERT_EQ(s.expr.genes, (std::vector<std::string>{"YAL002W", "YAL001C"}));
  EXPECT_EQ(std::vector<float>(s.expr.row(1), s.expr.row(1) + 3), (std::vector<float>{2, 4, 5}));
  EXPECT_EQ(s.id_to_name.at("G3"), "YAL003W");
  // A file naming one gene twice (by id and by name) and a map giving one name to two ids are errors.
  write_text(dir.file("both.tsv"), "sample\tG1\tYAL001C\ns1\t1\t2\n");
  spec.files = {dir.file("both.tsv"), dir.file("orfs.tsv")};
  expect_error([&] { load_expression_set(spec); }, {"both.tsv", "'G1' and 'YAL001C' are one gene"});
  write_text(dir.file("dup.tsv"), "#ID\tName\nG1\tYAL001C\nG2\tYAL001C\n");
  spec.gene_map = dir.file("dup.tsv");
  expect_error([&] { load_expression_set(spec); }, {"dup.tsv:3:", "name 'YAL001C' is given to two ids", "line 2"});
}

TEST(Compendium, SpecRoundTripsThroughJson) {
  ExpressionSpec s;
  s.files = {"/d/a.tsv.gz", "/d/b.tsv"};
  s.gene_map = "/d/map.tsv";
  s.orientation = Orientation::SamplesByGenes;
  s.normalize = Normalization::Zscore;
  s.missing = MissingPolicy::DropGenes;
  s.max_missing = 0.25;
  s.genes = GeneJoin::Union;
  ExpressionSpec t = expression_spec_from_json(expression_spec_to_json(s), "test");
  EXPECT_EQ(t.files, s.files);
  EXPECT_EQ(t.gene_map, s.gene_map);
  EXPECT_EQ(t.orientation, s.orientation);
  EXPECT_EQ(t.normalize, s.normalize);
  EXPECT_EQ(t.missing, s.missing);
  EXPECT_EQ(t.max_missing, 0.25);
  EXPECT_EQ(t.genes, s.genes);
  nlohmann::json bad = expression_spec_to_json(s);
  bad["normalize"] = "log";
  expect_error([&] { expression_spec_from_json(bad, "model.safetensors"); }, {"model.safetensors", "'log'"});
  expect_error([&] { parse_normalization("median", "--normalize"); }, {"--normalize", "'median'", "center"});
}

TEST(Normalize, CenterPerGene) {
  Expression e;
  e.genes = {"a", "b"};
  e.L = 3;
  e.values = {1, 2, 6, -1, -1, -1};
  center_per_gene(e);
  EXPECT_EQ(e.values, (std::vector<float>{-2, -1, 3, 0, 0, 0}));
}

}  // namespace
}  // namespace gener::data
