// test_core_plan.cpp — activation memory plan: buffers alive at the same time never share memory; arena < naive sum.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/graph.h"
#include "engine/core/plan.h"

namespace gener::core {
namespace {

struct Buffer {
  std::string what;
  long long offset = -1, size = 0;
  int first = 1 << 30, last = -1;  // access times
  void touch(int t) {
    first = std::min(first, t);
    last = std::max(last, t);
  }
};

// Every buffer of a plan with its lifetime, recomputed from what each op reads and writes (forward of node i at
// time i; backward at 2N-1-i), independently of plan.cpp.
std::vector<Buffer> buffers(const Graph& g, const MemoryPlan& plan) {
  const bool train = plan.mode == PlanMode::Training;
  const int N = static_cast<int>(g.nodes.size());
  const size_t T = g.tensors.size();
  std::vector<Buffer> val(T), grad(T);
  for (size_t t = 0; t < T; ++t) {
    val[t].what = "value of " + g.tensors[t].name;
    grad[t].what = "gradient of " + g.tensors[t].name;
    val[t].size = grad[t].size = g.tensors[t].per_sample() * plan.max_batch;
    val[t].offset = plan.value_offset[t];
    grad[t].offset = plan.grad_offset[t];
  }
  for (int i = 0; i < N; ++i) {
    const Node& n = g.nodes[i];
    for (int t : n.in) val[t].touch(i);
    for (int t : n.out) val[t].touch(i);
    // CPU inference folds a conv's act -> batchnorm into the conv's epilogue: the block's output is written
    // while the conv still reads its input.
    if (n.op == OpKind::ActBnDropout && g.nodes[g.tensors[n.in[0]].producer].op == OpKind::Conv2d)
      val[n.out[0]].touch(g.tensors[n.in[0]].producer);
  }
  val[g.t_probs].touch(train ? 2 * N : N);  // the probabilities are read back after the pass
  if (train) {
    for (int i = N - 1; i >= 0; --i) {
      const Node& n = g.nodes[i];
      const int tb = 2 * N - 1 - i;
      auto write_grad_in = [&](int t) {
        if (g.tensors[t].needs_grad) grad[t].touch(tb);
      };
      switch (n.op) {
        case OpKind::PairFeatures: break;
        case OpKind::Conv2d:
        case OpKind::Dense:
        case OpKind::ActBnDropout:
          val[n.in[0]].touch(tb);
          grad[n.out[0]].touch(tb);
          write_grad_in(n.in[0]);
          break;
        case OpKind::Concat:
          grad[n.out[0]].touch(tb);
          write_grad_in(n.in[0]);
          write_grad_in(n.in[1]);
          break;
        case OpKind::SoftmaxXent:
          val[n.in[0]].touch(tb);   // recomputes the probabilities from the logits
          val[n.out[0]].touch(tb);  // and writes them again
          write_grad_in(n.in[0]);
          break;
      }
    }
  }
  std::vector<Buffer> used;
  for (size_t t = 0; t < T; ++t) {
    used.push_back(val[t]);
    if (grad[t].last >= 0) used.push_back(grad[t]);
  }
  return used;
}

// Pairs of buffers alive at the same time whose memory overlaps, one line each.
std::vector<std::string> conflicts(const std::vector<Buffer>& bufs) {
  std::vector<std::string> out;
  for (size_t i = 0; i < bufs.size(); ++i)
    for (size_t j = i + 1; j < bufs.size(); ++j) {
      const Buffer& a = bufs[i];
      const Buffer& b = bufs[j];
      const bool time_overlap = a.first <= b.last && b.first <= a.last;
      const bool mem_overlap = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (time_overlap && mem_overlap)
        out.push_back(a.what + " [t " + std::to_string(a.first) + ".." + std::to_string(a.last) + ", @" +
                      std::to_string(a.offset) + "+" + std::to_string(a.size) + "] shares memory with " + b.what +
                      " [t " + std::to_string(b.first) + ".." + std::to_string(b.last) + ", @" +
                      std::to_string(b.offset) + "+" + std::to_string(b.size) + "]");
    }
  return out;
}

void check_plan(const Graph& g, int batch, PlanMode mode) {
  SCOPED_TRACE(std::string(mode == PlanMode::Training ? "training" : "inference") + " plan, batch " +
               std::to_string(batch));
  const MemoryPlan plan = plan_memory(g, batch, mode);
  ASSERT_EQ(plan.value_offset.size(), g.tensors.size());
  ASSERT_EQ(plan.grad_offset.size(), g.tensors.size());
  EXPECT_EQ(plan.max_batch, batch);
  EXPECT_EQ(plan.mode, mode);
  const std::vector<Buffer> bufs = buffers(g, plan);
  long long naive = 0;
  for (const Buffer& b : bufs) {
    ASSERT_GE(b.offset, 0) << b.what << " is used but has no place in the arena";
    EXPECT_LE(b.offset + b.size, plan.arena_floats) << b.what << " runs past the arena";
    EXPECT_EQ(b.offset % 16, 0) << b.what << " is not 64-byte aligned";
    naive += b.size;
  }
  if (mode == PlanMode::Inference) {
    for (long long off : plan.grad_offset) EXPECT_EQ(off, -1) << "inference plan places a gradient";
  }
  const std::vector<std::string> bad = conflicts(bufs);
  for (size_t i = 0; i < bad.size() && i < 5; ++i) ADD_FAILURE() << bad[i];
  EXPECT_EQ(bad.size(), 0u);
  EXPECT_EQ(plan.naive_floats, naive);
  EXPECT_LT(plan.arena_floats, naive) << "planning saved nothing";
  // The arena holds at least the largest set of buffers alive at one time.
  long long peak = 0;
  for (int t = 0; t <= 2 * static_cast<int>(g.nodes.size()); ++t) {
    long long sum = 0;
    for (const Buffer& b : bufs)
      if (b.first <= t && t <= b.last) sum += b.size;
    peak = std::max(peak, sum);
  }
  EXPECT_GE(plan.arena_floats, peak);
}

ModelConfig tiny_config(bool mlp) {
  ModelConfig c;
  c.cnn_conv = {{3, 2, 2}, {2, 1, 3}};
  c.cnn_dense = {5};
  c.use_mlp = mlp;
  if (mlp) c.mlp_dense = {4, 6};
  return c;
}

TEST(CorePlan, PaperModelPlansAreSafe) {
  Graph g = build_gener_graph(load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml"), 536);
  for (int batch : {1, 7, 64})
    for (PlanMode mode : {PlanMode::Inference, PlanMode::Training}) check_plan(g, batch, mode);
}

TEST(CorePlan, CnnOnlyAndTinyPlansAreSafe) {
  Graph g = build_gener_graph(load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/cnn_only.yaml"), 30);
  Graph t1 = build_gener_graph(tiny_config(true), 11);
  Graph t2 = build_gener_graph(tiny_config(false), 11);
  for (int batch : {1, 7, 1000})
    for (PlanMode mode : {PlanMode::Inference, PlanMode::Training}) {
      check_plan(g, batch, mode);
      check_plan(t1, batch, mode);
      check_plan(t2, batch, mode);
    }
}

TEST(CorePlan, InferenceArenaIsMuchSmallerThanTraining) {
  Graph g = build_gener_graph(load_model_config(std::string(GENER_SOURCE_DIR) + "/configs/model/paper.yaml"), 536);
  MemoryPlan inf = plan_memory(g, 64, PlanMode::Inference);
  MemoryPlan tr = plan_memory(g, 64, PlanMode::Training);
  EXPECT_LT(inf.arena_floats, tr.arena_floats);
  // Inference keeps only a few neighbouring activations alive: well under all of them together.
  EXPECT_LT(10 * inf.arena_floats, 7 * inf.naive_floats);
  // Scales linearly with the batch (up to alignment).
  MemoryPlan inf2 = plan_memory(g, 128, PlanMode::Inference);
  EXPECT_NEAR(static_cast<double>(inf2.arena_floats) / inf.arena_floats, 2.0, 0.01);
}

// Negative control: the checker above does catch a plan that lets live buffers share memory.
TEST(CorePlan, CheckerFlagsAnUnsafePlan) {
  Graph g = build_gener_graph(tiny_config(true), 11);
  MemoryPlan plan = plan_memory(g, 7, PlanMode::Training);
  EXPECT_TRUE(conflicts(buffers(g, plan)).empty());
  // The head's input must survive until the head's backward, which reads the logits' gradient: overlay them.
  const int head = g.tensors[g.t_logits].producer;
  const int head_in = g.nodes[head].in[0];
  plan.grad_offset[g.t_logits] = plan.value_offset[head_in];
  EXPECT_FALSE(conflicts(buffers(g, plan)).empty());
  // Inference: the MLP input lives from the pair features until mlp.fc1, across the whole conv stack.
  MemoryPlan inf = plan_memory(g, 7, PlanMode::Inference);
  EXPECT_TRUE(conflicts(buffers(g, inf)).empty());
  const int x_mlp = g.nodes[0].out[1];
  const int conv1_out = g.nodes[1].out[0];
  ASSERT_EQ(g.tensors[conv1_out].name, "cnn.conv1");
  inf.value_offset[conv1_out] = inf.value_offset[x_mlp];
  EXPECT_FALSE(conflicts(buffers(g, inf)).empty());
  // The fused conv1 epilogue writes cnn.bn1.out while conv1 reads x_cnn: they must not share memory.
  MemoryPlan fused = plan_memory(g, 7, PlanMode::Inference);
  const int bn1_out = g.nodes[2].out[0];
  ASSERT_EQ(g.tensors[bn1_out].name, "cnn.bn1.out");
  fused.value_offset[bn1_out] = fused.value_offset[g.nodes[0].out[0]];
  EXPECT_FALSE(conflicts(buffers(g, fused)).empty());
}

TEST(CorePlan, RejectsEmptyBatch) {
  EXPECT_ANY_THROW(plan_memory(build_gener_graph(tiny_config(true), 11), 0, PlanMode::Inference));
}

}  // namespace
}  // namespace gener::core
