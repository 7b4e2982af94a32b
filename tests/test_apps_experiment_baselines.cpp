// test_apps_experiment_baselines.cpp — `gener experiment` with a `baselines:` list: the Table 4 embedding baselines
// run on the experiment's split after GENER, their rows (paper and measured numbers, C1/C2/C3) in metrics.json and
// report.md, per-entry settings, one-thread reruns identical, and bad entries stopping before any training.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// e.tsv: 24 samples x 60 genes G1..G60 (genes g, g+6, g+12, ... share an expression programme and all interact
// with each other); i.tsv: those 270 pairs by name; exp.yaml: a tiny experiment with small baseline settings.
void write_experiment(const std::string& dir, const std::string& baselines_yaml) {
  const int G = 60, L = 24;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> nd(0, 1);
  std::vector<std::vector<double>> prog(6, std::vector<double>(L));
  for (auto& p : prog)
    for (double& v : p) v = nd(rng);
  std::string expr, edges;
  for (int g = 0; g < G; ++g) expr += (g ? "\t" : "") + std::string("G") + std::to_string(g + 1);
  expr += "\n";
  for (int s = 0; s < L; ++s) {
    for (int g = 0; g < G; ++g) expr += (g ? "\t" : "") + std::to_string(prog[g % 6][s] + 0.7 * nd(rng));
    expr += "\n";
  }
  for (int a = 0; a < G; ++a)
    for (int b = a + 6; b < G; b += 6) edges += "G" + std::to_string(a + 1) + "\tG" + std::to_string(b + 1) + "\n";
  spit(dir + "/e.tsv", expr);
  spit(dir + "/i.tsv", edges);
  spit(dir + "/exp.yaml",
       "experiment:\n"
       "  name: tiny_baselines\n"
       "  data_root: .\n"
       "  expression: {file: e.tsv, orientation: samples-by-genes, normalize: zscore}\n"
       "  interactions: {file: i.tsv, format: edges}\n"
       "  split: {test: 0.2, validation: 0.1, seed: 5}\n"
       "  model: configs/model/paper.yaml\n"
       "  train: {optimizer: adam, learning_rate: 0.002, batch_size: 32, epochs: 2, seed: 1}\n"
       "  baseline_settings:\n"
       "    seed: 3\n"
       "    isomap: {dim: 8}\n"
       "    line: {dim: 16, samples_millions: 0.05}\n"
       "    node2vec: {dim: 16, walk_length: 10, walks_per_node: 4}\n"
       "    gne: {id_dim: 16, attr_dim: 16, dim: 16, epochs: 3, batch: 64}\n" +
           baselines_yaml);
}

std::string row_prefix(const std::string& method, const json& m) {
  char b[160];
  std::snprintf(b, sizeof(b), "| %s | %.4f | %.4f | %.4f | %.4f | %.4f |", method.c_str(),
                m["auroc_micro"].get<double>(), m["aupr_micro"].get<double>(), m["auroc"].get<double>(),
                m["aupr"].get<double>(), m["mcc"][1].get<double>());
  return b;
}

class AppExperimentBaselines : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

const std::vector<std::string> kTable4 = {"GENER",    "Correlation", "Isomap",         "LINE", "node2vec",
                                          "Isomap+",  "LINE+",       "node2vec+",      "GNE (topology)", "GNE"};

TEST_F(AppExperimentBaselines, AllTenTable4RowsMeasuredOnTheSameSplit) {
  write_experiment(dir_, "  baselines: [table4]\n");
  std::string out, err;
  ASSERT_EQ(run_gener("experiment exp.yaml --out out/a --threads 1 --quiet", dir_, &out, &err), 0) << err;
  const json m = json::parse(slurp(dir_ + "/out/a/metrics.json"));
  const size_t n_test = m["dataset"]["splits"]["test"]["pairs"].get<size_t>();
  ASSERT_EQ(m["baselines"].size(), 8u) << m["baselines"].dump();
  // metrics.json: the ten rows in the paper's order, each with the paper's and the measured numbers.
  ASSERT_EQ(m["table4"].size(), 10u);
  for (size_t i = 0; i < kTable4.size(); ++i) {
    const json& r = m["table4"][i];
    EXPECT_EQ(r["method"], kTable4[i]);
    EXPECT_TRUE(r["paper"]["auroc"].is_number()) << r.dump();
    ASSERT_TRUE(r["measured"].is_object()) << kTable4[i] << " not measured";
    EXPECT_TRUE(r["measured"]["strata"]["C1"].contains("auroc_micro")) << kTable4[i];
  }
  EXPECT_EQ(m["table4"][6]["paper"]["auroc"], 0.745);  // LINE+
  const std::string report = slurp(dir_ + "/out/a/report.md");
  for (const std::string& label : kTable4) {
    if (label == "GENER" || label == "Correlation") continue;
    SCOPED_TRACE(label);
    const json& b = m["baselines"][label];
    EXPECT_EQ(b["n_pairs"].get<size_t>(), n_test);
    EXPECT_EQ(b["model"], label);
    EXPECT_GT(b["timing_s"]["total"].get<double>(), 0.0);
    // Every baseline is a model row: the same metrics keys, strata and validation numbers.
    for (const char* k : {"auroc_micro", "aupr_micro", "auroc", "aupr", "mcc", "strata", "validation"})
      EXPECT_TRUE(b.contains(k)) << k;
    // The report row carries the measured numbers; its C1/C2/C3 row is there too.
    EXPECT_NE(report.find(row_prefix(label, b)), std::string::npos) << row_prefix(label, b) << "\n" << report;
    EXPECT_LT(report.find("| Correlation |"), report.find("| " + label + " |"));
    EXPECT_LT(report.find("| " + label + " |"), report.find("| Gene degree |"));
    // The baseline's own files, with the same numbers.
    const std::string bdir = dir_ + "/out/a/baselines/" + b["baseline"].get<std::string>();
    const std::string d = bdir.back() == '+' ? bdir.substr(0, bdir.size() - 1) + "_plus" : bdir;
    const json own = json::parse(slurp(d + "/metrics.json"));
    EXPECT_EQ(own["auroc"], b["auroc"]);
    EXPECT_EQ(read_tsv(d + "/test_scores.tsv").size(), n_test + 1);
    EXPECT_TRUE(fs::exists(d + "/embeddings.tsv") && fs::exists(d + "/roc.png"));
  }
  EXPECT_NE(report.find("| LINE+ | "), std::string::npos);
  EXPECT_NE(report.find("| 0.745 | 0.713 |"), std::string::npos) << report;  // LINE+'s paper numbers
  EXPECT_EQ(report.find("| — | — | — | — | — |"), std::string::npos) << "a row is not measured\n" << report;
  EXPECT_NE(report.find("| GNE (topology) | "), report.rfind("| GNE (topology) | ")) << "no C1/C2/C3 row";
  EXPECT_NE(report.find("wall time: Isomap"), std::string::npos) << report;
  EXPECT_NE(out.find("node2vec+"), std::string::npos) << out;

  // One thread: a rerun gives the same baseline numbers, bit for bit.
  ASSERT_EQ(run_gener("experiment exp.yaml --out out/b --threads 1 --quiet", dir_, &out, &err), 0) << err;
  const json m2 = json::parse(slurp(dir_ + "/out/b/metrics.json"));
  for (auto it = m["baselines"].begin(); it != m["baselines"].end(); ++it)
    for (const char* k : {"auroc_micro", "aupr_micro", "auroc", "aupr", "mcc", "strata"})
      EXPECT_EQ(it.value()[k], m2["baselines"][it.key()][k]) << it.key() << " " << k;
  EXPECT_EQ(slurp(dir_ + "/out/a/baselines/node2vec_plus/embeddings.tsv"),
            slurp(dir_ + "/out/b/baselines/node2vec_plus/embeddings.tsv"));
}

TEST_F(AppExperimentBaselines, AnEntrysOwnSettingsReplaceTheSharedOnes) {
  write_experiment(dir_,
                   "  baselines:\n"
                   "    - line\n"
                   "    - {method: node2vec, label: node2vec (p 0.5), node2vec: {p: 0.5, q: 2}}\n");
  std::string out, err;
  ASSERT_EQ(run_gener("experiment exp.yaml --out out/a --threads 2 --quiet", dir_, &out, &err), 0) << err;
  const json m = json::parse(slurp(dir_ + "/out/a/metrics.json"));
  ASSERT_EQ(m["baselines"].size(), 2u) << m["baselines"].dump();
  const json& n = m["baselines"]["node2vec (p 0.5)"];
  EXPECT_EQ(n["options"]["p"], 0.5);
  EXPECT_EQ(n["options"]["q"], 2.0);
  EXPECT_EQ(n["options"]["dim"], 16);       // from baseline_settings
  EXPECT_EQ(n["options"]["walk_length"], 10);
  EXPECT_EQ(n["seed"], 3);
  EXPECT_EQ(m["baselines"]["LINE"]["options"]["samples_millions"], 0.05);
  EXPECT_TRUE(fs::exists(dir_ + "/out/a/baselines/node2vec__p_0_5_/metrics.json"));
  const std::string report = slurp(dir_ + "/out/a/report.md");
  EXPECT_NE(report.find(row_prefix("node2vec (p 0.5)", n)), std::string::npos) << report;
  // The Table 4 rows not measured here are listed with the paper's numbers only.
  EXPECT_NE(report.find("| node2vec | — | — | — | — | — | 0.739 | 0.708 |"), std::string::npos) << report;
  EXPECT_TRUE(m["table4"][4]["measured"].is_null());  // node2vec
  EXPECT_TRUE(m["table4"][3]["measured"].is_object());  // LINE
}

TEST_F(AppExperimentBaselines, BadEntriesStopBeforeTrainingWithOneLine) {
  auto fails = [&](const std::string& yaml, const std::vector<std::string>& needles) {
    SCOPED_TRACE(yaml);
    write_experiment(dir_, yaml);
    std::string err;
    EXPECT_EQ(run_gener("experiment exp.yaml --out out/x --threads 1 --quiet", dir_, nullptr, &err), 1);
    EXPECT_TRUE(one_error_line(err, needles));
    EXPECT_FALSE(fs::exists(dir_ + "/out/x")) << "output written before the check";
  };
  fails("  baselines: [isomap, node3vec]\n", {"exp.yaml", "'experiment.baselines[1]'", "'node3vec'"});
  fails("  baselines: [gne+]\n", {"'experiment.baselines[0]'", "'gne+'"});
  fails("  baselines: [{method: line, line: {dim: 7}}]\n", {"exp.yaml", "experiment.baselines[0].line.dim", "even"});
  fails("  baselines: [{method: line, lines: {dim: 8}}]\n", {"exp.yaml", "'experiment.baselines[0].lines'"});
  fails("  baselines: [{method: node2vec, node2vec: {p: 0}}]\n", {"experiment.baselines[0].node2vec.p", "> 0"});
  fails("  baselines: [line, line]\n", {"'experiment.baselines[1]'", "'LINE'", "twice"});
  fails("  baselines: [{method: line, label: GENER}]\n", {"'experiment.baselines[0]'", "model"});
  fails("  baselines: isomap\n", {"exp.yaml", "'experiment.baselines'", "list"});
  fails("  baselines: [{label: x}]\n", {"'experiment.baselines[0]'", "method"});
}

}  // namespace
}  // namespace gener::apptest
