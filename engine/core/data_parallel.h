// data_parallel.h — data-parallel training over the ranks of a job: each rank takes its rows of every global
// batch, the one gradient buffer is summed over ranks by one all-reduce, and every rank applies the same update.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/core/network.h"
#include "engine/parallel/comm.h"
#include "engine/parallel/ranges.h"

namespace gener::core {

class DataParallel {
 public:
  // `device_comm` (NCCL) sums gradient buffers that live on a GPU; without one they go through `comm`.
  explicit DataParallel(parallel::Comm& comm, parallel::Comm* device_comm = nullptr)
      : comm_(comm), device_comm_(device_comm) {}

  parallel::Comm& comm() const { return comm_; }
  // This rank's rows [begin, end) of a global batch of B rows: contiguous, in rank order, possibly empty.
  parallel::Range share(int B) const { return parallel::split_range({0, B}, comm_.size(), comm_.rank()); }

  // Forward + backward on this rank's rows (pairs (rows, 2), labels (rows), rows = share(B).size()) of a global
  // batch of B rows, then the gradient all-reduce: afterwards every rank holds the global batch's mean gradient.
  // Returns this rank's mean loss over its rows (0 without rows).
  float forward_backward(Network& net, const int32_t* pairs, const int32_t* labels, int B, uint64_t step);

  // Batchnorm running statistics averaged over ranks (each rank updated its own from its rows), so every rank
  // validates and saves the same state. Nothing happens on one rank.
  void average_state(Network& net);

  // In-place sum of host doubles over ranks.
  void sum(double* v, size_t n) { comm_.allreduce_sum(v, n); }

  // Bytes summed by the gradient all-reduce of one step (n_params floats).
  static size_t gradient_bytes(const Network& net) { return net.graph().n_params * sizeof(float); }

 private:
  parallel::Comm& comm_;
  parallel::Comm* device_comm_;
};

}  // namespace gener::core
