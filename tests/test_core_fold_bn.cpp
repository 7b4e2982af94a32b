// test_core_fold_bn.cpp — batchnorm folded into the next layer (engine/core/fold_bn.h): which nodes fold and where,
// and the folded CPU network against the unfolded reference, element by element (P(interacting) within
// 2e-6 + 1e-5·|p|; the fold is exact algebra, the difference is float rounding of reordered sums), on the paper's
// model at L = 536, the CNN-only ablation and small configs, batches 1, 7 and 1000; also after training steps
// (the folded copy follows parameter and statistic updates) and with the NaN-filled arena of the debug mode.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/fold_bn.h"
#include "engine/core/network.h"
#include "kernels/cpu_features.h"
#include "kernels/lowp.h"
#include "tests/test_core_random_model.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

constexpr int kGenes = 53;
constexpr float kAtol = 2e-6f, kRtol = 1e-5f;

ModelConfig config(const std::string& name) {
  return load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/" + name);
}
ModelConfig tiny(const std::string& activation = "relu") {
  ModelConfig c;
  c.cnn_conv = {{3, 2, 2}, {4, 1, 3}, {2, 1, 1}};
  c.cnn_dense = {5, 3};
  c.use_mlp = true;
  c.mlp_dense = {6, 4};
  c.activation = activation;
  return c;
}

int node_index(const Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == name) return static_cast<int>(i);
  ADD_FAILURE() << "no node " << name;
  return -1;
}

TEST(CoreFoldBn, PlanFoldsEveryBatchnormIntoTheNextLayer) {
  const Graph g = build_gener_graph(config("paper.yaml"), 536);
  const BnFoldPlan p = plan_bn_fold(g);
  EXPECT_EQ(p.count, 6);
  const std::vector<std::pair<std::string, std::string>> into = {
      {"cnn.bn1", "cnn.conv2"}, {"cnn.bn2", "cnn.conv3"}, {"cnn.bn3", "cnn.fc1"},
      {"cnn.bn_fc1", "head"},   {"mlp.bn1", "mlp.fc2"},   {"mlp.bn2", "head"}};
  for (const auto& [bn, layer] : into) {
    const int i = node_index(g, bn);
    ASSERT_GE(i, 0);
    EXPECT_EQ(p.into[static_cast<size_t>(i)], node_index(g, layer)) << bn;
  }
  // Both branches go into the head through the concat: the CNN's 32 features first, the MLP's 128 after them.
  EXPECT_EQ(p.column[static_cast<size_t>(node_index(g, "cnn.bn_fc1"))], 0);
  EXPECT_EQ(p.column[static_cast<size_t>(node_index(g, "mlp.bn2"))], 32);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    EXPECT_TRUE(g.nodes[i].op == OpKind::ActBnDropout || !p.folded(i)) << g.nodes[i].name;
  }
  const Graph c = build_gener_graph(config("cnn_only.yaml"), 536);
  EXPECT_EQ(plan_bn_fold(c).count, 4);
}

// Random parameters with batchnorm moved well off the identity (gamma, beta, running mean and variance).
using test_model::Model;
using test_model::score;
Model random_model(const ModelConfig& c, int L, uint32_t seed) { return test_model::random_model(c, L, kGenes, seed); }

std::unique_ptr<Network> network(const Model& m, int max_batch, bool fold, PlanMode mode = PlanMode::Inference,
                                 bool nan_fill = false) {
  NetworkOptions o;
  o.max_batch = max_batch;
  o.mode = mode;
  o.fold_bn = fold;
  o.debug_nan_fill = nan_fill;
  auto net = make_cpu_network(m.g, o);
  net->set_params(m.params);
  net->set_state(m.state);
  net->set_expression(m.expr.data(), kGenes);
  return net;
}

std::vector<int32_t> pairs(int B, uint32_t seed) { return test_model::random_pairs(B, kGenes, seed); }

void expect_folded_matches_reference(const ModelConfig& c, int L) {
  const Model m = random_model(c, L, 11);
  auto ref = network(m, 1000, /*fold=*/false), folded = network(m, 1000, /*fold=*/true);
  for (int B : {1, 7, 1000}) {
    SCOPED_TRACE("L " + std::to_string(L) + ", batch " + std::to_string(B));
    const std::vector<int32_t> ab = pairs(B, 100 + static_cast<uint32_t>(B));
    const std::vector<float> pr = score(*ref, ab), pf = score(*folded, ab);
    EXPECT_TRUE(test::all_close(pf, pr, kAtol, kRtol, "P(interacting), folded vs reference"));
    // The test can fail: the reference itself moves when a batchnorm statistic does.
    Model moved = m;
    moved.state[m.g.find_state("cnn.bn1.running_mean")->offset] += 0.5f;
    if (B == 1000) {
      EXPECT_FALSE(test::all_close(score(*network(moved, 1000, true), ab), pr, kAtol, kRtol, "moved"));
    }
  }
  // The network's own parameters are untouched by folding.
  EXPECT_EQ(folded->get_params(), m.params);
  EXPECT_EQ(folded->get_state(), m.state);
}

TEST(CoreFoldBn, PaperModelL536MatchesUnfolded) { expect_folded_matches_reference(config("paper.yaml"), 536); }
TEST(CoreFoldBn, CnnOnlyL536MatchesUnfolded) { expect_folded_matches_reference(config("cnn_only.yaml"), 536); }
TEST(CoreFoldBn, TinyModelsMatchUnfolded) {
  expect_folded_matches_reference(tiny(), 13);
  expect_folded_matches_reference(tiny("none"), 9);
}

TEST(CoreFoldBn, FoldedBuffersAreIdentityBatchnormsAndScaledWeights) {
  const Model m = random_model(tiny(), 13, 5);
  const BnFoldPlan plan = plan_bn_fold(m.g);
  std::vector<float> fp(m.g.n_params), fs(m.g.n_state);
  fold_bn(m.g, plan, m.params.data(), m.state.data(), fp.data(), fs.data());
  // mlp.bn1 (6 channels) into mlp.fc2 (4 x 6): w' = w * s, b' = b + w t, checked in double.
  const Node& bn = m.g.nodes[static_cast<size_t>(node_index(m.g, "mlp.bn1"))];
  const size_t w = m.g.find_param("mlp.fc2.weight")->offset, b = m.g.find_param("mlp.fc2.bias")->offset;
  for (int o = 0; o < 4; ++o) {
    double bias = m.params[b + o];
    for (int c = 0; c < 6; ++c) {
      const double s = m.params[m.g.params[bn.p_weight].offset + c] /
                       std::sqrt(static_cast<double>(m.state[m.g.state[bn.s_var].offset + c]) + bn.bn_eps);
      const double t = m.params[m.g.params[bn.p_bias].offset + c] - m.state[m.g.state[bn.s_mean].offset + c] * s;
      EXPECT_NEAR(fp[w + o * 6 + c], m.params[w + o * 6 + c] * s, 1e-6) << "o " << o << " c " << c;
      bias += m.params[w + o * 6 + c] * t;
    }
    EXPECT_NEAR(fp[b + o], bias, 1e-5) << "bias " << o;
  }
  for (int c = 0; c < 6; ++c) {
    EXPECT_EQ(fp[m.g.params[bn.p_weight].offset + c], 1.f);
    EXPECT_EQ(fp[m.g.params[bn.p_bias].offset + c], 0.f);
    EXPECT_EQ(fs[m.g.state[bn.s_mean].offset + c], 0.f);
    EXPECT_EQ(fs[m.g.state[bn.s_var].offset + c], 1.f);
  }
  EXPECT_EQ(folded_bn_eps(m.g, plan, static_cast<size_t>(node_index(m.g, "mlp.bn1"))), 0.f);
  EXPECT_EQ(folded_bn_eps(m.g, plan, 0), m.g.nodes[0].bn_eps);  // pair features: not a folded node
}

// A training network scores through its folded copy, which must follow every update of weights and statistics.
TEST(CoreFoldBn, FoldFollowsTrainingUpdates) {
  const Model m = random_model(config("paper.yaml"), 536, 3);
  auto folded = network(m, 64, true, PlanMode::Training), ref = network(m, 64, false, PlanMode::Training);
  const std::vector<int32_t> ab = pairs(64, 7), held = pairs(300, 8);
  std::vector<int32_t> y(64);
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<int32_t>(i % 2);
  const std::vector<float> before = score(*folded, std::vector<int32_t>(held.begin(), held.begin() + 128));
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(folded->forward_backward(ab.data(), y.data(), 64, s), ref->forward_backward(ab.data(), y.data(), 64, s));
    folded->apply_update(0.05f, s + 1);
    ref->apply_update(0.05f, s + 1);
  }
  const std::vector<int32_t> first(held.begin(), held.begin() + 128);
  const std::vector<float> pf = score(*folded, first), pr = score(*ref, first);
  EXPECT_TRUE(test::all_close(pf, pr, kAtol, kRtol, "P(interacting) after three steps"));
  EXPECT_FALSE(test::all_close(pf, before, kAtol, kRtol, "scores moved with training"));
}

// Debug mode: the arena is NaN before every pass, so a read of anything not written this pass shows up.
TEST(CoreFoldBn, NanFilledArenaChangesNothing) {
  const Model m = random_model(config("paper.yaml"), 536, 4);
  for (bool fold : {false, true}) {
    auto plain = network(m, 300, fold), poisoned = network(m, 300, fold, PlanMode::Inference, /*nan_fill=*/true);
    for (int B : {1, 7, 300}) {
      const std::vector<int32_t> ab = pairs(B, 40 + static_cast<uint32_t>(B));
      EXPECT_EQ(score(*poisoned, ab), score(*plain, ab)) << "batch " << B << (fold ? " folded" : "");
    }
  }
  auto plain = network(m, 64, true, PlanMode::Training), poisoned = network(m, 64, true, PlanMode::Training, true);
  const std::vector<int32_t> ab = pairs(64, 9);
  std::vector<int32_t> y(64, 1);
  EXPECT_EQ(poisoned->forward_backward(ab.data(), y.data(), 64, 0), plain->forward_backward(ab.data(), y.data(), 64, 0));
  EXPECT_EQ(poisoned->get_grads(), plain->get_grads());
}

// Folded fp32 inference runs its dense layers on the row kernels (AVX-512, else AVX2) where the CPU has them: a pair's
// score is then the same bits whatever batch it is in, and the same bits on AVX-512 and AVX2; with both hidden
// (GENER_CPU_DISABLE) the folded network takes the sgemm path and still matches the reference.
TEST(CoreFoldBn, FoldedScoresIndependentOfBatchAndFallbackPathMatches) {
  const Model m = random_model(config("paper.yaml"), 37, 12);
  auto ref = network(m, 1000, /*fold=*/false), folded = network(m, 1000, /*fold=*/true);
  const std::vector<int32_t> ab = pairs(1000, 77);
  const std::vector<float> pf = score(*folded, ab), pr = score(*ref, ab);
  const bool rows = kernels::fp32_dense_fast_available();
  for (int i : {0, 6, 999}) {
    if (!rows) break;
    const std::vector<int32_t> one(ab.begin() + 2 * i, ab.begin() + 2 * i + 2);
    EXPECT_EQ(score(*folded, one)[0], pf[static_cast<size_t>(i)]) << "pair " << i << " alone vs in a batch of 1000";
  }
  if (kernels::fp32_simd() == kernels::Fp32Simd::Avx512) {
    test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
    EXPECT_EQ(score(*network(m, 1000, /*fold=*/true), ab), pf) << "AVX2 vs AVX-512 kernels";
  } else {
    std::cout << "[  NOTE    ] no AVX-512F here: the AVX2 kernels are not compared with it\n";
  }
  std::vector<float> pslow;
  {
    test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f,avx2");
    pslow = score(*network(m, 1000, /*fold=*/true), ab);
  }
  EXPECT_TRUE(test::all_close(pslow, pr, kAtol, kRtol, "folded on sgemm vs reference"));
  EXPECT_TRUE(test::all_close(pf, pslow, kAtol, kRtol, "folded on the row kernels vs folded on sgemm"));
  if (!rows) std::cout << "[  NOTE    ] neither AVX2 nor AVX-512F here: only the sgemm path was checked\n";
}

}  // namespace
}  // namespace gener::core
