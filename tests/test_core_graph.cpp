// test_core_graph.cpp — the GENER graph built from the configs: parameter count, names, shapes, MACs, shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/graph.h"
#include "kernels/check.h"

namespace gener::core {
namespace {

std::string config_path(const std::string& name) { return std::string(GENER_SOURCE_DIR) + "/configs/model/" + name; }

std::vector<int64_t> shape_of(const Graph& g, const std::string& name) {
  const ParamInfo* p = g.find_param(name);
  return p ? p->shape : std::vector<int64_t>{};
}

TEST(CoreGraph, PaperModelHasThePapersParameterCount) {
  Graph g = build_gener_graph(load_model_config(config_path("paper.yaml")), 536);
  // The paper's figure: conv/dense weights + biases and batchnorm gamma/beta; running stats are not trained.
  EXPECT_EQ(g.n_trainable, 223706u);
  size_t sum = 0;
  for (const ParamInfo& p : g.params) sum += p.size();
  EXPECT_EQ(sum, g.n_trainable);
  EXPECT_GE(g.n_params, g.n_trainable);
  EXPECT_LT(g.n_params, g.n_trainable + kParamAlignFloats * g.params.size());
  for (const ParamInfo& p : g.params) EXPECT_EQ(p.name.find("running"), std::string::npos) << p.name;
}

TEST(CoreGraph, PaperModelMultiplyAddsPerPair) {
  Graph g = build_gener_graph(load_model_config(config_path("paper.yaml")), 536);
  const long long macs = g.multiply_adds_per_pair();
  EXPECT_GE(macs, 720000);
  EXPECT_LE(macs, 740000);
}

TEST(CoreGraph, ParameterNamesAndShapes) {
  Graph g = build_gener_graph(load_model_config(config_path("paper.yaml")), 536);
  EXPECT_EQ(shape_of(g, "cnn.conv1.weight"), (std::vector<int64_t>{16, 1, 2, 2}));
  EXPECT_EQ(shape_of(g, "cnn.conv1.bias"), (std::vector<int64_t>{16}));
  EXPECT_EQ(shape_of(g, "cnn.conv2.weight"), (std::vector<int64_t>{16, 16, 1, 3}));
  EXPECT_EQ(shape_of(g, "cnn.conv3.weight"), (std::vector<int64_t>{8, 16, 1, 1}));
  EXPECT_EQ(shape_of(g, "cnn.fc1.weight"), (std::vector<int64_t>{32, 8 * (536 - 3)}));
  EXPECT_EQ(shape_of(g, "cnn.fc1.weight"), (std::vector<int64_t>{32, 4264}));
  EXPECT_EQ(shape_of(g, "mlp.fc1.weight"), (std::vector<int64_t>{128, 536}));
  EXPECT_EQ(shape_of(g, "mlp.fc2.weight"), (std::vector<int64_t>{128, 128}));
  EXPECT_EQ(shape_of(g, "head.weight"), (std::vector<int64_t>{2, 160}));
  EXPECT_EQ(shape_of(g, "head.bias"), (std::vector<int64_t>{2}));
  EXPECT_EQ(shape_of(g, "cnn.bn1.weight"), (std::vector<int64_t>{16}));
  EXPECT_EQ(shape_of(g, "mlp.bn2.bias"), (std::vector<int64_t>{128}));
  ASSERT_NE(g.find_state("cnn.bn1.running_mean"), nullptr);
  ASSERT_NE(g.find_state("mlp.bn2.running_var"), nullptr);
  EXPECT_EQ(g.find_param("cnn.bn1.running_mean"), nullptr);
  // Running statistics: mean + var per batchnorm channel (16 + 16 + 8 + 32 + 128 + 128 channels).
  EXPECT_EQ(g.n_state, 2u * (16 + 16 + 8 + 32 + 128 + 128));
  // Offsets tile the one parameter buffer without overlaps, each on a 16-byte boundary, leaving only the
  // alignment gaps (fewer than 4 floats) between tensors.
  std::vector<const ParamInfo*> ps;
  for (const ParamInfo& p : g.params) ps.push_back(&p);
  std::sort(ps.begin(), ps.end(), [](const ParamInfo* a, const ParamInfo* b) { return a->offset < b->offset; });
  size_t next = 0;
  for (const ParamInfo* p : ps) {
    EXPECT_EQ(p->offset % 4, 0u) << p->name << " at " << p->offset << " is not 16-byte aligned";
    EXPECT_GE(p->offset, next) << p->name;
    EXPECT_LT(p->offset - next, 4u) << p->name;
    next = p->offset + p->size();
  }
  EXPECT_EQ(next, g.n_params);
  // Names are unique (they are checkpoint keys).
  for (size_t i = 0; i < g.params.size(); ++i)
    for (size_t j = i + 1; j < g.params.size(); ++j) EXPECT_NE(g.params[i].name, g.params[j].name);
}

TEST(CoreGraph, CnnOnlyHasNoMlpBranch) {
  ModelConfig c = load_model_config(config_path("cnn_only.yaml"));
  EXPECT_FALSE(c.use_mlp);
  Graph g = build_gener_graph(c, 536);
  for (const ParamInfo& p : g.params) EXPECT_NE(p.name.rfind("mlp.", 0), 0u) << p.name;
  for (const StateInfo& s : g.state) EXPECT_NE(s.name.rfind("mlp.", 0), 0u) << s.name;
  EXPECT_EQ(shape_of(g, "head.weight"), (std::vector<int64_t>{2, 32}));
  for (const Node& n : g.nodes) EXPECT_NE(n.op, OpKind::Concat);
  // The paper model minus its MLP branch: (536*128+128) + 256 + (128*128+128) + 256, and a 160- vs 32-wide head.
  Graph full = build_gener_graph(load_model_config(config_path("paper.yaml")), 536);
  EXPECT_EQ(full.n_trainable - g.n_trainable, (536u * 128 + 128) + 256 + (128u * 128 + 128) + 256 + 2u * 128);
}

TEST(CoreGraph, TopologicalOrderAndSingleConsumers) {
  Graph g = build_gener_graph(load_model_config(config_path("paper.yaml")), 40);
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const TensorInfo& ti = g.tensors[t];
    ASSERT_GE(ti.producer, 0) << ti.name;
    if (ti.consumer >= 0) {
      EXPECT_LT(ti.producer, ti.consumer) << ti.name;
    }
  }
  EXPECT_EQ(g.nodes.front().op, OpKind::PairFeatures);
  EXPECT_EQ(g.nodes.back().op, OpKind::SoftmaxXent);
  EXPECT_EQ(g.tensors[g.t_probs].per_sample(), 2);
  EXPECT_EQ(g.tensors[g.t_logits].per_sample(), 2);
  // The flatten feeding cnn.fc1 is 8 x 1 x (L - 3).
  EXPECT_EQ(shape_of(g, "cnn.fc1.weight"), (std::vector<int64_t>{32, 8 * 37}));
}

TEST(CoreGraph, KernelThatDoesNotFitNamesTheLayer) {
  ModelConfig c = load_model_config(config_path("paper.yaml"));
  // L = 2: conv1 (2x2) gives 1 x 1, and conv2's 1x3 kernel no longer fits.
  try {
    build_gener_graph(c, 2);
    FAIL() << "expected an error for L = 2";
  } catch (const gener::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cnn.conv2"), std::string::npos) << msg;
  }
  // L = 1: already conv1 (2x2) does not fit.
  try {
    build_gener_graph(c, 1);
    FAIL() << "expected an error for L = 1";
  } catch (const gener::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cnn.conv1"), std::string::npos) << msg;
  }
  // The smallest length that fits: L = 4 (2x2 → width 3, 1x3 → width 1).
  EXPECT_NO_THROW(build_gener_graph(c, 4));
  EXPECT_THROW(build_gener_graph(c, 3), gener::Error);
}

}  // namespace
}  // namespace gener::core
