// test_cuda_network.cpp — the CUDA network against the CPU network with identical parameters: one training step
// (loss, gradients, running statistics, optimizer update), scoring, and a 20-step training run, on a tiny config
// and on paper.yaml / cnn_only.yaml at L = 536. Every test skips visibly without CUDA or without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/cuda_test_util.h"
#include "tests/test_util.h"

#if defined(GENER_HAVE_CUDA)
#include "engine/core/config.h"
#include "engine/core/network.h"
#include "kernels/check.h"

namespace gener::core {
namespace {

using test::all_close;

constexpr int kGenes = 61;
constexpr int kPaperL = 536;

ModelConfig tiny_config(const std::string& activation = "relu") {
  ModelConfig c;
  c.cnn_conv = {{3, 2, 2}, {2, 1, 3}};
  c.cnn_dense = {5};
  c.use_mlp = true;
  c.mlp_dense = {4};
  c.activation = activation;
  c.dropout = 0.3f;
  return c;
}
ModelConfig paper_config() { return load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml"); }
ModelConfig cnn_only_config() {
  return load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/cnn_only.yaml");
}

struct Batch {
  std::vector<int32_t> pairs, labels;
};
Batch make_batch(int B, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> gene(0, kGenes - 1), label(0, 1);
  Batch b;
  for (int i = 0; i < 2 * B; ++i) b.pairs.push_back(gene(rng));
  for (int i = 0; i < B; ++i) b.labels.push_back(label(rng));
  return b;
}

// The same graph on both backends, same expression, same parameters and state. Weights keep their Glorot init;
// biases, batchnorm gamma/beta and running statistics are moved off their initial values so every one matters.
struct Twin {
  Graph g;
  std::unique_ptr<Network> cpu, gpu;
};

Twin make_twin(const ModelConfig& c, int L, int max_batch, PlanMode mode, const TrainConfig& tc = TrainConfig()) {
  Twin t;
  t.g = build_gener_graph(c, L);
  NetworkOptions o;
  o.max_batch = max_batch;
  o.mode = mode;
  o.train = tc;
  o.device = DeviceKind::Cpu;
  t.cpu = make_network(t.g, o);
  o.device = DeviceKind::Cuda;
  o.debug_nan_fill = true;  // the GPU's arena is NaN before every pass: a read of an unwritten value fails the test
  t.gpu = make_network(t.g, o);
  EXPECT_EQ(t.gpu->get_params(), t.cpu->get_params()) << "initial parameters differ";
  EXPECT_EQ(t.gpu->get_state(), t.cpu->get_state()) << "initial state differs";
  const std::vector<float> expr = test::random_uniform(static_cast<size_t>(kGenes) * L, -2.f, 2.f, 17);
  t.cpu->set_expression(expr.data(), kGenes);
  t.gpu->set_expression(expr.data(), kGenes);
  std::vector<float> p = t.cpu->get_params();
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const ParamInfo& info : t.g.params) {
    const bool bias = info.name.size() >= 5 && info.name.compare(info.name.size() - 5, 5, ".bias") == 0;
    const bool bn = info.name.find(".bn") != std::string::npos;
    for (size_t i = 0; i < info.size(); ++i) {
      if (bn && !bias) p[info.offset + i] = 1.f + 0.3f * u(rng);  // gamma
      else if (bias) p[info.offset + i] = 0.2f * u(rng);          // biases and beta
    }
  }
  std::vector<float> s = t.cpu->get_state();
  for (const StateInfo& info : t.g.state)
    for (size_t i = 0; i < info.size(); ++i)
      s[info.offset + i] = info.name.find("running_var") != std::string::npos ? 1.f + 0.5f * u(rng) : 0.3f * u(rng);
  for (Network* n : {t.cpu.get(), t.gpu.get()}) {
    n->set_params(p);
    n->set_state(s);
  }
  return t;
}

// all_close per named tensor of one flat buffer, so a failure names the layer.
void expect_close(const std::vector<float>& got, const std::vector<float>& ref, const std::vector<ParamInfo>& infos,
                  float atol, float rtol, const std::string& what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  for (const ParamInfo& info : infos)
    EXPECT_TRUE(all_close(got.data() + info.offset, ref.data() + info.offset, info.size(), atol, rtol,
                          what + " " + info.name));
}

void expect_loss_near(double got, double ref, double rtol, const std::string& what) {
  EXPECT_TRUE(std::isfinite(got)) << what;
  EXPECT_NEAR(got, ref, rtol * std::max(1.0, std::fabs(ref))) << what;
}

// forward_backward + apply_update on both backends; `batches` run in turn on the same networks (sizes differ,
// so cuDNN plans for several batch sizes are exercised).
void check_training_step(const ModelConfig& c, int L, int max_batch, const std::vector<int>& batches,
                         const std::string& optimizer) {
  TrainConfig tc;
  tc.optimizer = optimizer;
  tc.momentum = 0.9f;
  tc.seed = 5;
  Twin t = make_twin(c, L, max_batch, PlanMode::Training, tc);
  long long update = 0;
  for (int B : batches) {
    SCOPED_TRACE("L " + std::to_string(L) + ", batch " + std::to_string(B) + ", " + optimizer);
    const Batch b = make_batch(B, 100 + static_cast<uint32_t>(B));
    const uint64_t step = 3 + static_cast<uint64_t>(update);
    const float lc = t.cpu->forward_backward(b.pairs.data(), b.labels.data(), B, step);
    const float lg = t.gpu->forward_backward(b.pairs.data(), b.labels.data(), B, step);
    expect_loss_near(lg, lc, 1e-4, "mean loss");
    const std::vector<float> gc = t.cpu->get_grads(), gg = t.gpu->get_grads();
    expect_close(gg, gc, t.g.params, 1e-4f, 1e-3f, "gradient");
    expect_close(t.gpu->get_state(), t.cpu->get_state(), t.g.state, 1e-5f, 1e-4f, "running statistic");
    const float lr = 1e-2f;
    ++update;
    t.cpu->apply_update(lr, update);
    t.gpu->apply_update(lr, update);
    const std::vector<float> pc = t.cpu->get_params(), pg = t.gpu->get_params();
    const std::vector<float> oc = t.cpu->get_opt_state(), og = t.gpu->get_opt_state();
    ASSERT_EQ(og.size(), 2 * t.g.n_params);
    if (optimizer == "adam") {
      // Adam moves a weight by about lr * sign(g): entries whose gradient is rounding noise may move either
      // way, so parameters are compared tightly only where the gradient is clearly non-zero.
      size_t bad = 0;
      for (size_t i = 0; i < pc.size(); ++i) {
        const float tol = std::fabs(gc[i]) > 1e-3f ? 1e-5f + 1e-4f * std::fabs(pc[i]) : 2.f * lr * update;
        if (!(std::fabs(pg[i] - pc[i]) <= tol)) ++bad;
      }
      EXPECT_EQ(bad, 0u) << "parameters after Adam differ";
      EXPECT_TRUE(all_close(og.data(), oc.data(), t.g.n_params, 2e-5f, 1e-3f, "Adam first moment"));
      EXPECT_TRUE(all_close(og.data() + t.g.n_params, oc.data() + t.g.n_params, t.g.n_params, 1e-8f, 3e-3f,
                            "Adam second moment"));
    } else {
      expect_close(pg, pc, t.g.params, 1e-5f, 1e-5f, "parameter after SGD");
      EXPECT_TRUE(all_close(og.data(), oc.data(), t.g.n_params, 3e-4f, 1e-3f, "SGD velocity"));
    }
  }
}

// Scoring with an inference network: probabilities (atol 1e-5) and the summed loss, for each batch size.
void check_scoring(const ModelConfig& c, int L, int max_batch, const std::vector<int>& batches) {
  Twin t = make_twin(c, L, max_batch, PlanMode::Inference);
  for (int B : batches) {
    SCOPED_TRACE("L " + std::to_string(L) + ", batch " + std::to_string(B));
    const Batch b = make_batch(B, 200 + static_cast<uint32_t>(B));
    std::vector<float> pc(static_cast<size_t>(B)), pg(static_cast<size_t>(B), NAN), again(static_cast<size_t>(B));
    const double sc = t.cpu->predict(b.pairs.data(), B, pc.data(), b.labels.data());
    const double sg = t.gpu->predict(b.pairs.data(), B, pg.data(), b.labels.data());
    EXPECT_TRUE(all_close(pg, pc, 1e-5f, 0.f, "P(interacting)"));
    expect_loss_near(sg, sc, 1e-4, "summed loss");
    t.gpu->predict(b.pairs.data(), B, again.data());  // without labels; bitwise repeatable
    EXPECT_EQ(again, pg) << "predict() is not deterministic or depends on labels";
  }
}

// Both backends train side by side from the same start; the loss curves and the final networks must agree.
void check_training_run(const ModelConfig& c, int L, int B, int steps) {
  TrainConfig tc;  // the paper's SGD, lr 0.01 with decay, through learning_rate_at as the trainer does
  tc.seed = 9;
  Twin t = make_twin(c, L, B, PlanMode::Training, tc);
  std::vector<float> curve_cpu, curve_gpu;
  for (int s = 0; s < steps; ++s) {
    const Batch b = make_batch(B, 300 + static_cast<uint32_t>(s));
    curve_cpu.push_back(t.cpu->forward_backward(b.pairs.data(), b.labels.data(), B, static_cast<uint64_t>(s)));
    curve_gpu.push_back(t.gpu->forward_backward(b.pairs.data(), b.labels.data(), B, static_cast<uint64_t>(s)));
    t.cpu->apply_update(learning_rate_at(tc, s), s + 1);
    t.gpu->apply_update(learning_rate_at(tc, s), s + 1);
  }
  for (int s = 0; s < steps; ++s)
    expect_loss_near(curve_gpu[s], curve_cpu[s], 1e-3, "loss at step " + std::to_string(s));
  EXPECT_NE(curve_cpu.front(), curve_cpu.back()) << "the run did not train";
  expect_close(t.gpu->get_params(), t.cpu->get_params(), t.g.params, 1e-4f, 1e-3f, "parameter after the run");
  expect_close(t.gpu->get_state(), t.cpu->get_state(), t.g.state, 1e-4f, 1e-3f, "running statistic after the run");
  // Scoring through the training networks: the GPU must refresh its eval batchnorm after the updates.
  const Batch held = make_batch(B, 999);
  std::vector<float> pc(static_cast<size_t>(B)), pg(static_cast<size_t>(B));
  t.cpu->predict(held.pairs.data(), B, pc.data());
  t.gpu->predict(held.pairs.data(), B, pg.data());
  EXPECT_TRUE(all_close(pg, pc, 1e-4f, 0.f, "P(interacting) after the run"));
}

void check_repeatable() {
  Twin t = make_twin(paper_config(), kPaperL, 64, PlanMode::Training);
  const Batch b = make_batch(64, 5);
  const float l1 = t.gpu->forward_backward(b.pairs.data(), b.labels.data(), 64, 7);
  const std::vector<float> g1 = t.gpu->get_grads();
  const float l2 = t.gpu->forward_backward(b.pairs.data(), b.labels.data(), 64, 7);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(g1, t.gpu->get_grads()) << "training step is not bitwise repeatable (deterministic algorithms)";
  EXPECT_NE(l1, t.gpu->forward_backward(b.pairs.data(), b.labels.data(), 64, 8)) << "dropout ignores the step";
}

void check_bad_input() {
  const Graph g = build_gener_graph(tiny_config(), 11);
  NetworkOptions o;
  o.device = DeviceKind::Cuda;
  o.max_batch = 8;
  auto net = make_network(g, o);
  std::vector<int32_t> ab = {0, 1, 2, 3};
  std::vector<float> p(8);
  EXPECT_THROW(net->predict(ab.data(), 2, p.data()), gener::Error) << "no expression matrix yet";
  const std::vector<float> expr(4 * 11, 0.5f);
  net->set_expression(expr.data(), 4);
  EXPECT_NO_THROW(net->predict(ab.data(), 2, p.data()));
  EXPECT_THROW(net->predict(ab.data(), 9, p.data()), gener::Error) << "batch above max_batch";
  ab[3] = 4;
  EXPECT_THROW(net->predict(ab.data(), 2, p.data()), gener::Error) << "gene index out of range";
  ab[3] = 3;
  std::vector<int32_t> y = {0, 2};
  EXPECT_THROW(net->predict(ab.data(), 2, p.data(), y.data()), gener::Error) << "label out of range";
  EXPECT_THROW(net->forward_backward(ab.data(), y.data(), 2, 0), gener::Error) << "inference network trained";
  EXPECT_THROW(net->set_params(std::vector<float>(3)), gener::Error);
  o.max_batch = 1 << 22;  // conv1 output alone would exceed 2^31 floats at L = 536
  EXPECT_THROW(make_network(build_gener_graph(paper_config(), kPaperL), o), gener::Error);
}

}  // namespace
}  // namespace gener::core
#endif  // GENER_HAVE_CUDA

namespace gener::core {
namespace {

TEST(CudaNetwork, TrainingStepMatchesCpuTinySgd) {
  GENER_RUN_ON_CUDA(check_training_step(tiny_config(), 11, 8, {8, 7, 1}, "sgd"));
}
TEST(CudaNetwork, TrainingStepMatchesCpuTinyAdam) {
  GENER_RUN_ON_CUDA(check_training_step(tiny_config(), 11, 8, {8}, "adam"));  // one step (see the Adam note)
}
TEST(CudaNetwork, TrainingStepMatchesCpuPaperL536) {
  GENER_RUN_ON_CUDA(check_training_step(paper_config(), kPaperL, 64, {7, 64}, "sgd"));
}
TEST(CudaNetwork, TrainingStepMatchesCpuCnnOnlyL536) {
  GENER_RUN_ON_CUDA(check_training_step(cnn_only_config(), kPaperL, 64, {64}, "sgd"));
}
TEST(CudaNetwork, ScoringMatchesCpuTiny) { GENER_RUN_ON_CUDA(check_scoring(tiny_config(), 11, 64, {1, 7, 64})); }
TEST(CudaNetwork, ScoringMatchesCpuTinyLinearActivation) {
  GENER_RUN_ON_CUDA(check_scoring(tiny_config("none"), 11, 64, {7, 64}));
}
TEST(CudaNetwork, ScoringMatchesCpuPaperL536) {
  GENER_RUN_ON_CUDA(check_scoring(paper_config(), kPaperL, 64, {7, 64}));
}
TEST(CudaNetwork, ScoringMatchesCpuPaperL536LargeBatch) {
  GENER_RUN_ON_CUDA(check_scoring(paper_config(), kPaperL, 4096, {4096, 1000}));
}
TEST(CudaNetwork, ScoringMatchesCpuCnnOnlyL536) {
  GENER_RUN_ON_CUDA(check_scoring(cnn_only_config(), kPaperL, 64, {64}));
}
TEST(CudaNetwork, TwentyStepRunMatchesCpuTiny) { GENER_RUN_ON_CUDA(check_training_run(tiny_config(), 11, 16, 20)); }
TEST(CudaNetwork, TwentyStepRunMatchesCpuPaperL536) {
  GENER_RUN_ON_CUDA(check_training_run(paper_config(), kPaperL, 64, 20));
}
TEST(CudaNetwork, TrainingStepIsBitwiseRepeatable) { GENER_RUN_ON_CUDA(check_repeatable()); }
TEST(CudaNetwork, RejectsBadInput) { GENER_RUN_ON_CUDA(check_bad_input()); }

}  // namespace
}  // namespace gener::core

// At the benchmark's batch size, Adam over several steps, and the fused / folded / graph paths.
namespace gener::core {
namespace {

#if defined(GENER_HAVE_CUDA)
// Inference networks on both backends with the given options on the GPU side; same parameters and state.
void check_scoring_options(const ModelConfig& c, int L, int max_batch, const std::vector<int>& batches,
                           ScorePath path, bool fold) {
  Twin t = make_twin(c, L, max_batch, PlanMode::Inference);
  NetworkOptions o;
  o.device = DeviceKind::Cuda;
  o.max_batch = max_batch;
  o.score_path = path;
  o.fold_bn = fold;
  o.debug_nan_fill = true;  // a value the GPU path forgot to write reads as NaN
  auto gpu = make_network(t.g, o);
  gpu->set_params(t.cpu->get_params());
  gpu->set_state(t.cpu->get_state());
  const std::vector<float> expr = test::random_uniform(static_cast<size_t>(kGenes) * L, -2.f, 2.f, 17);
  gpu->set_expression(expr.data(), kGenes);
  for (int B : batches) {
    SCOPED_TRACE(std::string(score_path_name(path)) + (fold ? ", folded" : "") + ", batch " + std::to_string(B));
    const Batch b = make_batch(B, 400 + static_cast<uint32_t>(B));
    std::vector<float> pc(static_cast<size_t>(B)), pg(static_cast<size_t>(B), NAN);
    t.cpu->predict(b.pairs.data(), B, pc.data());
    gpu->prepare_batch(B);
    gpu->predict(b.pairs.data(), B, pg.data());
    EXPECT_TRUE(all_close(pg, pc, 1e-5f, 1e-4f, "P(interacting)"));
  }
}

// train_step (a CUDA graph per step, loss on the device) against forward_backward + apply_update on a second GPU
// network: the same deterministic kernels, so parameters agree bit for bit; batch sizes change (a new graph).
void check_graph_steps() {
  TrainConfig tc;
  tc.seed = 4;
  const ModelConfig c = paper_config();
  Twin t = make_twin(c, kPaperL, 256, PlanMode::Training, tc);
  NetworkOptions o;
  o.device = DeviceKind::Cuda;
  o.max_batch = 256;
  o.mode = PlanMode::Training;
  o.train = tc;
  o.cuda_graphs = true;
  auto graphs = make_network(t.g, o);
  graphs->set_params(t.gpu->get_params());
  graphs->set_state(t.gpu->get_state());
  const std::vector<float> expr = test::random_uniform(static_cast<size_t>(kGenes) * kPaperL, -2.f, 2.f, 17);
  graphs->set_expression(expr.data(), kGenes);
  double plain_sum = 0;
  long long pairs = 0;
  const std::vector<int> sizes = {256, 256, 100, 256, 100, 256, 256, 7};
  for (size_t s = 0; s < sizes.size(); ++s) {
    const int B = sizes[s];
    const Batch b = make_batch(B, 500 + static_cast<uint32_t>(s));
    const float lr = learning_rate_at(tc, static_cast<long long>(s));
    graphs->train_step(b.pairs.data(), b.labels.data(), B, s, lr, static_cast<long long>(s) + 1);
    plain_sum += static_cast<double>(t.gpu->forward_backward(b.pairs.data(), b.labels.data(), B, s)) * B;
    t.gpu->apply_update(lr, static_cast<long long>(s) + 1);
    pairs += B;
    if (s == 3) {  // a read-back in the middle resets the sum
      const auto [sum, n] = graphs->take_loss_sum();
      EXPECT_EQ(n, 256 * 3 + 100);
      EXPECT_NEAR(sum, plain_sum, 1e-4 * std::fabs(plain_sum));
      plain_sum = 0;
      pairs = 0;
    }
  }
  const auto [sum, n] = graphs->take_loss_sum();
  EXPECT_EQ(n, pairs);
  EXPECT_NEAR(sum, plain_sum, 1e-4 * std::fabs(plain_sum));
  EXPECT_EQ(graphs->get_params(), t.gpu->get_params()) << "graph replay and plain launches differ";
  EXPECT_EQ(graphs->get_state(), t.gpu->get_state());
}
#endif

TEST(CudaNetwork, ScoringMatchesCpuPaperBatch8192) {
  GENER_RUN_ON_CUDA(check_scoring(paper_config(), kPaperL, 8192, {8192, 2633}));
}
TEST(CudaNetwork, TrainingStepMatchesCpuPaperBatch8192) {
  GENER_RUN_ON_CUDA(check_training_step(paper_config(), kPaperL, 8192, {8192}, "sgd"));
}
TEST(CudaNetwork, AdamFiveStepsMatchCpu) {
  GENER_RUN_ON_CUDA(check_training_step(tiny_config(), 11, 8, {8, 8, 5, 8, 8}, "adam"));
}
TEST(CudaNetwork, AdamThreeStepsMatchCpuPaperL536) {
  GENER_RUN_ON_CUDA(check_training_step(paper_config(), kPaperL, 64, {64, 64, 64}, "adam"));
}
TEST(CudaFused, ScoringMatchesCpuPaperL536) {
  GENER_RUN_ON_CUDA(check_scoring_options(paper_config(), kPaperL, 8192, {1, 7, 1000, 8192}, ScorePath::FusedCnn, true));
}
TEST(CudaFused, ScoringMatchesCpuCnnOnlyL536) {
  GENER_RUN_ON_CUDA(check_scoring_options(cnn_only_config(), kPaperL, 1000, {7, 1000}, ScorePath::FusedCnn, true));
}
TEST(CudaFoldBn, LayersPathFoldedAndUnfoldedMatchCpu) {
  GENER_RUN_ON_CUDA(check_scoring_options(paper_config(), kPaperL, 1000, {1, 7, 1000}, ScorePath::Layers, true));
  GENER_RUN_ON_CUDA(check_scoring_options(paper_config(), kPaperL, 1000, {7, 1000}, ScorePath::Layers, false));
}
TEST(CudaGraphs, TrainStepMatchesPlainLaunchesBitwise) { GENER_RUN_ON_CUDA(check_graph_steps()); }

}  // namespace
}  // namespace gener::core
