// test_apps_torch_parity.cpp — gener's trained weights, loaded into the independent PyTorch model of
// bench/torch_gener.py, give the same scores as gener itself (skipped where PyTorch is not installed).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>

#include "engine/data/expression.h"
#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

const char* kPython = "/usr/bin/python3";

bool have_torch() {
  std::string cmd = std::string(kPython) + " -c 'import torch' >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

using ScoreMap = std::map<std::pair<std::string, std::string>, double>;

// "a b score" rows (an optional header line is skipped).
ScoreMap read_scores(const std::string& path) {
  ScoreMap m;
  for (const auto& row : read_tsv(path)) {
    if (row.size() < 3 || row[0] == "gene_a") continue;
    m[{row[0], row[1]}] = std::stod(row[2]);
  }
  return m;
}

TEST(AppTorchParity, PyTorchModelWithGenerWeightsScoresTheSame) {
  if (!have_torch()) GTEST_SKIP() << "PyTorch not installed (apt-get install python3-torch): parity not checked";
  const std::string dir = make_temp_dir();
  std::string out, err;
  ASSERT_EQ(run_gener("synth --genes 120 --samples 40 --pairs 3000 --noise 0.6 --seed 5 --out data", dir, &out, &err),
            0) << err;
  ASSERT_EQ(run_gener("train --data data --epochs 2 --batch-size 64 --quiet --threads 2 --out model --train-config " +
                          std::string(GENER_SOURCE_DIR) + "/configs/train/demo.yaml",
                      dir, &out, &err),
            0) << err;
  ASSERT_EQ(run_gener("score --model model/model.safetensors --expression data/expression.tsv --pairs data/test.tsv "
                      "--quiet --out gener_scores.tsv",
                      dir, &out, &err),
            0) << err;

  // The PyTorch side reads genes x samples and header-less pair lines.
  data::Expression e = data::read_expression(dir + "/data/expression.tsv");
  data::write_expression_tsv(dir + "/expr_gxs.tsv", e, data::Orientation::GenesBySamples);
  {
    std::ofstream pairs(dir + "/pairs.txt");
    for (const auto& row : read_tsv(dir + "/data/test.tsv"))
      if (row.size() >= 2 && row[0] != "gene_a") pairs << row[0] << '\t' << row[1] << '\n';
  }
  const std::string cmd = std::string(kPython) + " " + GENER_SOURCE_DIR + "/bench/torch_gener.py --load-safetensors " +
                          dir + "/model/model.safetensors --expr " + dir + "/expr_gxs.tsv --score-pairs " + dir +
                          "/pairs.txt > " + dir + "/torch_scores.tsv 2> " + dir + "/torch_err.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << slurp(dir + "/torch_err.txt");

  const ScoreMap g = read_scores(dir + "/gener_scores.tsv");
  const ScoreMap t = read_scores(dir + "/torch_scores.tsv");
  ASSERT_EQ(g.size(), t.size());
  ASSERT_GT(g.size(), 200u);
  double max_err = 0;
  size_t spread = 0;  // scores away from 0 and 1, so the comparison is not of saturated values only
  for (const auto& [key, s] : g) {
    auto it = t.find(key);
    ASSERT_NE(it, t.end()) << key.first << " " << key.second << " missing from the PyTorch scores";
    max_err = std::max(max_err, std::fabs(s - it->second));
    if (s > 0.05 && s < 0.95) ++spread;
  }
  EXPECT_LT(max_err, 2e-5) << "gener (%.6g output) vs PyTorch on the same weights";
  EXPECT_GT(spread, 20u);
  remove_tree(dir);
}

}  // namespace
}  // namespace gener::apptest
