// test_core_fused_plan.cpp — the nodes the fused CNN-branch kernel replaces (engine/core/fused_cnn_plan.h): the
// paper's model and the CNN-only ablation fit, with the right shape and output tensor; other shapes are refused by
// name.
#include <gtest/gtest.h>

#include <string>

#include "engine/core/config.h"
#include "engine/core/fused_cnn_plan.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

ModelConfig config(const std::string& name) {
  return load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/" + name);
}

TEST(CoreFusedPlan, PaperModelFits) {
  for (const char* name : {"paper.yaml", "cnn_only.yaml"}) {
    SCOPED_TRACE(name);
    const Graph g = build_gener_graph(config(name), 536);
    const FusedCnnPlan p = plan_fused_cnn(g);
    EXPECT_EQ(p.shape.L, 536);
    EXPECT_EQ(p.shape.c1, 16);
    EXPECT_EQ(p.shape.k1, 2);
    EXPECT_EQ(p.shape.k2, 3);
    EXPECT_EQ(p.shape.c3, 8);
    EXPECT_EQ(p.shape.f, 32);
    EXPECT_EQ(p.shape.w3(), 533);
    EXPECT_EQ(g.tensors[p.out].name, "cnn.bn_fc1.out");
    int skipped = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const bool cnn = g.nodes[i].name.rfind("cnn.", 0) == 0;
      EXPECT_EQ(p.skip[i] != 0, cnn) << g.nodes[i].name;  // exactly the CNN branch's 8 nodes
      skipped += p.skip[i];
    }
    EXPECT_EQ(skipped, 8);
  }
}

TEST(CoreFusedPlan, OtherShapesAreRefusedByName) {
  ModelConfig c = config("paper.yaml");
  c.cnn_conv[0].filters = 8;
  test::expect_error([&] { plan_fused_cnn(build_gener_graph(c, 536)); }, {"--score-path fused", "channels"});
  c = config("paper.yaml");
  c.cnn_conv.pop_back();
  test::expect_error([&] { plan_fused_cnn(build_gener_graph(c, 536)); }, {"--score-path fused", "3 convolutions"});
}

}  // namespace
}  // namespace gener::core
