// test_apps_bad_input.cpp — gener on bad input: exit 1, one error line naming file, line and value, no output left.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;
const std::string kConfigs = std::string(GENER_SOURCE_DIR) + "/configs";

// Good inputs shared (read only) by the suite: a small synthetic dataset (60 genes x 16 samples, written
// samples x genes) and a model trained on it for one epoch. Each test writes its bad files and outputs in its
// own fresh directory; every command writes under out/, which must stay empty when the command fails.
class AppBadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inputs_ = make_temp_dir();
    const std::vector<std::string> steps = {
        "synth --genes 60 --samples 16 --pairs 400 --seed 2 --out data",
        "train --data data --train-config '" + kConfigs +
            "/train/demo.yaml' --epochs 1 --threads 2 --device cpu --quiet --out model"};
    setup_error_ = run_steps(steps, inputs_);
  }
  static void TearDownTestSuite() { remove_tree(inputs_); }
  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "could not make the suite's inputs: " << setup_error_;
    dir_ = make_temp_dir();
  }
  void TearDown() override { remove_tree(dir_); }

  static std::string input(const std::string& rel) { return inputs_ + "/" + rel; }
  std::string path(const std::string& rel) const { return dir_ + "/" + rel; }
  // Writes `text` to a file of the test directory and returns its name relative to it (as the commands see it).
  std::string file(const std::string& name, const std::string& text) const {
    spit(path(name), text);
    return name;
  }

  static std::string score(const std::string& model, const std::string& expr, const std::string& pairs,
                           const std::string& extra = "", const std::string& device = "cpu") {
    return "score --model " + model + " --expression " + expr + " --pairs " + pairs +
           " --out out/scores.tsv --threads 2 --quiet --device " + device + " " + extra;
  }
  static std::string eval(const std::string& model, const std::string& expr, const std::string& pairs,
                          const std::string& device = "cpu") {
    return "eval --model " + model + " --expression " + expr + " --pairs " + pairs +
           " --out out/eval --threads 2 --quiet --device " + device;
  }
  static std::string train(const std::string& expr, const std::string& tr, const std::string& extra = "",
                           const std::string& device = "cpu") {
    return "train --expression " + expr + " --train " + tr + " --val " + input("data/val.tsv") +
           " --train-config " + kConfigs + "/train/demo.yaml --epochs 1 --out out/train --threads 2 --quiet --device " +
           device + " " + extra;
  }
  static std::string good_model() { return input("model/model.safetensors"); }
  static std::string good_expr() { return input("data/expression.tsv"); }
  static std::string good_pairs() { return input("data/test.tsv"); }

  // The command fails cleanly: exit status 1 (no crash), one error line holding every needle, nothing under out/
  // and no temporary file anywhere.
  void expect_clean_failure(const std::string& args, const std::vector<std::string>& needles) const {
    std::string out, err;
    const int rc = run_gener(args, dir_, &out, &err);
    EXPECT_EQ(rc, 1) << "gener " << args << "\nstderr:\n" << err;
    EXPECT_TRUE(one_error_line(err, needles)) << "gener " << args;
    for (const std::string& f : files_under(path("out"))) ADD_FAILURE() << "gener " << args << " left out/" << f;
    for (const std::string& root : {dir_, inputs_})
      for (const std::string& f : files_under(root))
        EXPECT_EQ(f.find(".tmp."), std::string::npos) << "gener " << args << " left " << root << "/" << f;
    remove_tree(path("out"));
  }

  static inline std::string inputs_;
  static inline std::string setup_error_;
  std::string dir_;
};

// `text` with field `col` (1-based) of line `line` (1-based) replaced by `value` (tab-separated).
std::string with_field(const std::string& text, int line, int col, const std::string& value) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string l;
  for (int n = 1; std::getline(in, l); ++n) {
    if (n == line) {
      std::vector<std::string> f;
      std::istringstream ls(l);
      for (std::string c; std::getline(ls, c, '\t');) f.push_back(c);
      f.at(static_cast<size_t>(col - 1)) = value;
      l.clear();
      for (size_t i = 0; i < f.size(); ++i) l += (i ? "\t" : "") + f[i];
    }
    out << l << '\n';
  }
  return out.str();
}

// `text` with the first line containing `from` having it replaced by `to`; *line_no gets that line (1-based).
std::string with_replaced(const std::string& text, const std::string& from, const std::string& to, int* line_no) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string l;
  bool done = false;
  for (int n = 1; std::getline(in, l); ++n) {
    const size_t at = l.find(from);
    if (!done && at != std::string::npos) {
      l.replace(at, from.size(), to);
      *line_no = n;
      done = true;
    }
    out << l << '\n';
  }
  EXPECT_TRUE(done) << "'" << from << "' not found";
  return out.str();
}

TEST_F(AppBadInput, GoodInputsDoWriteOutputs) {  // the control: the commands below fail because of the bad input
  std::string err;
  ASSERT_EQ(run_gener(score(good_model(), good_expr(), good_pairs()), dir_, nullptr, &err), 0) << err;
  ASSERT_EQ(run_gener(eval(good_model(), good_expr(), good_pairs()), dir_, nullptr, &err), 0) << err;
  ASSERT_EQ(run_gener(train(good_expr(), input("data/train.tsv")), dir_, nullptr, &err), 0) << err;
  for (const char* f : {"scores.tsv", "eval/metrics.json", "eval/roc.png", "train/model.safetensors"})
    EXPECT_TRUE(fs::exists(path(std::string("out/") + f))) << f;
}

TEST_F(AppBadInput, MissingExpressionFile) {
  expect_clean_failure(score(good_model(), "no_such.tsv", good_pairs()), {"no_such.tsv", "cannot open"});
  expect_clean_failure(eval(good_model(), "no_such.tsv", good_pairs()), {"no_such.tsv", "cannot open"});
  expect_clean_failure(train("no_such.tsv", input("data/train.tsv")), {"no_such.tsv", "cannot open"});
  expect_clean_failure("train --data no_such_dir --out out/train --quiet", {"no_such_dir/expression.tsv"});
}

TEST_F(AppBadInput, RaggedExpressionRow) {
  std::string text = slurp(good_expr());
  const size_t line3 = text.find('\n', text.find('\n') + 1);   // end of line 2
  const size_t end3 = text.find('\n', line3 + 1);              // end of line 3
  text.erase(text.rfind('\t', end3), end3 - text.rfind('\t', end3));  // drop line 3's last field
  const std::string f = file("ragged.tsv", text);
  expect_clean_failure(score(good_model(), f, good_pairs()), {"ragged.tsv:3:", "60", "59"});
  expect_clean_failure(train(f, input("data/train.tsv")), {"ragged.tsv:3:"});
}

TEST_F(AppBadInput, NonNumericExpressionValue) {
  const std::string f = file("letters.tsv", with_field(slurp(good_expr()), 4, 3, "abc"));
  expect_clean_failure(score(good_model(), f, good_pairs()), {"letters.tsv:4:", "column 3", "'abc'"});
  expect_clean_failure(eval(good_model(), f, good_pairs()), {"letters.tsv:4:", "'abc'"});
  expect_clean_failure(train(f, input("data/train.tsv")), {"letters.tsv:4:", "'abc'"});
}

TEST_F(AppBadInput, NanAndInfExpressionValues) {
  for (const std::string v : {"nan", "NaN", "inf", "-inf", "Infinity", "1e39"}) {
    SCOPED_TRACE(v);
    const std::string f = file("nonfinite.tsv", with_field(slurp(good_expr()), 5, 7, v));
    expect_clean_failure(score(good_model(), f, good_pairs()), {"nonfinite.tsv:5:", "'" + v + "'"});
  }
  const std::string f = file("nan.tsv", with_field(slurp(good_expr()), 2, 2, "NaN"));
  expect_clean_failure(train(f, input("data/train.tsv")), {"nan.tsv:2:", "'NaN'"});
}

TEST_F(AppBadInput, UnknownGeneInPairFile) {
  const std::string f = file("pairs.tsv", "gene_a\tgene_b\tlabel\nG1\tG2\t1\nG3\tNOPE\t0\nG4\tG5\t0\n");
  expect_clean_failure(score(good_model(), good_expr(), f), {"pairs.tsv:3:", "'NOPE'"});
  expect_clean_failure(train(good_expr(), f), {"pairs.tsv:3:", "'NOPE'"});
  // eval leaves out a pair whose gene has no expression data, counts it per label and names the gene.
  std::string err;
  ASSERT_EQ(run_gener(eval(good_model(), good_expr(), f), dir_, nullptr, &err), 0) << err;
  EXPECT_NE(err.find("1 of 3 pairs dropped (0 positive, 1 negative)"), std::string::npos) << err;
  EXPECT_NE(err.find("NOPE"), std::string::npos) << err;
  const nlohmann::json m = nlohmann::json::parse(slurp(path("out/eval/metrics.json")));
  EXPECT_EQ(m["n_pairs"], 2);
  EXPECT_EQ(m["pairs_without_data"]["pairs"], 1);
  EXPECT_EQ(m["pairs_without_data"]["negatives"], 1);
  EXPECT_EQ(m["pairs_without_data"]["examples"][0], "NOPE");
  remove_tree(path("out"));
  const std::string none = file("none.tsv", "gene_a\tgene_b\tlabel\nG1\tNOPE\t1\nNOPE\tG5\t0\n");
  expect_clean_failure(eval(good_model(), good_expr(), none), {"none.tsv", "all 2 pairs have a gene without"});
}

TEST_F(AppBadInput, BadPairRows) {
  const std::string ragged = file("ragged_pairs.tsv", "gene_a\tgene_b\tlabel\nG1\tG2\t1\nG3\n");
  expect_clean_failure(score(good_model(), good_expr(), ragged), {"ragged_pairs.tsv:3:"});
  const std::string label = file("label2.tsv", "gene_a\tgene_b\tlabel\nG1\tG2\t1\nG3\tG4\t2\n");
  expect_clean_failure(eval(good_model(), good_expr(), label), {"label2.tsv:3:", "'2'"});
  const std::string unlabelled = file("unlabelled.tsv", "gene_a\tgene_b\nG1\tG2\nG3\tG4\n");
  expect_clean_failure(eval(good_model(), good_expr(), unlabelled), {"unlabelled.tsv", "label"});
  const std::string one_class = file("one_class.tsv", "gene_a\tgene_b\tlabel\nG1\tG2\t1\nG3\tG4\t1\n");
  expect_clean_failure(eval(good_model(), good_expr(), one_class), {"one_class.tsv", "both classes"});
  const std::string header_only = file("header_only.tsv", "gene_a\tgene_b\tlabel\n");
  expect_clean_failure(eval(good_model(), good_expr(), header_only), {"header_only.tsv", "no pairs"});
  expect_clean_failure(train(good_expr(), header_only), {"header_only.tsv", "no pairs"});
}

TEST_F(AppBadInput, EmptyFiles) {
  const std::string f = file("empty.tsv", "");
  expect_clean_failure(score(good_model(), f, good_pairs()), {"empty.tsv", "empty"});
  expect_clean_failure(score(good_model(), good_expr(), f), {"empty.tsv", "empty"});
  expect_clean_failure(eval(good_model(), good_expr(), f), {"empty.tsv", "empty"});
  expect_clean_failure(train(good_expr(), f), {"empty.tsv", "empty"});
}

TEST_F(AppBadInput, MisspeltModelConfigKey) {
  const std::string paper = slurp(kConfigs + "/model/paper.yaml");
  int line = 0;
  const std::string f = file("misspelt.yaml", with_replaced(paper, "  dropout:", "  dropuot:", &line));
  expect_clean_failure(train(good_expr(), input("data/train.tsv"), "--model-config " + f),
                       {"misspelt.yaml:" + std::to_string(line) + ":", "dropuot"});
  expect_clean_failure("demo --genes 60 --samples 16 --pairs 400 --out out/demo --quiet --model-config " + f,
                       {"misspelt.yaml:" + std::to_string(line) + ":", "dropuot"});
  // A misspelt required key: the error names the key that is missing.
  const std::string g = file("filtres.yaml", with_replaced(paper, "filters: 8", "filtres: 8", &line));
  expect_clean_failure(train(good_expr(), input("data/train.tsv"), "--model-config " + g),
                       {"filtres.yaml", "model.cnn.conv[2].filters"});
}

TEST_F(AppBadInput, WrongTypeInConfig) {
  int line = 0;
  const std::string m = file("half.yaml", with_replaced(slurp(kConfigs + "/model/paper.yaml"), "dropout: 0.5",
                                                        "dropout: half", &line));
  expect_clean_failure(train(good_expr(), input("data/train.tsv"), "--model-config " + m),
                       {"half.yaml:" + std::to_string(line) + ":", "model.dropout", "'half'"});
  const std::string t = file("list.yaml", with_replaced(slurp(kConfigs + "/train/demo.yaml"), "batch_size: 64",
                                                        "batch_size: [64]", &line));
  expect_clean_failure("train --data " + input("data") + " --train-config " + t + " --out out/train --quiet",
                       {"list.yaml:" + std::to_string(line) + ":", "train.batch_size"});
  const std::string u = file("unknown.yaml", with_replaced(slurp(kConfigs + "/train/demo.yaml"), "epochs: 8",
                                                           "epoch: 8", &line));
  expect_clean_failure("train --data " + input("data") + " --train-config " + u + " --out out/train --quiet",
                       {"unknown.yaml:" + std::to_string(line) + ":", "train.epoch"});
}

TEST_F(AppBadInput, CorruptCheckpoint) {
  const std::string good = slurp(good_model());
  std::mt19937 rng(11);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 0xff);
  std::string bad_json = std::string("\x40\0\0\0\0\0\0\0", 8) + std::string(64, '#') + noise;
  const std::vector<std::pair<std::string, std::string>> corrupt = {
      {"half.safetensors", good.substr(0, good.size() / 2)},
      {"head.safetensors", good.substr(0, 1000)},
      {"noise.safetensors", noise},
      {"badjson.safetensors", bad_json},
      {"empty.safetensors", ""},
  };
  for (const auto& [name, bytes] : corrupt) {
    SCOPED_TRACE(name);
    const std::string f = file(name, bytes);
    expect_clean_failure(score(f, good_expr(), good_pairs()), {name});
    expect_clean_failure(eval(f, good_expr(), good_pairs()), {name});
    expect_clean_failure(train(good_expr(), input("data/train.tsv"), "--resume " + f), {name});
  }
  expect_clean_failure(score("no_model.safetensors", good_expr(), good_pairs()), {"no_model.safetensors"});
}

TEST_F(AppBadInput, CheckpointDoesNotFitTheData) {
  std::string text = slurp(good_expr());  // samples x genes: keep the header and 12 of the 16 samples
  size_t at = 0;
  for (int i = 0; i < 13; ++i) at = text.find('\n', at) + 1;
  const std::string f = file("short.tsv", text.substr(0, at));
  expect_clean_failure(score(good_model(), f, good_pairs()), {"model.safetensors", "16", "12"});
  // model.safetensors holds no optimizer state: resuming needs last.safetensors.
  expect_clean_failure(train(good_expr(), input("data/train.tsv"), "--resume " + good_model()),
                       {"model.safetensors", "last.safetensors"});
}

TEST_F(AppBadInput, DeviceCudaWithoutGpu) {
  std::string err;
  const int rc = run_gener(score(good_model(), good_expr(), good_pairs(), "", "cuda"), dir_, nullptr, &err);
  if (rc == 0) GTEST_SKIP() << "a CUDA GPU is present: --device cuda works here";
  remove_tree(path("out"));
  expect_clean_failure(score(good_model(), good_expr(), good_pairs(), "", "cuda"), {"--device cuda"});
  expect_clean_failure(eval(good_model(), good_expr(), good_pairs(), "cuda"), {"--device cuda"});
  expect_clean_failure(train(good_expr(), input("data/train.tsv"), "", "cuda"), {"--device cuda"});
}

TEST_F(AppBadInput, ContradictoryScoreOptions) {
  expect_clean_failure(score(good_model(), good_expr(), good_pairs(), "--all-pairs"), {"--pairs", "--all-pairs"});
  // Option values CLI11 rejects: a non-zero exit, a message naming the option, no output.
  for (const std::string extra : {"--top-k -5", "--batch 0", "--threshold high"}) {
    std::string err;
    const int rc = run_gener(score(good_model(), good_expr(), good_pairs(), extra), dir_, nullptr, &err);
    EXPECT_GT(rc, 0) << extra << " (a negative status is a crash)";
    EXPECT_NE(err.find(extra.substr(0, extra.find(' '))), std::string::npos) << extra << ": " << err;
    EXPECT_TRUE(files_under(path("out")).empty()) << extra;
  }
  std::string err;
  EXPECT_GT(run_gener(score(good_model(), good_expr(), good_pairs(), "", "gpu"), dir_, nullptr, &err), 0);
  EXPECT_NE(err.find("--device"), std::string::npos) << err;
  EXPECT_TRUE(files_under(path("out")).empty());
}

}  // namespace
}  // namespace gener::apptest
