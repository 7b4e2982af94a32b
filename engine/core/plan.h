// plan.h — activation memory planned once from tensor lifetimes: one arena, an offset per tensor (and per gradient).
#pragma once
#include <cstddef>
#include <vector>

#include "engine/core/graph.h"

namespace gener::core {

enum class PlanMode { Inference, Training };

struct MemoryPlan {
  PlanMode mode = PlanMode::Inference;
  int max_batch = 0;
  std::vector<long long> value_offset;  // per tensor, in floats; -1 when unused
  std::vector<long long> grad_offset;   // per tensor gradient (training only); -1 when none
  long long arena_floats = 0;           // the whole arena
  long long naive_floats = 0;           // what one buffer per tensor would take (for reporting)
};

// Timeline: forward of node i at time i; in training, backward of node i at time 2N-1-i. The output of an
// act → batchnorm node is live from its input's producer on (fused conv epilogues write it there).
// In training, a batchnorm block's input lives until its producer's backward, and the input's gradient from the
// backward of the layer after the block (the CPU runs the block's backward halves inside those two).
// A tensor lives from the step that writes it to the last step that reads it; buffers whose
// lifetimes do not overlap share memory (greedy first fit, largest first).
MemoryPlan plan_memory(const Graph& g, int max_batch, PlanMode mode);

}  // namespace gener::core
