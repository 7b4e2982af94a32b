// test_apps_experiment.cpp — the real gener binary on a stand-in of the paper's raw files: `gener experiment`
// end to end (metrics.json, report.md), prepare → train/eval --dataset, and bad inputs failing cleanly.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/experiment_config.h"
#include "kernels/check.h"
#include "realdata_fixtures.h"
#include "test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string orf(int g) { return "YFAKE" + std::to_string(1000 + g) + "C"; }

// raw/: net4_expression_data.tsv (24 samples x 60 genes G1..G60, interacting genes share a signal),
// net4_gene_ids.tsv (G-id -> fake ORF), a BioGRID TAB3 file naming ORFs; plus exp.yaml, a tiny Table 4 config.
void write_stand_in(const std::string& dir, const std::string& extra_yaml = "") {
  const int G = 60, L = 24;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> nd(0, 1);
  std::vector<std::vector<double>> x(static_cast<size_t>(L), std::vector<double>(static_cast<size_t>(G)));
  std::vector<std::vector<double>> prog(6, std::vector<double>(static_cast<size_t>(L)));
  for (auto& p : prog)
    for (double& v : p) v = nd(rng);
  for (int s = 0; s < L; ++s)
    for (int g = 0; g < G; ++g) x[s][g] = prog[static_cast<size_t>(g % 6)][s] + 0.7 * nd(rng);
  std::string expr, map = "#ID\tName\n";
  for (int g = 0; g < G; ++g) expr += (g ? "\t" : "") + std::string("G") + std::to_string(g + 1);
  expr += "\n";
  for (int s = 0; s < L; ++s) {
    for (int g = 0; g < G; ++g) expr += (g ? "\t" : "") + std::to_string(x[s][g]);
    expr += "\n";
  }
  for (int g = 0; g < G; ++g) map += "G" + std::to_string(g + 1) + "\t" + orf(g) + "\n";
  std::vector<gener::testing::BiogridRow> rows;
  for (int a = 0; a < G; ++a)
    for (int b = a + 6; b < G; b += 6) rows.push_back({orf(a), orf(b), 559292, 559292, a % 2 ? "physical" : "genetic"});
  rows.push_back({orf(0), "YMISSING1W", 559292, 559292, "physical"});
  rows.push_back({orf(0), orf(7), 559292, 9606, "physical"});
  spit(dir + "/raw/net4_expression_data.tsv", expr);
  spit(dir + "/raw/net4_gene_ids.tsv", map);
  spit(dir + "/raw/BIOGRID-ORGANISM-Saccharomyces_cerevisiae_S288c-3.4.158.tab3.txt",
       gener::testing::biogrid_tab3(rows));
  spit(dir + "/exp.yaml",
       "# tiny stand-in of table4_biogrid_dream5.yaml\n"
       "experiment:\n"
       "  name: tiny_table4\n"
       "  paper_table: 4\n"
       "  data_root: raw\n"
       "  expression:\n"
       "    file: net4_expression_data.tsv\n"
       "    orientation: samples-by-genes\n"
       "    gene_map: net4_gene_ids.tsv\n"
       "    normalize: quantile\n"
       "  interactions:\n"
       "    format: biogrid\n"
       "    file: BIOGRID-ORGANISM-Saccharomyces_cerevisiae_S288c-3.4.*.tab[23]*\n"
       "    organism: 559292\n"
       "    systems: [physical, genetic]\n"
       "  split: {test: 0.1, validation: 0.1, seed: 5}\n"
       "  model: configs/model/paper.yaml\n"
       "  train: {optimizer: adam, learning_rate: 0.002, batch_size: 32, epochs: 3, seed: 1}\n" +
           extra_yaml);
}

class AppExperiment : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  ::testing::AssertionResult ok(const std::string& args) const { return run_ok(args, dir_); }
  // Fails with exit status 1, one error line holding `needles`, and nothing written under out/.
  void fails_cleanly(const std::string& args, const std::vector<std::string>& needles) const {
    SCOPED_TRACE(args);
    std::string err;
    EXPECT_EQ(run_gener(args, dir_, nullptr, &err), 1);
    EXPECT_TRUE(one_error_line(err, needles));
    EXPECT_EQ(files_under(dir_ + "/out"), std::vector<std::string>{}) << "partial output left behind";
  }
  std::string dir_;
};

TEST_F(AppExperiment, RawFilesToMetricsAndReportInOneCommand) {
  write_stand_in(dir_);
  std::string out, err;
  ASSERT_EQ(run_gener("experiment exp.yaml --out out/run --threads 2 --quiet", dir_, &out, &err), 0) << err;
  // 10 x 9 / 2 ... : genes g, g+6, g+12, ... interact: 6 groups of 10 genes, 45 pairs each.
  const size_t P = 6 * 45, N = 2 * P, n_test = N / 10, n_train = (N - n_test) * 9 / 10;
  EXPECT_NE(out.find("positives       270"), std::string::npos) << out;
  EXPECT_NE(out.find("YMISSING1W"), std::string::npos) << out;
  json m = json::parse(slurp(dir_ + "/out/run/metrics.json"));
  EXPECT_EQ(m["dataset"]["positives"].get<size_t>(), P);
  EXPECT_EQ(m["dataset"]["splits"]["test"]["pairs"].get<size_t>(), n_test);
  EXPECT_EQ(m["dataset"]["splits"]["train"]["pairs"].get<size_t>(), n_train);
  EXPECT_EQ(m["dataset"]["missing"]["interactions"].get<int>(), 1);
  ASSERT_TRUE(m["models"].contains("GENER")) << m.dump();
  EXPECT_EQ(m["models"]["GENER"]["n_pairs"].get<size_t>(), n_test);
  for (const char* k : {"auroc_micro", "aupr_micro"}) {
    EXPECT_GE(m["models"]["GENER"][k].get<double>(), 0.0);
    EXPECT_LE(m["baseline_correlation"][k].get<double>(), 1.0);
  }
  const std::string report = slurp(dir_ + "/out/run/report.md");
  EXPECT_NE(report.find("| Method | AUROC | AUPR | AUROC+ | AUPR+ | MCC | AUROC (paper) | AUPR (paper) |"), std::string::npos)
      << report;
  EXPECT_NE(report.find("| 0.834 | 0.832 |"), std::string::npos) << report;
  EXPECT_NE(report.find("| Correlation |"), std::string::npos) << report;
  EXPECT_NE(report.find("| 0.582 | 0.579 |"), std::string::npos) << report;
  EXPECT_NE(report.find("| GNE (topology) | — | — | — | — | — | 0.787 | 0.784 |"), std::string::npos) << report;
  EXPECT_NE(report.find("(gener/roc.png)"), std::string::npos) << report;
  // The gene-degree baseline and the C1/C2/C3 strata beside the model, in metrics.json and report.md.
  ASSERT_TRUE(m["baseline_degree"].is_object()) << m.dump();
  EXPECT_EQ(m["baseline_degree"]["n_pairs"].get<size_t>(), n_test);
  int64_t strata_pairs = 0;
  for (const char* k : {"C1", "C2", "C3"}) strata_pairs += m["strata_counts"][k]["pairs"].get<int64_t>();
  EXPECT_EQ(strata_pairs, static_cast<int64_t>(n_test));
  EXPECT_TRUE(m["models"]["GENER"]["strata"]["C1"].contains("auroc_micro"));
  EXPECT_NE(report.find("| Gene degree |"), std::string::npos) << report;
  EXPECT_NE(report.find("## By genes seen in training pairs"), std::string::npos) << report;
  EXPECT_LT(report.find("| GENER |"), report.find("| Correlation |")) << report;
  EXPECT_LT(report.find("| Correlation |"), report.find("| Gene degree |")) << report;
  char gener_row[64];
  std::snprintf(gener_row, sizeof(gener_row), "| GENER | %.4f | %.4f |", m["models"]["GENER"]["auroc_micro"].get<double>(),
                m["models"]["GENER"]["aupr_micro"].get<double>());
  EXPECT_NE(report.find(gener_row), std::string::npos) << gener_row << "\n" << report;
  for (const char* f : {"dataset.gcache", "gener/model.safetensors", "gener/roc.png", "gener/pr.png"})
    EXPECT_TRUE(fs::exists(dir_ + "/out/run/" + f)) << f;

  // The cache drives train and eval on its own; eval --report follows the same table.
  ASSERT_TRUE(ok("train --dataset out/run/dataset.gcache --train-config " GENER_SOURCE_DIR
                 "/configs/train/demo.yaml --epochs 1 --out out/t --quiet --threads 2"));
  ASSERT_TRUE(ok("eval --model out/t/model.safetensors --dataset out/run/dataset.gcache --split val --report "
                 "--out out/e --quiet --threads 2"));
  json e = json::parse(slurp(dir_ + "/out/e/metrics.json"));
  EXPECT_EQ(e["n_pairs"].get<size_t>(), N - n_test - n_train);
  EXPECT_NE(slurp(dir_ + "/out/e/report.md").find("| 0.834 | 0.832 |"), std::string::npos);
  // Table 3's layout adds MCC per class.
  ASSERT_TRUE(ok("eval --model out/t/model.safetensors --dataset out/run/dataset.gcache --report --paper-table 3 "
                 "--out out/e3 --quiet --threads 2"));
  const std::string r3 = slurp(dir_ + "/out/e3/report.md");
  EXPECT_NE(r3.find("| Method | AUROC | AUPR | AUROC+ | AUPR+ | MCC | AUROC (paper) | AUPR (paper) | MCC (paper) |"),
            std::string::npos)
      << r3;
  EXPECT_NE(r3.find("| 0.8634 | 0.8525 | 0.5746 / 0.5783 |"), std::string::npos) << r3;
  EXPECT_NE(r3.find("| CNN only | — | — | — | — | — | 0.8274 | 0.8203 | 0.4920 / 0.4920 |"), std::string::npos) << r3;
  EXPECT_EQ(r3.find("GNE"), std::string::npos) << r3;
}

TEST_F(AppExperiment, PrepareFromFlagsMatchesTheConfigAndIsDeterministic) {
  write_stand_in(dir_);
  ASSERT_TRUE(ok("prepare --config exp.yaml --out c1.gcache --quiet"));
  ASSERT_TRUE(ok("prepare --config exp.yaml --data-root raw --out c2.gcache --quiet"));
  ASSERT_TRUE(ok("prepare --expression raw/net4_expression_data.tsv --gene-map raw/net4_gene_ids.tsv --normalize "
                 "quantile --biogrid raw/BIOGRID-ORGANISM-Saccharomyces_cerevisiae_S288c-3.4.158.tab3.txt --seed 5 "
                 "--name tiny_table4 --paper-table 4 --orientation samples-by-genes --out c3.gcache --quiet"));
  const std::string c1 = slurp(dir_ + "/c1.gcache");
  EXPECT_GT(c1.size(), 60u * 24u * 4u);
  EXPECT_TRUE(c1 == slurp(dir_ + "/c2.gcache")) << "--data-root changed the dataset";
  EXPECT_TRUE(c1 == slurp(dir_ + "/c3.gcache")) << "flags and config disagree";
  ASSERT_TRUE(ok("prepare --config exp.yaml --out c4.gcache --quiet"));
  EXPECT_TRUE(c1 == slurp(dir_ + "/c4.gcache")) << "prepare is not deterministic";
}

TEST_F(AppExperiment, BadInputsStopWithOneLineAndNoOutput) {
  write_stand_in(dir_);
  const std::string bg = "raw/BIOGRID-ORGANISM-Saccharomyces_cerevisiae_S288c-3.4.158.tab3.txt";
  const std::string flags = "prepare --gene-map raw/net4_gene_ids.tsv --out out/c.gcache ";
  fails_cleanly(flags + "--expression raw/net4_expression_data.tsv --biogrid " + bg + " --organism 6239",
                {"tab3.txt", "organism 6239"});
  std::string expr = slurp(dir_ + "/raw/net4_expression_data.tsv");
  size_t l3 = expr.find('\n', expr.find('\n', expr.find('\n') + 1) + 1);
  spit(dir_ + "/raw/ragged.tsv", expr.substr(0, l3) + "\t1.5" + expr.substr(l3));
  fails_cleanly(flags + "--expression raw/ragged.tsv --biogrid " + bg, {"ragged.tsv:3:", "ragged row"});
  std::string nan = expr;
  nan.replace(l3 + 1, nan.find('\t', l3 + 1) - (l3 + 1), "NaN");  // first value of line 4
  spit(dir_ + "/raw/nan.tsv", nan);
  fails_cleanly(flags + "--expression raw/nan.tsv --biogrid " + bg, {"nan.tsv:4:", "'NaN'"});
  spit(dir_ + "/raw/bg.txt", "#BioGRID Interaction ID\tSystematic Name Interactor A\n1\tYAL001C\n");
  fails_cleanly(flags + "--expression raw/net4_expression_data.tsv --biogrid raw/bg.txt",
                {"bg.txt:1:", "'Systematic Name Interactor B'"});
  spit(dir_ + "/raw/v.npy", gener::testing::npy_pairs({{0, 1, 1}, {2, 70, 0}}));
  spit(dir_ + "/raw/t.npy", gener::testing::npy_pairs({{3, 4, 1}}));
  fails_cleanly(flags + "--expression raw/net4_expression_data.tsv --biogrid " + bg +
                    " --validation-npy raw/v.npy --test-npy raw/t.npy",
                {"v.npy", "validation split has 1 positive and 0 negative", "pairs without data"});
  // A misspelt key or a wrong value in the experiment file is named with its line.
  const std::string yaml = slurp(dir_ + "/exp.yaml");
  spit(dir_ + "/bad.yaml", yaml + "  negatves: {ratio: 1.0}\n");
  fails_cleanly("experiment bad.yaml --out out/x", {"bad.yaml:19:", "unknown key 'experiment.negatves'"});
  std::string wrong = yaml;
  wrong.replace(wrong.find("quantile"), 8, "quantil");
  spit(dir_ + "/wrong.yaml", wrong);
  fails_cleanly("prepare --config wrong.yaml --out out/c.gcache", {"wrong.yaml", "'experiment.expression.normalize'",
                                                                   "'quantil'"});
  // A corrupt cache stops train before any output.
  ASSERT_TRUE(ok("prepare --config exp.yaml --out c.gcache --quiet"));
  std::string cache = slurp(dir_ + "/c.gcache");
  cache[cache.size() / 2] ^= 0x40;
  spit(dir_ + "/bad.gcache", cache);
  fails_cleanly("train --dataset bad.gcache --out out/t --quiet", {"bad.gcache", "byte 24", "checksum"});
  spit(dir_ + "/short.gcache", slurp(dir_ + "/c.gcache").substr(0, 100));
  fails_cleanly("train --dataset short.gcache --out out/t --quiet", {"short.gcache", "byte 100", "truncated"});
}

TEST(AppExperimentConfigs, ShippedExperimentFilesParseAndPointUnderTheDataRoot) {
  const std::string dir = std::string(GENER_SOURCE_DIR) + "/configs/experiments/";
  struct Want {
    const char* file;
    int table;
    const char* model;
    const char* normalize;
    const char* optimizer = "sgd";
    size_t models = 1;
  };
  for (const Want& w : {Want{"table4_biogrid_dream5.yaml", 4, "GENER", "quantile"},
                        Want{"table4_biogrid_dream5_cnn_only.yaml", 4, "CNN only", "quantile"},
                        Want{"table3_yeastract.yaml", 3, "GENER", "zscore"},
                        Want{"table3_yeastract_cnn_only.yaml", 3, "CNN only", "zscore"},
                        Want{"real_yeast_paper_split.yaml", 0, "GENER", "zscore", "adam", 2},
                        Want{"real_yeast_degree_matched.yaml", 0, "GENER", "zscore", "adam", 2},
                        Want{"real_yeast_gene_disjoint.yaml", 0, "GENER", "zscore", "adam", 2},
                        Want{"real_yeast_gene_disjoint_degree_matched.yaml", 0, "GENER", "zscore", "adam", 2}}) {
    SCOPED_TRACE(w.file);
    core::ExperimentConfig c = core::load_experiment_config(dir + w.file, "", {GENER_SOURCE_DIR});
    EXPECT_EQ(c.prepare.paper_table, w.table);
    ASSERT_EQ(c.models.size(), w.models);
    EXPECT_EQ(c.models[0].label, w.model);
    if (w.models == 2) {
      EXPECT_EQ(c.models[1].label, "CNN only");
      EXPECT_EQ(c.prepare.expr.files.size(), 3u);
      EXPECT_EQ(c.prepare.expr.missing, data::MissingPolicy::Impute);
    }
    EXPECT_STREQ(data::normalization_name(c.prepare.expr.normalize), w.normalize);
    ASSERT_FALSE(c.prepare.expr.files.empty());
    EXPECT_EQ(c.prepare.expr.files[0].rfind("data/real/", 0), 0u) << c.prepare.expr.files[0];
    EXPECT_EQ(c.train.optimizer, w.optimizer);
    core::ExperimentConfig moved = core::load_experiment_config(dir + w.file, "/mnt/x", {GENER_SOURCE_DIR});
    EXPECT_EQ(moved.prepare.interactions.rfind("/mnt/x/", 0), 0u) << moved.prepare.interactions;
  }
  core::ExperimentConfig t4 = core::load_experiment_config(dir + "table4_biogrid_dream5.yaml", "d", {GENER_SOURCE_DIR});
  EXPECT_EQ(t4.prepare.test_npy, "d/testing_data.npy");
  EXPECT_EQ(t4.prepare.expr.gene_map, "d/net4_gene_ids.tsv");
  EXPECT_EQ(t4.prepare.biogrid.organism, 559292);
  EXPECT_TRUE(t4.prepare.biogrid.physical && t4.prepare.biogrid.genetic);
  const auto protocol = [&](const char* f) {
    return core::load_experiment_config(dir + f, "d", {GENER_SOURCE_DIR}).prepare;
  };
  EXPECT_EQ(protocol("real_yeast_paper_split.yaml").test_npy, "d/gener-biogrid-dream5/testing_data.npy");
  for (const char* f : {"real_yeast_paper_split.yaml", "table4_biogrid_dream5.yaml"}) {  // all eight Table 4 baselines
    const core::ExperimentConfig c = core::load_experiment_config(dir + f, "d", {GENER_SOURCE_DIR});
    ASSERT_EQ(c.baselines.size(), 1u) << f;
    EXPECT_EQ(c.baselines[0].name, "table4");
    EXPECT_TRUE(fs::is_regular_file(c.baseline_settings_file)) << c.baseline_settings_file;
  }
  EXPECT_EQ(protocol("real_yeast_degree_matched.yaml").negatives, data::NegativeSampling::DegreeMatched);
  const data::PrepareSpec gd = protocol("real_yeast_gene_disjoint.yaml");
  EXPECT_EQ(gd.split_by, data::SplitBy::Genes);
  EXPECT_EQ(gd.test_frac, 0.2);
  EXPECT_TRUE(gd.test_npy.empty());
}

TEST(AppExperimentConfigs, ShortFormsAndBadProtocolKeysAreNamed) {
  const std::string dir = make_temp_dir();
  const std::string head = "experiment:\n  expression: {file: e.tsv}\n  interactions: {file: i.tsv, format: edges}\n"
                           "  model: configs/model/paper.yaml\n  train: configs/train/demo.yaml\n";
  spit(dir + "/a.yaml", head + "  negatives: degree_matched\n  split: genes\n");
  const data::PrepareSpec a = core::load_experiment_config(dir + "/a.yaml", "", {GENER_SOURCE_DIR}).prepare;
  EXPECT_EQ(a.negatives, data::NegativeSampling::DegreeMatched);
  EXPECT_EQ(a.split_by, data::SplitBy::Genes);
  EXPECT_EQ(a.val_frac, 0.2);
  auto fails = [&](const std::string& extra, std::initializer_list<std::string> parts) {
    spit(dir + "/b.yaml", head + extra);
    try {
      core::load_experiment_config(dir + "/b.yaml", "", {GENER_SOURCE_DIR});
      ADD_FAILURE() << "accepted: " << extra;
    } catch (const Error& e) {
      for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  fails("  negatives: {sampling: degree_matched, ratio: 2}\n", {"'experiment.negatives.ratio'", "must be 1"});
  fails("  negatives: hubs\n", {"'experiment.negatives'", "'hubs'", "degree_matched"});
  fails("  split: {by: genes, validation_npy: v.npy, test_npy: t.npy}\n", {"'experiment.split.by'", "remove"});
  fails("  split: {by: genes, test: 0.6, validation: 0.5}\n", {"'experiment.split.test'", "0.6"});
  spit(dir + "/c.yaml",
       "experiment:\n  expression: {file: e.tsv, missing: drop-genes, max_missing: 1.5}\n  interactions: {file: i.tsv}\n"
       "  model: configs/model/paper.yaml\n  train: configs/train/demo.yaml\n");
  try {
    core::load_experiment_config(dir + "/c.yaml", "", {GENER_SOURCE_DIR});
    ADD_FAILURE() << "max_missing 1.5 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'experiment.expression.max_missing'"), std::string::npos) << e.what();
  }
  remove_tree(dir);
}

TEST_F(AppExperiment, HelpNamesTheOptions) {
  for (const auto& [cmd, opts] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"prepare", {"--config", "--data-root", "--out", "--expression", "--gene-map", "--biogrid", "--edges",
                        "--by-index", "--organism", "--validation-npy", "--test-npy", "--normalize"}},
           {"experiment", {"config", "--data-root", "--out", "--epochs", "--device", "--threads"}},
           {"train", {"--dataset"}},
           {"eval", {"--dataset", "--split", "--report"}}}) {
    std::string out;
    EXPECT_EQ(run_gener(cmd + " --help", dir_, &out, nullptr), 0) << cmd;
    for (const std::string& o : opts) EXPECT_NE(out.find(o), std::string::npos) << cmd << " --help lacks " << o;
  }
}

}  // namespace
}  // namespace gener::apptest
