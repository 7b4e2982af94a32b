// test_apps_baseline.cpp — `gener baseline` end to end on a small prepared dataset: the files it writes, the
// metric keys `gener eval` uses, the "+" label, its --help, and bad inputs as one error line with no output.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

class AppBaseline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_temp_dir());
    // 150 genes; the synthetic positives are same-program pairs, so the training graph has communities.
    ASSERT_TRUE(run_ok("synth --genes 150 --samples 10 --pairs 6000 --seed 4 --out synth", *dir_));
    ASSERT_TRUE(run_ok("prepare --expression synth/expression.tsv --edges synth/train.tsv --out d.gcache --quiet",
                       *dir_));
    spit(*dir_ + "/small.yaml",
         "baselines:\n  node2vec: {dim: 16, walk_length: 20, walks_per_node: 5}\n  line: {dim: 16, "
         "samples_millions: 0.2}\n  isomap: {dim: 8}\n  gne: {id_dim: 16, attr_dim: 16, dim: 16, epochs: 2}\n");
  }
  static void TearDownTestSuite() {
    remove_tree(*dir_);
    delete dir_;
  }
  static std::string* dir_;
};
std::string* AppBaseline::dir_ = nullptr;

TEST_F(AppBaseline, WritesEmbeddingsScoresAndMetrics) {
  ASSERT_TRUE(run_ok("baseline --method node2vec --dataset d.gcache --config small.yaml --out out/n2v --threads 1 "
                     "--quiet --write-graph",
                     *dir_));
  const nlohmann::json m = nlohmann::json::parse(slurp(*dir_ + "/out/n2v/metrics.json"));
  const auto edg = read_tsv(*dir_ + "/out/n2v/training_graph.edg");
  EXPECT_EQ(edg.size(), m["training_graph"]["edges"].get<size_t>());
  ASSERT_FALSE(edg.empty());
  EXPECT_EQ(edg[0].size(), 2u);
  EXPECT_EQ(edg[0][0].substr(0, 1), "G");
  const auto emb = read_tsv(*dir_ + "/out/n2v/embeddings.tsv");
  ASSERT_EQ(emb.size(), 151u);  // header + one row per gene
  ASSERT_EQ(emb[0].size(), 17u);
  EXPECT_EQ(emb[0][0], "gene");
  EXPECT_EQ(emb[0][1], "dim1");
  EXPECT_EQ(emb[0][16], "dim16");
  EXPECT_EQ(emb[1][0], "G1");
  const auto scores = read_tsv(*dir_ + "/out/n2v/test_scores.tsv");
  ASSERT_GT(scores.size(), 10u);
  EXPECT_EQ(scores[0], (std::vector<std::string>{"gene_a", "gene_b", "label", "score"}));
  for (const char* k : {"auroc_micro", "aupr_micro", "auroc", "aupr", "mcc", "accuracy", "n_pairs", "n_pos"})
    EXPECT_TRUE(m.contains(k)) << k;
  EXPECT_EQ(m["n_pairs"].get<size_t>(), scores.size() - 1);
  EXPECT_EQ(m["label"], "node2vec");
  EXPECT_EQ(m["dim"], 16);
  EXPECT_GT(m["auroc"].get<double>(), 0.5);
  // Same seed, one thread: the same embeddings file.
  ASSERT_TRUE(run_ok("baseline --method node2vec --dataset d.gcache --config small.yaml --out out/n2v2 --threads 1 "
                     "--quiet",
                     *dir_));
  EXPECT_EQ(slurp(*dir_ + "/out/n2v/embeddings.tsv"), slurp(*dir_ + "/out/n2v2/embeddings.tsv"));
}

TEST_F(AppBaseline, PlusVariantAndGne) {
  ASSERT_TRUE(run_ok("baseline --method line --with-expression --dataset d.gcache --config small.yaml --out out/lp "
                     "--quiet",
                     *dir_));
  const nlohmann::json m = nlohmann::json::parse(slurp(*dir_ + "/out/lp/metrics.json"));
  EXPECT_EQ(m["label"], "LINE+");
  EXPECT_EQ(m["with_expression"], true);
  ASSERT_TRUE(run_ok("baseline --method gne --dataset d.gcache --config small.yaml --out out/gne --quiet", *dir_));
  EXPECT_EQ(nlohmann::json::parse(slurp(*dir_ + "/out/gne/metrics.json"))["label"], "GNE");
}

TEST_F(AppBaseline, HelpNamesTheOptions) {
  std::string out, err;
  ASSERT_EQ(run_gener("baseline --help", *dir_, &out, &err), 0) << err;
  for (const char* o : {"--method", "--with-expression", "--dataset", "--out", "--config", "--seed", "--threads"})
    EXPECT_NE(out.find(o), std::string::npos) << o;
}

TEST_F(AppBaseline, BadInputsFailWithOneLineAndNoOutput) {
  spit(*dir_ + "/typo.yaml", "baselines:\n  node2vec:\n    walk_lenght: 3\n");
  spit(*dir_ + "/zero.yaml", "baselines:\n  line:\n    dim: 0\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"baseline --method deepwalk --dataset d.gcache --out out/bad", {"--method", "deepwalk"}},
      {"baseline --method node2vec --dataset d.gcache --config typo.yaml --out out/bad", {"typo.yaml", "walk_lenght"}},
      {"baseline --method line --dataset d.gcache --config zero.yaml --out out/bad", {"zero.yaml", "line.dim", "0"}},
      {"baseline --method gne --with-expression --dataset d.gcache --out out/bad", {"--with-expression"}},
      {"baseline --method isomap --dataset missing.gcache --out out/bad", {"missing.gcache"}},
  };
  for (const auto& [args, needles] : cases) {
    std::string out, err;
    EXPECT_EQ(run_gener(args, *dir_, &out, &err), 1) << args << "\n" << err;
    EXPECT_TRUE(one_error_line(err, needles)) << args;
    EXPECT_TRUE(files_under(*dir_ + "/out/bad").empty()) << args << " left files";
  }
}

}  // namespace
}  // namespace gener::apptest
