// test_core_trainer.cpp — fit() on a small synthetic problem: determinism, learning, early stopping, exact resume.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "engine/core/checkpoint.h"
#include "engine/core/trainer.h"
#include "engine/data/split.h"
#include "engine/data/synth.h"
#include "tests/test_core_problem.h"
#include "kernels/check.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

namespace fs = std::filesystem;

// This process's scratch directory, removed with everything in it when the test program ends.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("gener_test_core_trainer_" + std::to_string(::getpid()));
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// A fresh, empty directory `name` inside the scratch directory.
std::string temp_dir(const std::string& name) {
  static const ScratchDir scratch;
  fs::path dir = scratch.path / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

using test_problem::Problem;
using test_problem::problem;

ModelConfig small_model() {
  ModelConfig c = load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml");
  c.cnn_conv = {{8, 2, 2}, {8, 1, 3}, {4, 1, 1}};
  c.cnn_dense = {16};
  c.mlp_dense = {32, 32};
  c.dropout = 0.2f;
  return c;
}

TrainConfig small_train(uint64_t seed, int epochs) {
  TrainConfig t;
  t.optimizer = "sgd";
  t.learning_rate = 0.05f;
  t.momentum = 0.9f;
  t.lr_decay_steps = 100;
  t.batch_size = 32;
  t.epochs = epochs;
  t.patience = 10;
  t.seed = seed;
  return t;
}

FitResult run(const TrainConfig& tc, const FitOptions& fo = {}) {
  const Problem& p = problem();
  FitOptions o = fo;
  o.progress = false;
  return fit(small_model(), tc, p.expr(), p.genes(), p.L(), p.train(), p.val(), o);
}

TEST(CoreTrainer, ProblemIsTheRequestedSize) {
  const Problem& p = problem();
  EXPECT_EQ(p.genes(), 300);
  EXPECT_EQ(p.L(), 64);
  EXPECT_EQ(p.splits.train.size() + p.splits.val.size() + p.splits.test.size(), 4000u);
}

TEST(CoreTrainer, FitIsDeterministicForASeedAndLearns) {
  TrainConfig tc = small_train(42, 4);
  tc.restore_best = false;
  FitResult a = run(tc), b = run(tc);
  ASSERT_EQ(a.history.size(), 4u);
  EXPECT_EQ(a.model.params, b.model.params) << "same seed, different weights";
  EXPECT_EQ(a.model.state, b.model.state);
  for (size_t e = 0; e < a.history.size(); ++e) EXPECT_EQ(a.history[e].val_loss, b.history[e].val_loss);
  EXPECT_EQ(a.steps, 4 * static_cast<long long>((problem().splits.train.size() + 31) / 32));
  // Validation loss goes down: the last epoch is below the first and clearly below chance (ln 2).
  for (const EpochLog& l : a.history) EXPECT_TRUE(std::isfinite(l.val_loss));
  EXPECT_LT(a.history.back().val_loss, a.history.front().val_loss);
  EXPECT_LT(a.best_val_loss, 0.95 * std::log(2.0));
  EXPECT_LT(a.history.back().train_loss, a.history.front().train_loss);

  TrainConfig other = tc;
  other.seed = 43;
  FitResult c = run(other);
  EXPECT_NE(a.model.params, c.model.params) << "a different seed gave identical weights";
}

TEST(CoreTrainer, DivergingLossStopsWithAnErrorNamingTheSteps) {
  // The loss is read back every few steps (no host synchronisation per step); a blown-up run still stops there.
  TrainConfig tc = small_train(5, 2);
  tc.learning_rate = 1e30f;
  tc.momentum = 0.f;
  gener::test::expect_error([&] { run(tc); }, {"train: loss became", "between steps", "smaller learning_rate"});
}

TEST(CoreTrainer, RestoreBestReturnsTheBestEpochsWeights) {
  TrainConfig tc = small_train(7, 3);
  tc.learning_rate = 0.3f;  // noisy enough that the last epoch need not be the best
  FitResult best = run(tc);
  tc.restore_best = false;
  FitResult last = run(tc);
  ASSERT_EQ(best.history.size(), 3u);
  EXPECT_EQ(best.best_epoch, last.best_epoch);
  double min_val = INFINITY;
  int arg = 0;
  for (const EpochLog& l : best.history)
    if (l.val_loss < min_val) min_val = l.val_loss, arg = l.epoch;
  EXPECT_EQ(best.best_epoch, arg);
  EXPECT_EQ(best.best_val_loss, min_val);
  if (best.best_epoch == 3) {
    EXPECT_EQ(best.model.params, last.model.params);
  } else {
    EXPECT_NE(best.model.params, last.model.params);
  }
  // The restored weights reproduce the best validation loss.
  const Problem& p = problem();
  Graph g = build_gener_graph(small_model(), p.L());
  NetworkOptions o;
  o.max_batch = 256;
  auto net = make_cpu_network(g, o);
  net->set_expression(p.expr(), p.genes());
  net->set_params(best.model.params);
  net->set_state(best.model.state);
  EXPECT_NEAR(evaluate_loss(*net, p.val(), nullptr), min_val, 1e-5);
}

TEST(CoreTrainer, EarlyStoppingStopsAfterPatience) {
  TrainConfig tc = small_train(5, 8);
  tc.learning_rate = 0.3f;  // noisy: the validation loss soon stops improving
  tc.patience = 1;
  FitResult r = run(tc);
  // Replay the rule on the logged losses: stop once `patience` epochs in a row fail to beat the best.
  double best = INFINITY;
  int bad = 0, expect_epochs = 0, best_epoch = 0;
  for (int e = 1; e <= tc.epochs; ++e) {
    expect_epochs = e;
    ASSERT_LE(static_cast<size_t>(e), r.history.size()) << "fit stopped early at epoch " << e - 1;
    const double v = r.history[e - 1].val_loss;
    if (v < best) {
      best = v, bad = 0, best_epoch = e;
    } else if (++bad >= tc.patience) {
      break;
    }
  }
  EXPECT_EQ(r.history.size(), static_cast<size_t>(expect_epochs));
  EXPECT_EQ(r.best_epoch, best_epoch);
  EXPECT_LT(r.history.size(), static_cast<size_t>(tc.epochs)) << "this case should stop early";
}

TEST(CoreTrainer, ResumeEqualsStraightRun) {
  TrainConfig tc3 = small_train(11, 3);
  const std::string d_straight = temp_dir("straight"), d_first = temp_dir("first"), d_resumed = temp_dir("resumed");
  FitOptions o;
  o.out_dir = d_straight;
  FitResult straight = run(tc3, o);

  TrainConfig tc2 = tc3;
  tc2.epochs = 2;
  o.out_dir = d_first;
  FitResult first = run(tc2, o);
  ASSERT_TRUE(fs::exists(d_first + "/last.safetensors"));
  ASSERT_TRUE(fs::exists(d_first + "/model.safetensors"));
  o.out_dir = d_resumed;
  o.resume_from = d_first + "/last.safetensors";
  FitResult resumed = run(tc3, o);

  ASSERT_EQ(resumed.history.size(), 1u);
  EXPECT_EQ(resumed.history[0].epoch, 3);
  EXPECT_EQ(resumed.history[0].val_loss, straight.history[2].val_loss);
  EXPECT_EQ(resumed.steps, straight.steps);
  EXPECT_EQ(resumed.best_epoch, straight.best_epoch);
  EXPECT_EQ(resumed.model.params, straight.model.params) << "resumed run's final weights differ";
  EXPECT_EQ(resumed.model.state, straight.model.state);
  Checkpoint a = load_checkpoint(d_straight + "/last.safetensors");
  Checkpoint b = load_checkpoint(d_resumed + "/last.safetensors");
  EXPECT_EQ(a.params, b.params) << "last-epoch weights differ";
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.opt_state, b.opt_state);
  EXPECT_EQ(a.info.at("step"), b.info.at("step"));
  // The 2-epoch run really stopped short of the 3-epoch weights (the comparison above is not vacuous).
  Checkpoint mid = load_checkpoint(d_first + "/last.safetensors");
  EXPECT_NE(mid.params, a.params);
  EXPECT_EQ(mid.info.at("epoch"), "2");
  EXPECT_EQ(first.history[1].val_loss, straight.history[1].val_loss);
}

TEST(CoreTrainer, ResumeRejectsAnotherModel) {
  TrainConfig tc = small_train(11, 1);
  const std::string d = temp_dir("other_model");
  FitOptions o;
  o.out_dir = d;
  run(tc, o);
  ModelConfig other = small_model();
  other.mlp_dense = {32, 16};
  const Problem& p = problem();
  FitOptions r;
  r.progress = false;
  r.resume_from = d + "/last.safetensors";
  tc.epochs = 2;
  EXPECT_THROW(fit(other, tc, p.expr(), p.genes(), p.L(), p.train(), p.val(), r), gener::Error);
  r.resume_from = d + "/model.safetensors";  // a final model file has no optimizer state
  EXPECT_THROW(fit(small_model(), tc, p.expr(), p.genes(), p.L(), p.train(), p.val(), r), gener::Error);
}

}  // namespace
}  // namespace gener::core
