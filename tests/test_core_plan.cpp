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

// Recomputes every buffer's lifetime from what each op reads and writes (forward of node i at time i; backward
// at 2N-1-i), independently of plan.cpp, then checks the offsets the plan gave.
void check_plan(const Graph& g, int batch, PlanMode mode) {
  SCOPED_TRACE(std::string(mode == PlanMode::Training ? "training" : "inference") + " plan, batch " +
               std::to_string(batch));
  const MemoryPlan plan = plan_memory(g, batch, mode);
  const bool train = mode == PlanMode::Training;
  const int N = static_cast<int>(g.nodes.size());
  const size_t T = g.tensors.size();
  ASSERT_EQ(plan.value_offset.size(), T);
  ASSERT_EQ(plan.grad_offset.size(), T);
  EXPECT_EQ(plan.max_batch, batch);

  std::vector<Buffer> val(T), grad(T);
  for (size_t t = 0; t < T; ++t) {
    val[t].what = "value of " + g.tensors[t].name;
    grad[t].what = "gradient of " + g.tensors[t].name;
    val[t].size = grad[t].size = g.tensors[t].per_sample() * batch;
    val[t].offset = plan.value_offset[t];
    grad[t].offset = plan.grad_offset[t];
  }
  for (int i = 0; i < N; ++i) {
    const Node& n = g.nodes[i];
    for (int t : n.in) val[t].touch(i);
    for (int t : n.out) val[t].touch(i);
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

  std::vector<const Buffer*> live;
  long long naive = 0;
  for (size_t t = 0; t < T; ++t) {
    ASSERT_GE(val[t].offset, 0) << val[t].what << " has no place in the arena";
    live.push_back(&val[t]);
    naive += val[t].size;
    if (grad[t].last >= 0) {
      ASSERT_GE(grad[t].offset, 0) << grad[t].what << " is used but has no place in the arena";
      live.push_back(&grad[t]);
      naive += grad[t].size;
    } else if (!train) {
      EXPECT_EQ(grad[t].offset, -1) << "inference plan places " << grad[t].what;
    }
  }
  for (const Buffer* b : live) {
    EXPECT_LE(b->offset + b->size, plan.arena_floats) << b->what << " runs past the arena";
    EXPECT_EQ(b->offset % 16, 0) << b->what << " is not 64-byte aligned";
  }
  int conflicts = 0;
  for (size_t i = 0; i < live.size(); ++i)
    for (size_t j = i + 1; j < live.size(); ++j) {
      const Buffer& a = *live[i];
      const Buffer& b = *live[j];
      const bool time_overlap = a.first <= b.last && b.first <= a.last;
      const bool mem_overlap = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (time_overlap && mem_overlap && ++conflicts <= 5)
        ADD_FAILURE() << a.what << " [t " << a.first << ".." << a.last << ", @" << a.offset << "+" << a.size
                      << "] shares memory with " << b.what << " [t " << b.first << ".." << b.last << ", @"
                      << b.offset << "+" << b.size << "]";
    }
  EXPECT_EQ(conflicts, 0);
  EXPECT_EQ(plan.naive_floats, naive);
  EXPECT_LT(plan.arena_floats, naive) << "planning saved nothing";
  // The arena holds at least the largest set of buffers alive at one time.
  long long peak = 0;
  for (int t = 0; t <= 2 * N; ++t) {
    long long sum = 0;
    for (const Buffer* b : live)
      if (b->first <= t && t <= b->last) sum += b->size;
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
  // Inference keeps at most a producer's inputs and outputs alive: well under half of all activations.
  EXPECT_LT(2 * inf.arena_floats, inf.naive_floats);
  // Scales linearly with the batch (up to alignment).
  MemoryPlan inf2 = plan_memory(g, 128, PlanMode::Inference);
  EXPECT_NEAR(static_cast<double>(inf2.arena_floats) / inf.arena_floats, 2.0, 0.01);
}

TEST(CorePlan, RejectsEmptyBatch) { EXPECT_ANY_THROW(plan_memory(build_gener_graph(tiny_config(true), 11), 0, PlanMode::Inference)); }

}  // namespace
}  // namespace gener::core
