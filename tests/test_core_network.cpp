// test_core_network.cpp — the CPU network end to end: whole-model gradient check, optimizers, lr schedule, predict().
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <omp.h>

#include "engine/core/network.h"
#include "engine/core/trainer.h"
#include "kernels/check.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

using test::all_close;

constexpr int kL = 11, kGenes = 23, kBatch = 7;

ModelConfig tiny_config(float dropout) {
  ModelConfig c;
  c.cnn_conv = {{3, 2, 2}, {2, 1, 3}};
  c.cnn_dense = {5};
  c.use_mlp = true;
  c.mlp_dense = {4};
  c.dropout = dropout;
  return c;
}

// The paper's three convolution kinds (2x2, 1x3, 1x1), a dense layer after them and the MLP branch, small, with dropout.
ModelConfig three_conv_config(const std::string& activation = "relu") {
  ModelConfig c;
  c.cnn_conv = {{6, 2, 2}, {5, 1, 3}, {3, 1, 1}};
  c.cnn_dense = {4};
  c.use_mlp = true;
  c.mlp_dense = {6, 5};
  c.dropout = 0.4f;
  c.activation = activation;
  return c;
}

// A batch of random pairs over `genes` genes, every third one positive.
void random_batch(int batch, int genes, uint32_t seed, std::vector<int32_t>* pairs, std::vector<int32_t>* labels) {
  for (float v : test::random_ints(2 * static_cast<size_t>(batch), 0, genes - 1, seed))
    pairs->push_back(static_cast<int32_t>(v));
  for (int i = 0; i < batch; ++i) labels->push_back(i % 3 == 0 ? 1 : 0);
}

struct Fixture {
  Graph g;
  std::unique_ptr<Network> net;
  std::vector<float> expr;
  std::vector<int32_t> pairs, labels;
};

// A training network over random expression, with params moved away from their initial values (non-zero biases
// and betas, gammas != 1) so that every parameter matters.
Fixture make_fixture(const ModelConfig& c, uint64_t seed, int batch = kBatch, int max_batch = kBatch,
                     PlanMode mode = PlanMode::Training) {
  Fixture f;
  f.g = build_gener_graph(c, kL);
  NetworkOptions o;
  o.max_batch = max_batch;
  o.mode = mode;
  o.train.seed = seed;
  f.net = make_cpu_network(f.g, o);
  f.expr = test::random_uniform(static_cast<size_t>(kGenes) * kL, -2.f, 2.f, static_cast<uint32_t>(seed));
  f.net->set_expression(f.expr.data(), kGenes);
  std::vector<float> p = f.net->get_params();
  // Noise drawn per tensor element in tensor order: independent of the buffer's alignment gaps (left zero).
  std::vector<float> noise = test::random_uniform(f.g.n_trainable, -0.3f, 0.3f, static_cast<uint32_t>(seed) + 1);
  size_t at = 0;
  for (const ParamInfo& info : f.g.params)
    for (size_t i = 0; i < info.size(); ++i) p[info.offset + i] += noise[at++];
  f.net->set_params(p);
  std::vector<float> pr =
      test::random_ints(2 * static_cast<size_t>(batch), 0, kGenes - 1, static_cast<uint32_t>(seed) + 2);
  for (float v : pr) f.pairs.push_back(static_cast<int32_t>(v));
  for (int i = 0; i < batch; ++i) f.labels.push_back(i % 2 == 0 ? 1 : 0);
  return f;
}

// Compares get_grads() with central differences of the training loss, a few entries of every parameter tensor.
// ReLU kinks crossed by the ±eps steps cost a few percent on single entries, hence looser tolerances with ReLU.
void gradient_check(const ModelConfig& c, float atol, float rtol) {
  Fixture f = make_fixture(c, 7);
  const uint64_t step = 3;
  f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, step);
  // A second identical call must give the same gradients (no accumulation across calls).
  f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, step);
  const std::vector<float> grads = f.net->get_grads();
  ASSERT_EQ(grads.size(), f.g.n_params);
  std::vector<float> p = f.net->get_params();
  auto loss = [&]() -> double {
    f.net->set_params(p);
    return f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, step);
  };
  test::GradCheckOptions opt;
  opt.eps = 3e-3f;
  opt.atol = atol;
  opt.rtol = rtol;
  opt.max_checks = 6;
  double grad_norm = 0;
  for (float gr : grads) grad_norm += static_cast<double>(gr) * gr;
  EXPECT_GT(grad_norm, 1e-6) << "gradients are all zero";
  for (const ParamInfo& info : f.g.params)
    EXPECT_TRUE(test::check_gradient(loss, p.data() + info.offset, info.size(), grads.data() + info.offset,
                                     info.name + " " + std::to_string(info.size()) + " floats", opt));
}

TEST(CoreNetwork, GradientCheckNoDropout) { gradient_check(tiny_config(0.f), 1e-3f, 3e-2f); }
TEST(CoreNetwork, GradientCheckDropout) { gradient_check(tiny_config(0.3f), 1e-3f, 3e-2f); }
TEST(CoreNetwork, GradientCheckLinearActivationDropout) {
  ModelConfig c = tiny_config(0.3f);
  c.activation = "none";
  gradient_check(c, 1e-4f, 5e-3f);
}
TEST(CoreNetwork, GradientCheckCnnOnlyTwoDenseLayers) {
  ModelConfig c = tiny_config(0.3f);
  c.activation = "none";
  c.use_mlp = false;
  c.mlp_dense.clear();
  c.cnn_dense = {5, 3};
  gradient_check(c, 1e-4f, 5e-3f);
}

TEST(CoreNetwork, RepeatedForwardBackwardIsIdempotent) {
  Fixture f = make_fixture(tiny_config(0.3f), 11);
  float l1 = f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 5);
  std::vector<float> g1 = f.net->get_grads();
  float l2 = f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 5);
  std::vector<float> g2 = f.net->get_grads();
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(g1, g2) << "gradients accumulate across forward_backward calls";
  // A different step draws different dropout masks, so the loss changes; without dropout it does not.
  float l3 = f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 6);
  EXPECT_NE(l1, l3);
  Fixture n = make_fixture(tiny_config(0.f), 11);
  EXPECT_EQ(n.net->forward_backward(n.pairs.data(), n.labels.data(), kBatch, 5),
            n.net->forward_backward(n.pairs.data(), n.labels.data(), kBatch, 6));
}

// Training splits the batch into one lane of rows per thread; the lanes merge their batchnorm sums and weight
// gradients. Any thread count must give the one-thread step's loss, gradients and running statistics (to
// rounding: the sums are added in another order), including more threads than rows.
TEST(CoreNetwork, TrainingStepAgreesAcrossThreadCounts) {
  const int saved_threads = omp_get_max_threads();
  for (int batch : {kBatch, 2, 1}) {
    std::vector<float> loss_1, grads_1, state_1;
    for (int threads : {1, 2, 3, 4}) {
      omp_set_num_threads(threads);
      Fixture f = make_fixture(tiny_config(0.3f), 21, batch, kBatch);
      std::vector<float> losses;
      for (uint64_t step = 0; step < 2; ++step) {
        losses.push_back(f.net->forward_backward(f.pairs.data(), f.labels.data(), batch, step));
        f.net->apply_update(0.1f, static_cast<long long>(step) + 1);
      }
      const std::vector<float> grads = f.net->get_grads(), state = f.net->get_state();
      const std::string t = "batch " + std::to_string(batch) + ", " + std::to_string(threads) + " threads";
      if (threads == 1) {
        loss_1 = losses;
        grads_1 = grads;
        state_1 = state;
        double norm = 0;
        for (float g : grads) norm += static_cast<double>(g) * g;
        EXPECT_GT(norm, 1e-8) << "gradients are all zero, " << t;
        continue;
      }
      EXPECT_TRUE(all_close(losses, loss_1, 1e-6f, 1e-5f, "loss, " + t));
      EXPECT_TRUE(all_close(grads, grads_1, 1e-6f, 1e-4f, "gradients, " + t));
      EXPECT_TRUE(all_close(state, state_1, 1e-6f, 1e-5f, "running statistics, " + t));
    }
  }
  omp_set_num_threads(saved_threads);
}

// Row fusion runs the batchnorm blocks' backward halves row by row inside the convolutions' backward (and the last
// conv block's rows inside the dense layer after it, a block of rows at a time); it adds the same numbers in the
// same order as the whole-lane passes, so three Adam steps must give identical bits: losses, gradients, parameters
// and running statistics, on the paper's three convolutions (2x2, 1x3, 1x1), one lane or two, with dropout.
TEST(CoreNetwork, RowFusionGivesTheLanePassesBits) {
  const int saved_threads = omp_get_max_threads();
  const int L = 29, genes = 31;
  const Graph g = build_gener_graph(three_conv_config(), L);
  const std::vector<float> expr = test::random_uniform(static_cast<size_t>(genes) * L, -2.f, 2.f, 5);
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (int batch : {9, 1, 40}) {  // 40: a lane's dense layer runs on blocks of rows (kDenseRows = 16)
      std::vector<int32_t> pairs, labels;
      random_batch(batch, genes, 6, &pairs, &labels);
      std::vector<float> loss[2], grads[2], params[2], state[2];
      for (int fused = 0; fused < 2; ++fused) {
        NetworkOptions o;
        o.max_batch = 40;
        o.mode = PlanMode::Training;
        o.train.seed = 17;
        o.train.optimizer = "adam";
        o.row_fusion = fused == 1;
        o.first_conv_fold = false;  // the fold changes the first conv's rounding: FirstConvFoldIsTheUnfoldedStep
        std::unique_ptr<Network> net = make_cpu_network(g, o);
        net->set_expression(expr.data(), genes);
        for (uint64_t step = 0; step < 3; ++step) {
          loss[fused].push_back(net->forward_backward(pairs.data(), labels.data(), batch, step));
          net->apply_update(0.01f, static_cast<long long>(step) + 1);
        }
        grads[fused] = net->get_grads();
        params[fused] = net->get_params();
        state[fused] = net->get_state();
      }
      const std::string t = std::to_string(threads) + " threads, batch " + std::to_string(batch);
      double norm = 0;
      for (float v : grads[0]) norm += static_cast<double>(v) * v;
      EXPECT_GT(norm, 1e-8) << "gradients are all zero, " << t;
      EXPECT_EQ(loss[1], loss[0]) << t;
      EXPECT_EQ(grads[1], grads[0]) << t;
      EXPECT_EQ(params[1], params[0]) << t;
      EXPECT_EQ(state[1], state[0]) << t;
    }
  }
  omp_set_num_threads(saved_threads);
}

// The first-conv fold (NetworkOptions::first_conv_fold) remakes the first conv's rows instead of storing them and
// folds its weight gradient into the batchnorm block's backward: the same forward bits (losses, running
// statistics), the same gradients bit for bit outside the first conv, and the first conv's weight and bias
// gradients within rounding; after three SGD steps, parameters within rounding too (Adam would scale rounding noise
// up to whole steps where a gradient is zero: the bias of a conv that feeds batchnorm without an activation). One
// lane or two, with dropout, a batch of 9 and of 1 (whose dense batchnorm passes no gradient upstream), and
// without the activation.
TEST(CoreNetwork, FirstConvFoldIsTheUnfoldedStep) {
  const int saved_threads = omp_get_max_threads();
  for (const char* act : {"relu", "none"}) {
    const int L = 29, genes = 31;
    const Graph g = build_gener_graph(three_conv_config(act), L);
    const ParamInfo *w1 = nullptr, *b1 = nullptr;  // the first conv's
    for (const ParamInfo& p : g.params) {
      if (p.name == "cnn.conv1.weight") w1 = &p;
      if (p.name == "cnn.conv1.bias") b1 = &p;
    }
    ASSERT_TRUE(w1 && b1) << "the graph names its first conv's parameters differently";
    const std::vector<float> expr = test::random_uniform(static_cast<size_t>(genes) * L, -2.f, 2.f, 7);
    for (int threads : {1, 2}) {
      omp_set_num_threads(threads);
      for (int batch : {9, 1}) {
        std::vector<int32_t> pairs, labels;
        random_batch(batch, genes, 8, &pairs, &labels);
        std::vector<float> loss[2], grads0[2], params[2], state0[2];
        for (int fold = 0; fold < 2; ++fold) {
          NetworkOptions o;
          o.max_batch = 9;
          o.mode = PlanMode::Training;
          o.train.seed = 19;
          o.train.optimizer = "sgd";
          o.first_conv_fold = fold == 1;
          std::unique_ptr<Network> net = make_cpu_network(g, o);
          net->set_expression(expr.data(), genes);
          for (uint64_t step = 0; step < 3; ++step) {
            loss[fold].push_back(net->forward_backward(pairs.data(), labels.data(), batch, step));
            if (step == 0) {
              grads0[fold] = net->get_grads();
              state0[fold] = net->get_state();
            }
            net->apply_update(0.1f, static_cast<long long>(step) + 1);
          }
          params[fold] = net->get_params();
        }
        const std::string t = std::string(act) + ", " +
                              std::to_string(threads) + " threads, batch " + std::to_string(batch);
        EXPECT_EQ(loss[1][0], loss[0][0]) << t;
        EXPECT_EQ(state0[1], state0[0]) << t;
        float scale = 0;  // the first conv's gradient magnitude
        for (size_t i = 0; i < grads0[0].size(); ++i) {
          const bool first = (i >= w1->offset && i < w1->offset + w1->size()) ||
                             (i >= b1->offset && i < b1->offset + b1->size());
          if (first)
            scale = std::max(scale, std::fabs(grads0[0][i]));
          else
            ASSERT_EQ(grads0[1][i], grads0[0][i]) << "gradient " << i << " outside the first conv, " << t;
        }
        if (batch > 1) {
          EXPECT_GT(scale, 1e-7f) << "the first conv's gradients are all zero, " << t;
        }
        EXPECT_TRUE(all_close(grads0[1], grads0[0], 1e-5f * scale, 1e-4f, "first conv gradients, " + t));
        EXPECT_TRUE(all_close(loss[1], loss[0], 1e-6f, 1e-5f, "losses, " + t));
        EXPECT_TRUE(all_close(params[1], params[0], 1e-5f, 1e-4f, "parameters after three steps, " + t));
      }
    }
  }
  omp_set_num_threads(saved_threads);
}

TEST(CoreNetwork, TrainingUpdatesRunningStatistics) {
  Fixture f = make_fixture(tiny_config(0.f), 12);
  const std::vector<float> s0 = f.net->get_state();
  EXPECT_EQ(s0, init_state(f.g));
  f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 0);
  const std::vector<float> s1 = f.net->get_state();
  // running = 0.9 running + 0.1 batch: each changed mean moves by a tenth of the batch mean, so it stays small.
  int changed = 0;
  for (size_t i = 0; i < s1.size(); ++i) changed += s1[i] != s0[i];
  EXPECT_GT(changed, static_cast<int>(s1.size()) / 2);
  for (const StateInfo& s : f.g.state)
    if (s.name.find("running_var") != std::string::npos) {
      for (size_t i = 0; i < s.size(); ++i) EXPECT_GE(s1[s.offset + i], 0.9f - 1e-6f) << s.name;
    }
}

TEST(CoreNetwork, SgdStepIsWeightMinusLrTimesGradient) {
  Fixture f = make_fixture(tiny_config(0.f), 13);
  f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 0);
  const std::vector<float> p0 = f.net->get_params(), g = f.net->get_grads();
  const float lr = 0.05f;
  f.net->apply_update(lr, 1);
  const std::vector<float> p1 = f.net->get_params();
  std::vector<float> want(p0.size());
  for (size_t i = 0; i < p0.size(); ++i) want[i] = p0[i] - lr * g[i];
  EXPECT_TRUE(all_close(p1, want, 1e-7f, 1e-6f, "sgd step (momentum 0)"));
  size_t moved = 0;
  for (size_t i = 0; i < p0.size(); ++i) moved += p1[i] != p0[i];
  EXPECT_GT(moved, p0.size() / 2);
}

TEST(CoreNetwork, SgdMomentumAccumulatesVelocity) {
  ModelConfig c = tiny_config(0.f);
  Graph g = build_gener_graph(c, kL);
  NetworkOptions o;
  o.max_batch = kBatch;
  o.mode = PlanMode::Training;
  o.train.momentum = 0.9f;
  auto net = make_cpu_network(g, o);
  Fixture f = make_fixture(c, 14);
  net->set_expression(f.expr.data(), kGenes);
  net->set_params(f.net->get_params());
  const std::vector<float> p0 = net->get_params();
  net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 0);
  const std::vector<float> g1 = net->get_grads();
  net->apply_update(0.1f, 1);
  net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 1);
  const std::vector<float> g2 = net->get_grads();
  net->apply_update(0.1f, 2);
  std::vector<float> want(p0.size());
  for (size_t i = 0; i < p0.size(); ++i) want[i] = p0[i] - 0.1f * g1[i] - 0.1f * (0.9f * g1[i] + g2[i]);
  EXPECT_TRUE(all_close(net->get_params(), want, 1e-6f, 1e-5f, "sgd with momentum 0.9, two steps"));
}

TEST(CoreNetwork, AdamFirstStepMovesByLearningRate) {
  ModelConfig c = tiny_config(0.f);
  Graph g = build_gener_graph(c, kL);
  NetworkOptions o;
  o.max_batch = kBatch;
  o.mode = PlanMode::Training;
  o.train.optimizer = "adam";
  auto net = make_cpu_network(g, o);
  Fixture f = make_fixture(c, 15);
  net->set_expression(f.expr.data(), kGenes);
  net->set_params(f.net->get_params());
  const std::vector<float> p0 = net->get_params();
  net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, 0);
  const std::vector<float> gr = net->get_grads();
  net->apply_update(1e-3f, 1);
  const std::vector<float> p1 = net->get_params();
  // Bias-corrected first step: m_hat / sqrt(v_hat) = g / |g|, so each weight with a clear gradient moves by lr.
  int checked = 0;
  for (size_t i = 0; i < p0.size(); ++i)
    if (std::fabs(gr[i]) > 1e-4f) {
      ++checked;
      EXPECT_NEAR(p1[i] - p0[i], gr[i] > 0 ? -1e-3f : 1e-3f, 2e-5f) << "param " << i << " grad " << gr[i];
    }
  EXPECT_GT(checked, 20);
  EXPECT_EQ(net->get_opt_state().size(), 2 * g.n_params);
}

TEST(CoreNetwork, LearningRateSchedule) {
  TrainConfig t;  // 0.01 * 0.8^(step / 2500)
  EXPECT_FLOAT_EQ(learning_rate_at(t, 0), 0.01f);
  EXPECT_FLOAT_EQ(learning_rate_at(t, 2500), 0.008f);
  EXPECT_FLOAT_EQ(learning_rate_at(t, 5000), 0.0064f);
  EXPECT_NEAR(learning_rate_at(t, 1250), 0.01 * std::sqrt(0.8), 1e-8);
  EXPECT_LT(learning_rate_at(t, 2501), learning_rate_at(t, 2500));
  t.lr_staircase = true;
  EXPECT_FLOAT_EQ(learning_rate_at(t, 1), 0.01f);
  EXPECT_FLOAT_EQ(learning_rate_at(t, 2499), 0.01f);
  EXPECT_FLOAT_EQ(learning_rate_at(t, 2500), 0.008f);
  EXPECT_FLOAT_EQ(learning_rate_at(t, 7499), 0.0064f);
  EXPECT_FLOAT_EQ(learning_rate_at(t, 7500), 0.01f * 0.8f * 0.8f * 0.8f);
  t.learning_rate = 0.5f;
  t.lr_decay_rate = 0.5f;
  t.lr_decay_steps = 10;
  t.lr_staircase = false;
  EXPECT_FLOAT_EQ(learning_rate_at(t, 20), 0.125f);
}

// Scores of the same 1000 pairs through networks planned for different batch sizes.
TEST(CoreNetwork, PredictIsBatchSizeIndependentAndDeterministic) {
  Fixture f = make_fixture(tiny_config(0.3f), 16);
  for (int s = 0; s < 3; ++s) f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch, s);  // running stats
  const std::vector<float> params = f.net->get_params(), state = f.net->get_state();
  std::vector<float> pr = test::random_ints(2000, 0, kGenes - 1, 99);
  std::vector<int32_t> ab(pr.begin(), pr.end());
  // max_batch 1 scores a prefix only (one call per pair is slow on a loaded machine); 7 and 1000 score all.
  std::vector<std::vector<float>> scores;
  for (int mb : {1000, 7, 1}) {
    const size_t n = mb == 1 ? 250 : 1000;
    NetworkOptions o;
    o.max_batch = mb;
    auto net = make_cpu_network(f.g, o);
    net->set_expression(f.expr.data(), kGenes);
    net->set_params(params);
    net->set_state(state);
    std::vector<float> s(n, -1.f);
    predict_pairs(*net, ab.data(), n, s.data());
    for (float v : s) {
      ASSERT_GE(v, 0.f);
      ASSERT_LE(v, 1.f);
    }
    if (mb != 1) {
      std::vector<float> again(n, -1.f);
      predict_pairs(*net, ab.data(), n, again.data());
      EXPECT_EQ(s, again) << "eval mode is not deterministic (max_batch " << mb << ")";
    }
    scores.push_back(s);
  }
  EXPECT_TRUE(all_close(scores[1], scores[0], 1e-5f, 0.f, "scores max_batch 7 vs 1000"));
  EXPECT_TRUE(all_close(scores[2].data(), scores[0].data(), 250, 1e-5f, 0.f, "scores max_batch 1 vs 1000"));
  // The scores carry information: they are not all the same.
  float lo = 1, hi = 0;
  for (float v : scores[0]) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GT(hi - lo, 1e-3f);
  // Inference ignores dropout: a dropout-free graph with the same weights scores identically, and so does the
  // training network (which has its own plan) through predict().
  Graph g0 = build_gener_graph(tiny_config(0.f), kL);
  NetworkOptions o;
  o.max_batch = 64;
  auto net0 = make_cpu_network(g0, o);
  net0->set_expression(f.expr.data(), kGenes);
  net0->set_params(params);
  net0->set_state(state);
  std::vector<float> s0(1000);
  predict_pairs(*net0, ab.data(), 1000, s0.data());
  EXPECT_TRUE(all_close(s0, scores[0], 1e-5f, 0.f, "scores without dropout in the graph"));
  std::vector<float> st(kBatch);
  f.net->predict(ab.data(), kBatch, st.data());
  EXPECT_TRUE(all_close(st.data(), scores[0].data(), kBatch, 1e-5f, 0.f, "training network's predict()"));
}

TEST(CoreNetwork, PredictLossMatchesScores) {
  Fixture f = make_fixture(tiny_config(0.f), 17, kBatch, 64, PlanMode::Inference);
  std::vector<float> p(kBatch);
  double sum = f.net->predict(f.pairs.data(), kBatch, p.data(), f.labels.data());
  double want = 0;
  for (int i = 0; i < kBatch; ++i) want -= std::log(f.labels[i] ? p[i] : 1.0 - p[i]);
  EXPECT_NEAR(sum, want, 1e-4 * (1 + want));
}

TEST(CoreNetwork, RejectsBadInput) {
  Fixture f = make_fixture(tiny_config(0.f), 18);
  std::vector<int32_t> bad = f.pairs;
  bad[3] = kGenes;  // out of range gene index
  std::vector<float> p(kBatch);
  EXPECT_THROW(f.net->predict(bad.data(), kBatch, p.data()), gener::Error);
  EXPECT_THROW(f.net->forward_backward(f.pairs.data(), f.labels.data(), kBatch + 1, 0), gener::Error);
  EXPECT_THROW(f.net->set_params(std::vector<float>(3)), gener::Error);
  Fixture inf = make_fixture(tiny_config(0.f), 18, kBatch, kBatch, PlanMode::Inference);
  EXPECT_THROW(inf.net->forward_backward(inf.pairs.data(), inf.labels.data(), kBatch, 0), gener::Error);
}

TEST(CoreNetwork, InitParamsFollowKerasConventions) {
  Graph g = build_gener_graph(tiny_config(0.f), kL);
  std::vector<float> p = init_params(g, 1), q = init_params(g, 1), r = init_params(g, 2);
  EXPECT_EQ(p, q);
  EXPECT_NE(p, r);
  for (const ParamInfo& info : g.params) {
    const float* v = p.data() + info.offset;
    const bool bias = info.name.size() > 5 && info.name.substr(info.name.size() - 5) == ".bias";
    const bool bn = info.name.find(".bn") != std::string::npos;
    if (bias) {
      for (size_t i = 0; i < info.size(); ++i) EXPECT_EQ(v[i], 0.f) << info.name;
    } else if (bn) {
      for (size_t i = 0; i < info.size(); ++i) EXPECT_EQ(v[i], 1.f) << info.name;
    } else {
      double rf = 1;
      for (size_t d = 2; d < info.shape.size(); ++d) rf *= static_cast<double>(info.shape[d]);
      const double limit = std::sqrt(6.0 / ((info.shape[0] + info.shape[1]) * rf));
      float mx = 0;
      for (size_t i = 0; i < info.size(); ++i) {
        EXPECT_LE(std::fabs(v[i]), limit * (1 + 1e-6)) << info.name;
        mx = std::max(mx, std::fabs(v[i]));
      }
      EXPECT_GT(mx, 0.2 * limit) << info.name;
    }
  }
}

}  // namespace
}  // namespace gener::core
