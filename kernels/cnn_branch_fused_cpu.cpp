// cnn_branch_fused_cpu.cpp — the fused CNN-branch kernel's applicability check and its CPU emulation: the same
// block program (cnn_branch_fused_impl.h), each phase run for every thread of the block before the next phase, as
// __syncthreads orders them on the GPU. For tests of the kernel's tiling and indexing; not a fast path.
#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cnn_branch_fused.h"
#include "kernels/cnn_branch_fused_impl.h"

namespace gener::kernels {

using namespace fused_cnn;

const char* cnn_branch_fused_unsupported(const CnnBranchShape& s) {
  if (s.c1 != kC1 || s.c2 != kC2 || s.c3 != kC3) return "conv channels must be 16, 16, 8 (the paper's)";
  if (s.k1 < 1 || s.k2 < 1 || s.k3 < 1 || s.k1 > kMaxK || s.k2 > kMaxK || s.k3 > kMaxK)
    return "conv kernel widths must be 1..8";
  if (s.f < 1 || s.f > kMaxF || kThreads % s.f != 0) return "the dense layer must have 1..64 units dividing 256";
  if (s.w3() < 1) return "the expression vector is too short for the convolutions";
  return "";
}

void cnn_branch_fused_emulated_cpu(const CnnBranchShape& s, Activation act, const float* expr, const int32_t* pairs,
                                   int B, const CnnBranchWeights& w, float* y) {
  const char* why = cnn_branch_fused_unsupported(s);
  GENER_CHECK(why[0] == '\0', "cnn_branch_fused_emulated_cpu: " << why);
  Block b{s, smem_layout(s), act == Activation::Relu, expr, pairs, B, 0, w, y};
  // Shared memory starts as NaN: a phase reading what no phase wrote poisons the result.
  std::vector<float> sm(static_cast<size_t>(b.m.total));
  std::vector<float> acc(static_cast<size_t>(kThreads) * kTP);
  for (int p0 = 0; p0 < B; p0 += kTP) {
    b.p0 = p0;
    std::fill(sm.begin(), sm.end(), std::numeric_limits<float>::quiet_NaN());
    std::fill(acc.begin(), acc.end(), 0.f);
    for (int t = 0; t < kThreads; ++t) load_weights(b, sm.data(), t);
    for (int j0 = 0; j0 < s.w3(); j0 += kTW) {
      for (int t = 0; t < kThreads; ++t) gather(b, sm.data(), j0, t);
      for (int t = 0; t < kThreads; ++t) conv1(b, sm.data(), t);
      for (int t = 0; t < kThreads; ++t) conv2(b, sm.data(), t);
      for (int t = 0; t < kThreads; ++t) conv3(b, sm.data(), t);
      for (int t = 0; t < kThreads; ++t) dense_partial(b, sm.data(), t, acc.data() + static_cast<size_t>(t) * kTP);
    }
    for (int t = 0; t < kThreads; ++t) store_partial(b, sm.data(), t, acc.data() + static_cast<size_t>(t) * kTP);
    for (int t = 0; t < kThreads; ++t) reduce_write(b, sm.data(), t);
  }
}

}  // namespace gener::kernels
