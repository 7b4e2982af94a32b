// test_apps_realdata.cpp — the gener binary on real-data layouts: stacked compendia with missing values, a model
// that records its preprocessing and training-pair degrees (score/eval reapply them), and the three real-data
// experiment configs end to end on a small slice of the shared files (skipped visibly without them).
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "engine/io/npy.h"
#include "engine/io/text_reader.h"
#include "realdata_fixtures.h"
#include "tests/shared_data.h"
#include "test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kDemoTrain = std::string(GENER_SOURCE_DIR) + "/configs/train/demo.yaml";

// Two compendia with array names and missing values: a.tsv (8 arrays, genes Y0..Y39, 3 NaN) and b.tsv.gz
// (6 arrays, genes Y5..Y44 in another order); gene g follows program g % 5. Pairs among Y5..Y39.
void write_compendia(const std::string& dir) {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> nd(0, 1);
  auto table = [&](const std::string& prefix, int arrays, std::vector<int> genes, int nans) {
    std::vector<std::vector<double>> prog(5, std::vector<double>(static_cast<size_t>(arrays)));
    for (auto& p : prog)
      for (double& v : p) v = nd(rng);
    std::string t = "sample";
    for (int g : genes) t += "\tY" + std::to_string(g);
    t += "\n";
    for (int s = 0; s < arrays; ++s) {
      t += prefix + std::to_string(s + 1);
      for (size_t k = 0; k < genes.size(); ++k) {
        const bool missing = static_cast<int>(k) < nans && s == 1;
        t += missing ? "\tNaN" : "\t" + std::to_string(prog[genes[k] % 5][s] + 0.5 * nd(rng));
      }
      t += "\n";
    }
    return t;
  };
  std::vector<int> ga, gb;
  for (int g = 0; g < 40; ++g) ga.push_back(g);
  for (int g = 44; g >= 5; --g) gb.push_back(g);
  spit(dir + "/a.tsv", table("a", 8, ga, 3));
  const std::string b = table("b", 6, gb, 0);
  gzFile gz = gzopen((dir + "/b.tsv.gz").c_str(), "wb");
  gzwrite(gz, b.data(), static_cast<unsigned>(b.size()));
  gzclose(gz);
  std::string tr = "gene_a\tgene_b\tlabel\n", va = tr, te = tr;
  int k = 0;
  for (int a = 5; a < 40; ++a)
    for (int c = a + 1; c < 40; c += 3, ++k) {
      const std::string row = "Y" + std::to_string(a) + "\tY" + std::to_string(c) + "\t" +
                              std::to_string(a % 5 == c % 5 ? 1 : 0) + "\n";
      (k % 10 == 0 ? te : k % 10 == 1 ? va : tr) += row;
    }
  spit(dir + "/train.tsv", tr);
  spit(dir + "/val.tsv", va);
  spit(dir + "/test.tsv", te + "Y1\tY6\t1\nY2\tY41\t0\n");  // Y1-Y4 and Y40-Y44 are not in both files
}

class AppRealData : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  ::testing::AssertionResult ok(const std::string& args) const { return run_ok(args, dir_); }
  std::string dir_;
};

TEST_F(AppRealData, AModelRecordsItsPreprocessingAndTrainingPairs) {
  write_compendia(dir_);
  const std::string prep = " --missing impute --normalize center";
  ASSERT_TRUE(ok("train --expression a.tsv b.tsv.gz" + prep + " --train train.tsv --val val.tsv --train-config " +
                 kDemoTrain + " --epochs 1 --out out/m --quiet --threads 2"));
  // score without any expression flag reads the model's files the model's way; with the flags it agrees.
  ASSERT_TRUE(ok("score --model out/m/model.safetensors --pairs val.tsv --out s1.tsv --quiet --threads 2"));
  ASSERT_TRUE(ok("score --model out/m/model.safetensors --expression a.tsv --expression b.tsv.gz" + prep +
                 " --pairs val.tsv --out s2.tsv --quiet --threads 2"));
  ASSERT_TRUE(ok("score --model out/m/model.safetensors --expression a.tsv b.tsv.gz --pairs val.tsv --out s3.tsv "
                 "--quiet --threads 2"));
  const std::string s1 = slurp(dir_ + "/s1.tsv");
  EXPECT_GT(s1.size(), 100u);
  EXPECT_EQ(s1, slurp(dir_ + "/s2.tsv"));
  EXPECT_EQ(s1, slurp(dir_ + "/s3.tsv")) << "the recorded --missing / --normalize were not applied";
  ASSERT_TRUE(ok("score --model out/m/model.safetensors --expression a.tsv b.tsv.gz --normalize none --pairs val.tsv "
                 "--out s4.tsv --quiet --threads 2"));
  EXPECT_NE(s1, slurp(dir_ + "/s4.tsv")) << "an explicit flag overrides the model's choice";
  // The files in another order hold the same genes and as many arrays, but not the model's arrays.
  std::string err;
  EXPECT_EQ(run_gener("score --model out/m/model.safetensors --expression b.tsv.gz a.tsv --pairs val.tsv --out s5.tsv",
                      dir_, nullptr, &err), 1);
  EXPECT_TRUE(one_error_line(err, {"array 1 is 'b1' here but 'a1'", "model's order"}));
  EXPECT_FALSE(fs::exists(dir_ + "/s5.tsv"));
  // eval without a dataset: the model's training pairs give the degree baseline and the strata; pairs with a gene
  // without data in both files are dropped and counted.
  ASSERT_TRUE(ok("eval --model out/m/model.safetensors --pairs test.tsv --out out/e --report --quiet --threads 2"));
  const json m = json::parse(slurp(dir_ + "/out/e/metrics.json"));
  ASSERT_TRUE(m["baseline_degree"].is_object()) << m.dump();
  EXPECT_EQ(m["pairs_without_data"]["pairs"], 2);
  EXPECT_EQ(m["pairs_without_data"]["positives"], 1);
  int64_t n = 0;
  for (const char* k : {"C1", "C2", "C3"}) n += m["strata_counts"][k]["pairs"].get<int64_t>();
  EXPECT_EQ(n, m["n_pairs"].get<int64_t>());
  const std::string report = slurp(dir_ + "/out/e/report.md");
  EXPECT_NE(report.find("| Gene degree |"), std::string::npos) << report;
  EXPECT_NE(report.find("C1 ("), std::string::npos) << report;
}

TEST_F(AppRealData, StackingAndMissingValueErrorsNameTheFileAndOption) {
  write_compendia(dir_);
  std::string err;
  EXPECT_EQ(run_gener("train --expression a.tsv b.tsv.gz --train train.tsv --val val.tsv --out out/m", dir_, nullptr,
                      &err), 1);
  EXPECT_TRUE(one_error_line(err, {"a.tsv:3:", "missing value 'NaN'", "3 missing values", "--missing impute"}));
  spit(dir_ + "/c.tsv", "sample\tZ1\tZ2\nc1\t1\t2\n");
  EXPECT_EQ(run_gener("train --expression a.tsv c.tsv --missing impute --train train.tsv --val val.tsv --out out/m",
                      dir_, nullptr, &err), 1);
  EXPECT_TRUE(one_error_line(err, {"no gene in common", "a.tsv: 40 genes", "c.tsv: 2 genes"}));
  EXPECT_EQ(run_gener("train --expression a.tsv --missing drop-genes --max-missing 1.5 --train train.tsv --val val.tsv "
                      "--out out/m", dir_, nullptr, &err), 1);
  EXPECT_TRUE(one_error_line(err, {"--max-missing", "[0, 1]", "1.5"}));
  EXPECT_EQ(run_gener("prepare --expression a.tsv b.tsv.gz --missing impute --genes union --edges train.tsv --out "
                      "out/c.gcache", dir_, nullptr, &err), 1);
  EXPECT_TRUE(one_error_line(err, {"union", "center or zscore"}));
  EXPECT_FALSE(fs::exists(dir_ + "/out"));
}

// ---- the real-data configs on a slice of the shared files ----

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  for (std::string x; std::getline(ss, x, '\t');) f.push_back(x);
  if (!line.empty() && line.back() == '\t') f.emplace_back();
  return f;
}

std::vector<std::string> lines_of(const std::string& path) {
  io::LineReader r(path);
  std::vector<std::string> out;
  std::string_view l;
  while (r.next(l)) out.emplace_back(l);
  return out;
}

void write_gz(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
}

const char* kCompendia[] = {"yeast-expression/gasch2000_gaschYHS.tsv.gz",
                            "yeast-expression/spellman1998_yeastCC_spYCCES.tsv.gz",
                            "yeast-expression/pramila2006_yeastCC_breeden.signfixed.tsv.gz"};
const char* kEdges = "biogrid-3.1.72/biogrid_3.1.72_yeast_edges.tsv.gz";
const char* kMap = "gener-biogrid-dream5/net4_gene_ids.tsv";
const char* kNpy[] = {"gener-biogrid-dream5/validation_data.npy", "gener-biogrid-dream5/testing_data.npy"};

// The shared files cut down to the `n` best-connected BioGRID genes that every compendium has, in the same layout
// under `root`: the compendia (those columns, every array), the edges among them (plus a few to other genes), the
// full gene map, and the .npy rows among them (plus a few to other genes, which prepare drops and counts).
void write_slice(const std::string& shared, const std::string& root, size_t n) {
  std::map<std::string, std::string> orf_to_id;
  for (const std::string& l : lines_of(shared + "/" + kMap)) {
    const auto f = split_tabs(l);
    if (f.size() >= 2 && l[0] != '#') orf_to_id[f[1]] = f[0];
  }
  std::map<std::string, int> degree;
  const std::vector<std::string> edges = lines_of(shared + "/" + kEdges);
  for (size_t i = 1; i < edges.size(); ++i)
    for (const std::string& g : split_tabs(edges[i])) ++degree[g];
  std::vector<std::vector<std::string>> tables;
  std::map<std::string, int> in_files;
  for (const char* c : kCompendia) {
    tables.push_back(lines_of(shared + "/" + c));
    for (const std::string& g : split_tabs(tables.back()[0])) ++in_files[g];
  }
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [g, k] : in_files)
    if (k == 3 && orf_to_id.count(g) && degree.count(g)) ranked.emplace_back(-degree[g], g);
  std::sort(ranked.begin(), ranked.end());
  std::set<std::string> keep;
  for (size_t i = 0; i < n && i < ranked.size(); ++i) keep.insert(ranked[i].second);
  for (size_t c = 0; c < tables.size(); ++c) {
    const auto header = split_tabs(tables[c][0]);
    std::vector<size_t> cols = {0};
    for (size_t j = 1; j < header.size(); ++j)
      if (keep.count(header[j])) cols.push_back(j);
    std::string text;
    for (const std::string& l : tables[c]) {
      const auto f = split_tabs(l);
      for (size_t k = 0; k < cols.size(); ++k) text += (k ? "\t" : "") + f[cols[k]];
      text += "\n";
    }
    write_gz(root + "/" + kCompendia[c], text);
  }
  std::string e = edges[0] + "\n";
  int outside = 0;
  for (size_t i = 1; i < edges.size(); ++i) {
    const auto f = split_tabs(edges[i]);
    const int in = static_cast<int>(keep.count(f[0]) + keep.count(f[1]));
    if (in == 2 || (in == 1 && outside++ < 5)) e += edges[i] + "\n";
  }
  write_gz(root + "/" + kEdges, e);
  fs::create_directories(fs::path(root + "/" + kMap).parent_path());
  fs::copy_file(shared + "/" + kMap, root + "/" + kMap, fs::copy_options::overwrite_existing);
  std::set<int> keep_idx;
  for (const std::string& g : keep) keep_idx.insert(std::stoi(orf_to_id[g].substr(1)) - 1);
  for (const char* npy : kNpy) {
    const io::NpyArray a = io::read_npy(shared + "/" + npy);
    std::vector<std::vector<double>> rows;
    int other = 0;
    for (int64_t i = 0; i < a.shape[0]; ++i) {
      const double* r = a.values.data() + 3 * i;
      const int in = static_cast<int>(keep_idx.count(static_cast<int>(r[0])) + keep_idx.count(static_cast<int>(r[1])));
      if (in == 2 || (in == 1 && other++ < 20)) rows.push_back({r[0], r[1], r[2]});
    }
    spit(root + "/" + npy, gener::testing::npy_pairs(rows));
  }
}

TEST_F(AppRealData, TheRealDataConfigsRunEndToEndOnASliceOfTheSharedFiles) {
  const std::string shared = gener::testing::shared_data_dir();
  for (const char* f : {kCompendia[0], kCompendia[1], kCompendia[2], kEdges, kMap, kNpy[0], kNpy[1]})
    GENER_SKIP_WITHOUT_FILE(shared + "/" + f);
  write_slice(shared, dir_ + "/slice", 160);
  const std::string cfg = std::string(GENER_SOURCE_DIR) + "/configs/experiments/";
  for (const char* name : {"real_yeast_paper_split", "real_yeast_degree_matched", "real_yeast_gene_disjoint",
                           "real_yeast_gene_disjoint_degree_matched"}) {
    SCOPED_TRACE(name);
    const std::string out = std::string("out/") + name;
    std::string so, se;
    ASSERT_EQ(run_gener("experiment " + cfg + name + ".yaml --data-root slice --out " + out +
                            " --epochs 1 --threads 2 --quiet",
                        dir_, &so, &se),
              0)
        << so << se;
    EXPECT_NE(so.find("3 files stacked"), std::string::npos) << so;
    const json m = json::parse(slurp(dir_ + "/" + out + "/metrics.json"));
    const json& d = m["dataset"];
    EXPECT_EQ(d["expression"]["genes"], 160);
    EXPECT_EQ(d["expression"]["samples"], 173 + 77 + 50);
    for (const char* model : {"GENER", "CNN only"}) {
      ASSERT_TRUE(m["models"].contains(model)) << m["models"].dump();
      EXPECT_EQ(m["models"][model]["n_pairs"], d["splits"]["test"]["pairs"]);
      EXPECT_TRUE(m["models"][model]["validation"].contains("auroc_micro"));
    }
    ASSERT_TRUE(m["baseline_degree"].is_object());
    const std::string report = slurp(dir_ + "/" + out + "/report.md");
    for (const char* row : {"| GENER |", "| CNN only |", "| Correlation |", "| Gene degree |", "C1 (", "C3 ("})
      EXPECT_NE(report.find(row), std::string::npos) << row << "\n" << report;
    const std::string split = d["split_by"];
    if (split == "npy") {
      EXPECT_EQ(d["without_data"]["test"]["pairs"], 20);  // the rows with a gene outside the slice
      // The paper-split config also runs the eight embedding baselines: all ten Table 4 rows are measured.
      ASSERT_EQ(m["table4"].size(), 10u) << m.dump();
      for (const json& r : m["table4"]) EXPECT_TRUE(r["measured"].is_object()) << r.dump();
      for (const char* row : {"| Isomap+ |", "| GNE (topology) |", "| 0.825 | 0.821 |"})
        EXPECT_NE(report.find(row), std::string::npos) << row << "\n" << report;
      EXPECT_NE(report.find("pairs kept"), std::string::npos) << report;
    } else if (split == "genes") {
      EXPECT_EQ(m["strata_counts"]["C3"]["pairs"], d["splits"]["test"]["pairs"]) << "gene-disjoint test is pure C3";
    }
    if (std::string(name).find("degree_matched") != std::string::npos) {
      EXPECT_EQ(d["negative_sampling"], "degree_matched");
    }
  }
}

}  // namespace
}  // namespace gener::apptest
