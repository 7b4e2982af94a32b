// fused_cnn_plan.cpp — the nodes the fused CNN-branch kernel replaces, and its shape (see fused_cnn_plan.h).
#include "engine/core/fused_cnn_plan.h"

#include "kernels/check.h"

namespace gener::core {

FusedCnnPlan plan_fused_cnn(const Graph& g) {
  std::vector<int> convs, denses;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (g.nodes[i].op == OpKind::Conv2d) convs.push_back(static_cast<int>(i));
    if (g.nodes[i].op == OpKind::Dense && g.nodes[i].name == "cnn.fc1") denses.push_back(static_cast<int>(i));
  }
  GENER_CHECK(convs.size() == 3 && denses.size() == 1, "--score-path fused: the CNN branch must be 3 convolutions "
                                                           "and a dense layer, got " << convs.size() << " convolutions");
  const Node &c1 = g.nodes[convs[0]], &c2 = g.nodes[convs[1]], &c3 = g.nodes[convs[2]], &fc = g.nodes[denses[0]];
  GENER_CHECK(c1.conv.c_in == 1 && c1.conv.h == 2 && c1.conv.kh == 2 && c2.conv.kh == 1 && c3.conv.kh == 1,
              "--score-path fused: conv1 must be 2 x k over [a; b] and conv2, conv3 1 x k");
  FusedCnnPlan p;
  p.shape = kernels::CnnBranchShape{g.L, c1.conv.c_out, c1.conv.kw, c2.conv.c_out, c2.conv.kw, c3.conv.c_out,
                                    c3.conv.kw, fc.dense_out};
  const char* why = kernels::cnn_branch_fused_unsupported(p.shape);
  GENER_CHECK(why[0] == '\0', "--score-path fused: " << why);
  p.layers = {convs[0], convs[1], convs[2], denses[0]};
  p.skip.assign(g.nodes.size(), 0);
  for (int i : p.layers) {
    const int bn = g.tensors[g.nodes[i].out[0]].consumer;
    GENER_CHECK(bn >= 0 && g.nodes[static_cast<size_t>(bn)].op == OpKind::ActBnDropout,
                "--score-path fused: layer " << g.nodes[i].name << " has no batchnorm block after it");
    p.skip[static_cast<size_t>(i)] = 1;
    p.skip[static_cast<size_t>(bn)] = 1;
  }
  p.act = g.nodes[static_cast<size_t>(g.tensors[c1.out[0]].consumer)].act;
  p.out = g.nodes[static_cast<size_t>(g.tensors[fc.out[0]].consumer)].out[0];
  return p;
}

}  // namespace gener::core
