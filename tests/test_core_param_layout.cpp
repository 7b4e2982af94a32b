// test_core_param_layout.cpp — parameter offsets on 16-byte boundaries with zeroed gaps, and last.safetensors'
// optimizer moments stored packed by tensor order (no gaps), so files from before the alignment still resume.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "engine/core/checkpoint.h"
#include "engine/core/config.h"
#include "engine/core/network.h"
#include "engine/io/safetensors.h"

namespace gener::core {
namespace {

Graph paper() {
  return build_gener_graph(load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml"), 536);
}

TEST(CoreParamLayout, OffsetsAlignedAndGapsZero) {
  ModelConfig c;  // odd sizes: conv 3 filters (bias 3 floats), dense 5, MLP 7
  c.cnn_conv = {{3, 2, 2}};
  c.cnn_dense = {5};
  c.use_mlp = true;
  c.mlp_dense = {7};
  const Graph g = build_gener_graph(c, 11);
  bool any_gap = false;
  for (const ParamInfo& p : g.params) EXPECT_EQ(p.offset % kParamAlignFloats, 0u) << p.name;
  std::vector<char> covered(g.n_params, 0);
  for (const ParamInfo& p : g.params)
    for (size_t i = 0; i < p.size(); ++i) covered[p.offset + i] = 1;
  const std::vector<float> init = init_params(g, 3);
  for (size_t i = 0; i < g.n_params; ++i)
    if (!covered[i]) {
      any_gap = true;
      EXPECT_EQ(init[i], 0.f) << "gap float " << i;
    }
  EXPECT_TRUE(any_gap) << "a 3-float bias must leave an alignment gap; none found";
}

TEST(CoreParamLayout, OptimizerMomentsArePackedByTensor) {
  const Graph g = paper();
  Checkpoint ck;
  ck.model = g.config;
  ck.L = g.L;
  ck.params = init_params(g, 1);
  ck.state = init_state(g);
  ck.opt_state.assign(2 * g.n_params, 0.f);
  for (const ParamInfo& p : g.params)  // moment value = a code of (tensor, element), zero in the gaps
    for (size_t i = 0; i < p.size(); ++i) {
      ck.opt_state[p.offset + i] = static_cast<float>(p.offset + i) + 0.25f;
      ck.opt_state[g.n_params + p.offset + i] = -static_cast<float>(p.offset + i);
    }
  ck.info = {{"epoch", "1"}};
  const std::string path = ::testing::TempDir() + "/packed_opt.safetensors";
  save_checkpoint(path, g, ck);
  const io::SafeTensors st = io::read_safetensors(path);
  const auto& m = st.tensors.at("optimizer.m");
  ASSERT_EQ(m.shape, (std::vector<int64_t>{static_cast<int64_t>(g.n_trainable)}));
  size_t at = 0;
  for (const ParamInfo& p : g.params) {
    EXPECT_EQ(m.data[at], static_cast<float>(p.offset) + 0.25f) << p.name << " starts at packed index " << at;
    at += p.size();
  }
  EXPECT_EQ(st.metadata.at("n_params"), "223706");
  const Checkpoint back = load_checkpoint(path);
  EXPECT_EQ(back.opt_state, ck.opt_state);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace gener::core
