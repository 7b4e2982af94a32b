// test_apps_end_to_end.cpp — the real gener binary: synth → train → eval → score, determinism and exact resume.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kTrainConfig = std::string(GENER_SOURCE_DIR) + "/configs/train/demo.yaml";
// 300 genes x 64 samples x 6000 pairs: learnable in 8 epochs on 2 cores in a few seconds.
// A small, easier set (noise 0.6 instead of the default 1.4) so a short CPU run learns it well.
const std::string kSynth = "synth --genes 300 --samples 64 --pairs 6000 --noise 0.6 --seed 1";

class AppEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { remove_tree(dir_); }
  ::testing::AssertionResult ok(const std::string& args) const { return run_ok(args, dir_); }
  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }
  std::string dir_;
};

bool starts_with_png_signature(const std::string& bytes) {
  return bytes.size() > 8 && bytes.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0;
}

// Checks one metrics block: the keys and value ranges metrics.json promises.
void expect_metric_block(const json& m, size_t n_pairs, const std::string& what) {
  for (const char* k : {"auroc_micro", "aupr_micro", "auroc", "aupr"}) {
    ASSERT_TRUE(m.contains(k) && m[k].is_number()) << what << " lacks number '" << k << "': " << m.dump();
    EXPECT_GE(m[k].get<double>(), 0.0) << what << "." << k;
    EXPECT_LE(m[k].get<double>(), 1.0) << what << "." << k;
  }
  ASSERT_TRUE(m.contains("mcc") && m["mcc"].is_array() && m["mcc"].size() == 2) << what << ": mcc " << m.dump();
  for (const auto& v : m["mcc"]) {
    EXPECT_GE(v.get<double>(), -1.0) << what << ".mcc";
    EXPECT_LE(v.get<double>(), 1.0) << what << ".mcc";
  }
  ASSERT_TRUE(m.contains("n_pairs")) << what;
  EXPECT_EQ(m["n_pairs"].get<size_t>(), n_pairs) << what << ".n_pairs";
}

// Score TSV: header gene_a gene_b score, then rows sorted by score, descending; returns the (a, b, score) rows.
std::vector<std::pair<std::string, double>> read_scores(const std::string& file) {
  std::vector<std::pair<std::string, double>> rows;
  auto t = read_tsv(file);
  EXPECT_FALSE(t.empty()) << file << " is empty";
  if (t.empty()) return rows;
  EXPECT_EQ(t[0], (std::vector<std::string>{"gene_a", "gene_b", "score"})) << file << " header";
  for (size_t i = 1; i < t.size(); ++i) {
    EXPECT_EQ(t[i].size(), 3u) << file << ":" << i + 1;
    if (t[i].size() != 3) continue;
    const double s = std::stod(t[i][2]);
    EXPECT_GE(s, 0.0) << file << ":" << i + 1;
    EXPECT_LE(s, 1.0) << file << ":" << i + 1;
    if (!rows.empty()) {
      EXPECT_GE(rows.back().second, s) << file << ":" << i + 1 << " is not sorted descending";
    }
    rows.push_back({t[i][0] + "\t" + t[i][1], s});
  }
  return rows;
}

TEST_F(AppEndToEnd, SynthTrainEvalScoreOnTheCpu) {
  ASSERT_TRUE(ok(kSynth + " --out data"));
  for (const char* f : {"expression.tsv", "train.tsv", "val.tsv", "test.tsv"})
    ASSERT_TRUE(fs::exists(path(std::string("data/") + f))) << f;
  ASSERT_TRUE(ok("train --data data --train-config '" + kTrainConfig +
     "' --epochs 8 --threads 2 --device cpu --quiet --out model"));
  for (const char* f : {"model.safetensors", "last.safetensors", "train_log.json"})
    EXPECT_TRUE(fs::exists(path(std::string("model/") + f))) << f;

  const std::string expr = "--expression data/expression.tsv --threads 2 --device cpu --quiet";
  ASSERT_TRUE(ok("eval --model model/model.safetensors --pairs data/test.tsv --out eval " + expr));
  const size_t n_test = read_tsv(path("data/test.tsv")).size() - 1;
  const json m = json::parse(slurp(path("eval/metrics.json")));
  expect_metric_block(m, n_test, "metrics");
  ASSERT_TRUE(m.contains("baseline_correlation")) << m.dump();
  expect_metric_block(m["baseline_correlation"], n_test, "baseline_correlation");
  EXPECT_TRUE(starts_with_png_signature(slurp(path("eval/roc.png"))));
  EXPECT_TRUE(starts_with_png_signature(slurp(path("eval/pr.png"))));
  const double auroc = m["auroc"].get<double>(), base = m["baseline_correlation"]["auroc"].get<double>();
  EXPECT_GE(auroc, 0.85) << "positive-class test AUROC";
  EXPECT_GE(auroc - base, 0.10) << "GENER " << auroc << " vs Pearson baseline " << base;

  // A report in the paper's Table 4 layout from a plain pair file (no dataset cache).
  ASSERT_TRUE(ok("eval --model model/model.safetensors --pairs data/test.tsv --report --out eval_report " + expr));
  const std::string report = slurp(path("eval_report/report.md"));
  EXPECT_NE(report.find("| GENER |"), std::string::npos) << report;
  EXPECT_NE(report.find("0.834"), std::string::npos) << "the paper's Table 4 GENER AUROC beside ours";

  // Checkpoint round trip: a byte copy of the model scores and evaluates identically, and so does a second run.
  fs::copy_file(path("model/model.safetensors"), path("copy.safetensors"));
  ASSERT_TRUE(ok("eval --model copy.safetensors --pairs data/test.tsv --out eval_copy " + expr));
  EXPECT_EQ(slurp(path("eval/metrics.json")), slurp(path("eval_copy/metrics.json")));
  ASSERT_TRUE(ok("score --model model/model.safetensors --pairs data/test.tsv --out scores.tsv " + expr));
  ASSERT_TRUE(ok("score --model model/model.safetensors --pairs data/test.tsv --out scores_again.tsv " + expr));
  ASSERT_TRUE(ok("score --model copy.safetensors --pairs data/test.tsv --out scores_copy.tsv " + expr));
  const std::string scores = slurp(path("scores.tsv"));
  EXPECT_EQ(scores, slurp(path("scores_again.tsv")));
  EXPECT_EQ(scores, slurp(path("scores_copy.tsv")));

  // Every test pair once, best first.
  auto all = read_scores(path("scores.tsv"));
  ASSERT_EQ(all.size(), n_test);
  std::multiset<std::string> want, got;
  auto test_rows = read_tsv(path("data/test.tsv"));
  for (size_t i = 1; i < test_rows.size(); ++i) want.insert(test_rows[i][0] + "\t" + test_rows[i][1]);
  for (const auto& r : all) got.insert(r.first);
  EXPECT_EQ(got, want);

  // --top-k 10: the first 10 rows of the full ranking.
  ASSERT_TRUE(ok("score --model model/model.safetensors --pairs data/test.tsv --top-k 10 --out top10.tsv " + expr));
  auto top = read_scores(path("top10.tsv"));
  ASSERT_EQ(top.size(), 10u);
  for (size_t i = 0; i < top.size(); ++i) EXPECT_EQ(top[i], all[i]) << "row " << i;

  // --all-pairs: all 300*299/2 pairs streamed; --top-k 5 keeps the first 5 rows of that ranking.
  ASSERT_TRUE(ok("score --model model/model.safetensors --all-pairs --out every.tsv " + expr));
  auto every = read_scores(path("every.tsv"));
  ASSERT_EQ(every.size(), 300u * 299u / 2u);
  ASSERT_TRUE(ok("score --model model/model.safetensors --all-pairs --top-k 5 --out top5.tsv " + expr));
  auto top5 = read_scores(path("top5.tsv"));
  ASSERT_EQ(top5.size(), 5u);
  for (size_t i = 0; i < top5.size(); ++i) EXPECT_EQ(top5[i], every[i]) << "row " << i;

  for (const std::string& f : files_under(dir_)) EXPECT_EQ(f.find(".tmp."), std::string::npos) << "left behind: " << f;
}

TEST_F(AppEndToEnd, SynthIsByteIdenticalForOneSeed) {
  const std::string small = "synth --genes 120 --samples 24 --pairs 800 ";
  ASSERT_TRUE(ok(small + "--seed 9 --out a"));
  ASSERT_TRUE(ok(small + "--seed 9 --out b"));
  ASSERT_TRUE(ok(small + "--seed 10 --out c"));
  const auto names = files_under(path("a"));
  ASSERT_GE(names.size(), 4u);
  EXPECT_EQ(names, files_under(path("b")));
  for (const std::string& f : names) EXPECT_EQ(slurp(path("a/" + f)), slurp(path("b/" + f))) << f;
  EXPECT_NE(slurp(path("a/expression.tsv")), slurp(path("c/expression.tsv"))) << "--seed is ignored";
}

class AppTraining : public AppEndToEnd {
 protected:
  void SetUp() override {
    AppEndToEnd::SetUp();
    ASSERT_TRUE(ok("synth --genes 120 --samples 24 --pairs 1200 --seed 4 --out data"));
  }
  std::string train(const std::string& out, const std::string& extra) const {
    return "train --data data --train-config '" + kTrainConfig + "' --threads 2 --device cpu --out " + out + " " +
           extra;
  }
};

TEST_F(AppTraining, TrainIsByteIdenticalForOneSeed) {
  ASSERT_TRUE(ok(train("a", "--epochs 2 --seed 5 --quiet")));
  ASSERT_TRUE(ok(train("b", "--epochs 2 --seed 5 --quiet")));
  ASSERT_TRUE(ok(train("c", "--epochs 2 --seed 6 --quiet")));
  EXPECT_EQ(slurp(path("a/model.safetensors")), slurp(path("b/model.safetensors")));
  EXPECT_EQ(slurp(path("a/last.safetensors")), slurp(path("b/last.safetensors")));
  EXPECT_NE(slurp(path("a/model.safetensors")), slurp(path("c/model.safetensors"))) << "--seed is ignored";
}

TEST_F(AppTraining, ResumeContinuesWhereTheRunStopped) {
  ASSERT_TRUE(ok(train("full", "--epochs 4 --seed 5 --patience 10 --quiet")));
  ASSERT_TRUE(ok(train("part", "--epochs 2 --seed 5 --patience 10 --quiet")));
  std::string out, err;
  const int rc = run_gener(train("resumed", "--resume part/last.safetensors --epochs 4 --seed 5 --patience 10"), dir_,
                           &out, &err);
  ASSERT_EQ(rc, 0) << err;
  EXPECT_NE(err.find("resuming from part/last.safetensors"), std::string::npos) << err;
  const json log = json::parse(slurp(path("resumed/train_log.json")));
  ASSERT_FALSE(log["epochs"].empty());
  EXPECT_EQ(log["epochs"].front()["epoch"].get<int>(), 3) << log.dump();
  EXPECT_EQ(log["epochs"].back()["epoch"].get<int>(), 4) << log.dump();
  // Two epochs, then two more from last.safetensors, is the four-epoch run exactly.
  EXPECT_EQ(slurp(path("resumed/model.safetensors")), slurp(path("full/model.safetensors")));
  EXPECT_EQ(slurp(path("resumed/last.safetensors")), slurp(path("full/last.safetensors")));
}

}  // namespace
}  // namespace gener::apptest
