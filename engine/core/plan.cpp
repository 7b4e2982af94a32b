// plan.cpp — lifetime analysis and greedy first-fit offset assignment for the activation arena.
#include "engine/core/plan.h"

#include <algorithm>

#include "kernels/check.h"

namespace gener::core {
namespace {

struct Interval {
  long long size;
  int start, end;  // inclusive times
  long long* offset;
};

// Does the backward of this op read its input activations?
bool backward_reads_input(OpKind op) {
  switch (op) {
    case OpKind::Conv2d:
    case OpKind::Dense:
    case OpKind::ActBnDropout: return true;
    case OpKind::SoftmaxXent: return true;  // recomputes the probabilities from the logits
    case OpKind::PairFeatures:
    case OpKind::Concat: return false;
  }
  return false;
}

}  // namespace

MemoryPlan plan_memory(const Graph& g, int max_batch, PlanMode mode) {
  GENER_CHECK(max_batch >= 1, "plan: batch size must be >= 1, got " << max_batch);
  const int N = static_cast<int>(g.nodes.size());
  const bool train = mode == PlanMode::Training;
  auto fwd = [](int node) { return node; };
  auto bwd = [N](int node) { return 2 * N - 1 - node; };

  MemoryPlan plan;
  plan.mode = mode;
  plan.max_batch = max_batch;
  plan.value_offset.assign(g.tensors.size(), -1);
  plan.grad_offset.assign(g.tensors.size(), -1);

  std::vector<Interval> items;
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const TensorInfo& ti = g.tensors[t];
    long long size = ti.per_sample() * max_batch;
    int start = fwd(ti.producer), end = start;
    // An act → batchnorm output may be written by the preceding layer's fused epilogue (CPU inference),
    // so it must not share memory with that layer's input: it is born one step early.
    const Node& prod = g.nodes[ti.producer];
    if (prod.op == OpKind::ActBnDropout && !prod.in.empty() && g.tensors[prod.in[0]].producer >= 0)
      start = std::min(start, fwd(g.tensors[prod.in[0]].producer));
    if (ti.consumer >= 0) {
      end = std::max(end, fwd(ti.consumer));
      if (train && backward_reads_input(g.nodes[ti.consumer].op)) end = std::max(end, bwd(ti.consumer));
    }
    // Training on the CPU runs an act → batchnorm block's backward row by row inside its neighbours' backward:
    // the second half inside the producer's (which reads the block's input then), the first half inside the
    // consumer's of the block's output (which writes the block's input gradient then).
    const bool bn_input = train && ti.consumer >= 0 && g.nodes[ti.consumer].op == OpKind::ActBnDropout;
    int grad_start = ti.consumer >= 0 ? bwd(ti.consumer) : 0;
    if (bn_input) {
      end = std::max(end, bwd(ti.producer));
      const Node& bn = g.nodes[ti.consumer];
      const int after = bn.out.empty() ? -1 : g.tensors[bn.out[0]].consumer;
      if (after >= 0) grad_start = std::min(grad_start, bwd(after));
    }
    // Softmax's backward reads its own output (the probabilities); outputs are read back after the pass.
    if (static_cast<int>(t) == g.t_probs) end = train ? 2 * N : N;
    items.push_back({size, start, end, &plan.value_offset[t]});
    plan.naive_floats += size;
    if (train && ti.needs_grad && ti.consumer >= 0) {
      // The gradient is written by the consumer's backward and read by the producer's backward.
      items.push_back({size, grad_start, bwd(ti.producer), &plan.grad_offset[t]});
      plan.naive_floats += size;
    }
  }

  std::sort(items.begin(), items.end(), [](const Interval& a, const Interval& b) {
    return a.size != b.size ? a.size > b.size : a.start < b.start;
  });
  std::vector<const Interval*> placed;
  for (Interval& it : items) {
    // Collect the placed buffers that are alive at the same time, by offset.
    std::vector<std::pair<long long, long long>> busy;
    for (const Interval* p : placed)
      if (p->start <= it.end && it.start <= p->end) busy.push_back({*p->offset, *p->offset + p->size});
    std::sort(busy.begin(), busy.end());
    long long off = 0;
    for (const auto& b : busy) {
      if (off + it.size <= b.first) break;
      off = std::max(off, b.second);
    }
    off = (off + 15) / 16 * 16;  // 64-byte alignment
    // Re-check after alignment: bump past any overlap.
    bool moved = true;
    while (moved) {
      moved = false;
      for (const auto& b : busy)
        if (off < b.second && b.first < off + it.size) {
          off = (b.second + 15) / 16 * 16;
          moved = true;
        }
    }
    *it.offset = off;
    plan.arena_floats = std::max(plan.arena_floats, off + it.size);
    placed.push_back(&it);
  }
  return plan;
}

}  // namespace gener::core
