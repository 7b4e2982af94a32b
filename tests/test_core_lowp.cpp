// test_core_lowp.cpp — the CPU backend's bf16 / int8 scoring (engine/core/lowp_plan.h) against the fp32 reference
// network (unfolded, reference ops): P(interacting) within |dP| <= 0.02 (bf16) / 0.06 (int8) per pair and 0.003 /
// 0.012 on average, on the paper model at L = 536 and at L = 37 (no multiple of 16), batches 1, 7, 1000; bit-identical
// run to run and whatever batch a pair is in; the fallback to fp32 where GENER_CPU_DISABLE hides the instructions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/lowp_plan.h"
#include "engine/core/network.h"
#include "tests/test_core_random_model.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

namespace k = gener::kernels;
constexpr int kGenes = 61;
// bf16 keeps 8 significant bits of every operand; int8 (per-sample activation scales, per-output weight scales) 7-8
// bits of the largest value only, so its bound is wider.
float max_dp(k::Precision p) { return p == k::Precision::Int8 ? 0.06f : 0.02f; }
float mean_dp(k::Precision p) { return p == k::Precision::Int8 ? 0.012f : 0.003f; }

using test_model::Model;
using test_model::score;

// Random weights with batchnorm statistics off the identity; logits scaled so that P spreads over (0, 1).
Model random_model(int L, uint32_t seed) {
  return test_model::random_model(load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml"), L,
                                  kGenes, seed, 3.f, 0.2f);
}

std::unique_ptr<Network> network(const Model& m, int max_batch, k::Precision p, bool fold = true) {
  NetworkOptions o;
  o.max_batch = max_batch;
  o.mode = PlanMode::Inference;
  o.fold_bn = fold;
  o.precision = p;
  auto net = make_cpu_network(m.g, o);
  net->set_params(m.params);
  net->set_state(m.state);
  net->set_expression(m.expr.data(), kGenes);
  return net;
}

std::vector<int32_t> pairs(int B, uint32_t seed) { return test_model::random_pairs(B, kGenes, seed); }

TEST(CoreLowp, PlanCoversConvAndDenseLayersOfThePaperModel) {
  const Graph g = build_gener_graph(load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml"), 536);
  for (k::Precision p : {k::Precision::Bf16, k::Precision::Int8}) {
    if (!k::precision_supported(p)) continue;
    const LowpPlan plan(g, plan_bn_fold(g), p);
    std::vector<std::string> names;
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (plan.runs(i)) names.push_back(g.nodes[i].name);
    // bf16 on AMX also runs conv1 (fp32 arithmetic, its output handed to conv2 in bf16).
    const bool amx = p == k::Precision::Bf16 && k::amx_bf16_available();
    std::vector<std::string> want{"cnn.conv2", "cnn.conv3", "cnn.fc1", "mlp.fc1", "mlp.fc2", "head"};
    if (amx) want.insert(want.begin(), "cnn.conv1");
    EXPECT_EQ(names, want);
    // Packed precisions: the head in fp32; at int8 also mlp.fc1, which reads the pair features themselves.
    std::vector<std::string> fp32_layers;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      if (!plan.runs(i)) continue;
      if (plan.layer_precision(i) == k::Precision::Fp32) fp32_layers.push_back(g.nodes[i].name);
      else EXPECT_EQ(plan.layer_precision(i), p) << g.nodes[i].name;
    }
    EXPECT_EQ(fp32_layers, p == k::Precision::Int8 ? (std::vector<std::string>{"mlp.fc1", "head"})
                                                  : (std::vector<std::string>{"head"}));
    // bf16 on AMX: conv1 writes conv2's input, conv2 conv3's, conv3 fc1's; elsewhere every layer hands over fp32.
    std::vector<std::string> chained;
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (plan.runs(i) && plan.fuses_next(i) && plan.writes_into_next(i)) chained.push_back(g.nodes[i].name);
    EXPECT_EQ(chained, amx ? (std::vector<std::string>{"cnn.conv1", "cnn.conv2", "cnn.conv3"})
                           : std::vector<std::string>{});
  }
}

void expect_close_to_reference(k::Precision p, int L) {
  if (!k::precision_supported(p)) GTEST_SKIP() << "this CPU lacks the " << k::precision_name(p) << " instructions";
  const Model m = random_model(L, 5);
  auto ref = network(m, 1000, k::Precision::Fp32, /*fold=*/false), low = network(m, 1000, p);
  for (int B : {1, 7, 1000}) {
    SCOPED_TRACE(std::string(k::precision_name(p)) + ", L " + std::to_string(L) + ", batch " + std::to_string(B));
    const std::vector<int32_t> ab = pairs(B, 40 + static_cast<uint32_t>(B));
    const std::vector<float> pr = score(*ref, ab), pl = score(*low, ab);
    EXPECT_TRUE(test::all_close(pl, pr, max_dp(p), 0.f, "P(interacting), reduced precision vs fp32 reference"));
    double sum = 0, spread = 0;
    for (size_t i = 0; i < pr.size(); ++i) sum += std::fabs(pl[i] - pr[i]), spread += std::fabs(pr[i] - 0.5f);
    EXPECT_LE(sum / B, mean_dp(p));
    if (B == 1000) {
      EXPECT_GT(spread / B, 0.1) << "scores too close to 0.5 for the comparison to mean anything";
    }
    // Deterministic, and a pair's score does not depend on its batch: rerun, and score the batch's pairs one by one.
    EXPECT_EQ(score(*low, ab), pl);
    for (int i = 0; i < std::min(B, 9); ++i) {
      const std::vector<int32_t> one(ab.begin() + 2 * i, ab.begin() + 2 * i + 2);
      EXPECT_EQ(score(*low, one)[0], pl[static_cast<size_t>(i)]) << "pair " << i;
    }
  }
  // The test can fail: an int8/bf16 network is not the fp32 one bit for bit.
  const std::vector<int32_t> ab = pairs(1000, 3);
  EXPECT_NE(score(*low, ab), score(*network(m, 1000, k::Precision::Fp32), ab));
}

TEST(CoreLowp, Bf16CloseToReferencePaperModel) { expect_close_to_reference(k::Precision::Bf16, 536); }
TEST(CoreLowp, Int8CloseToReferencePaperModel) { expect_close_to_reference(k::Precision::Int8, 536); }
TEST(CoreLowp, Bf16CloseToReferenceOddLength) { expect_close_to_reference(k::Precision::Bf16, 37); }
TEST(CoreLowp, Int8CloseToReferenceOddLength) { expect_close_to_reference(k::Precision::Int8, 37); }

// Follows parameter changes: the packed weights are rebuilt when the parameters move.
TEST(CoreLowp, RepacksAfterSetParams) {
  if (!k::precision_supported(k::Precision::Int8)) GTEST_SKIP() << "this CPU lacks AVX-512 VNNI";
  Model m = random_model(536, 8);
  auto low = network(m, 64, k::Precision::Int8);
  const std::vector<int32_t> ab = pairs(64, 9);
  const std::vector<float> before = score(*low, ab);
  for (size_t i = 0; i < m.params.size(); ++i) m.params[i] *= -1.f;
  low->set_params(m.params);
  const std::vector<float> after = score(*low, ab), fresh = score(*network(m, 64, k::Precision::Int8), ab);
  EXPECT_NE(after, before);
  EXPECT_EQ(after, fresh);
}

// bf16 on AMX tiles and on AVX512-BF16 (GENER_CPU_DISABLE=amx_bf16) round the same operands and differ only in the
// order of their fp32 sums: the paper model's P agree within 1e-4 per pair, and each is bit-identical run to run.
TEST(CoreLowp, Bf16OnAmxAgreesWithAvx512Bf16) {
  if (!k::amx_bf16_available()) GTEST_SKIP() << "this CPU lacks AMX-BF16";
  const Model m = random_model(536, 10);
  const std::vector<int32_t> ab = pairs(64, 11);
  const std::vector<float> amx = score(*network(m, 64, k::Precision::Bf16), ab);
  EXPECT_EQ(score(*network(m, 64, k::Precision::Bf16), ab), amx);
  const char* old = std::getenv("GENER_CPU_DISABLE");
  const std::string saved = old ? old : "";
  setenv("GENER_CPU_DISABLE", "amx_bf16", 1);
  const std::vector<float> avx = score(*network(m, 64, k::Precision::Bf16), ab);
  if (old) setenv("GENER_CPU_DISABLE", saved.c_str(), 1);
  else unsetenv("GENER_CPU_DISABLE");
  ASSERT_EQ(avx.size(), amx.size());
  float worst = 0.f;
  for (size_t i = 0; i < amx.size(); ++i) worst = std::max(worst, std::fabs(amx[i] - avx[i]));
  EXPECT_LE(worst, 1e-4f);
  EXPECT_NE(amx, avx) << "the two kernels ran (their sums round apart somewhere)";
}

TEST(CoreLowp, FallsBackToFp32WhereTheCpuLacksTheInstructions) {
  const char* old = std::getenv("GENER_CPU_DISABLE");
  const std::string saved = old ? old : "";
  setenv("GENER_CPU_DISABLE", "avx512_bf16 avx512_vnni", 1);
  const Model m = random_model(37, 6);
  const std::vector<int32_t> ab = pairs(7, 7);
  const std::vector<float> fp32 = score(*network(m, 64, k::Precision::Fp32), ab);
  EXPECT_EQ(score(*network(m, 64, k::Precision::Bf16), ab), fp32);
  EXPECT_EQ(score(*network(m, 64, k::Precision::Int8), ab), fp32);
  if (old) setenv("GENER_CPU_DISABLE", saved.c_str(), 1);
  else unsetenv("GENER_CPU_DISABLE");
}

}  // namespace
}  // namespace gener::core
