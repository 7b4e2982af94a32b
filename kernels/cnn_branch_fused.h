// cnn_branch_fused.h — GENER's CNN branch for inference in one CUDA kernel: per tile of pairs, the pair gather,
// conv1 (2 x K1 over [a; b]), conv2 (1 x K2), conv3 (1 x K3), each with its activation, and the first dense layer
// with its activation, all in shared memory; batchnorm must already be folded into the weights (fold_bn.h), so
// each block is layer → act. The reference is the composition of the layer ops (conv2d.h, dense.h).
// UNVERIFIED on a GPU: compiled without one. Its block program is tested on the CPU by emulation
// (tests/test_kernels_fused_cnn.cpp); CudaFused.* in tests/test_cuda_network.cpp compare the kernel with the CPU.
#pragma once
#include <cstdint>

#include "kernels/batchnorm.h"
#include "kernels/stream.h"

#if defined(__CUDACC__)
#define GENER_HOST_DEVICE __host__ __device__
#else
#define GENER_HOST_DEVICE
#endif

namespace gener::kernels {

struct CnnBranchShape {
  int L = 0;                   // expression vector length
  int c1 = 0, k1 = 0;          // conv1: (c1, 1, 2, k1) on (1, 2, L) → (c1, 1, L - k1 + 1)
  int c2 = 0, k2 = 0;          // conv2: (c2, c1, 1, k2)
  int c3 = 0, k3 = 0;          // conv3: (c3, c2, 1, k3) → (c3, 1, W3)
  int f = 0;                   // dense: (f, c3 * W3)
  GENER_HOST_DEVICE int w1() const { return L - k1 + 1; }
  GENER_HOST_DEVICE int w2() const { return w1() - k2 + 1; }
  GENER_HOST_DEVICE int w3() const { return w2() - k3 + 1; }
};

// Why `s` cannot run fused (empty when it can): the kernel is built for the paper's channel counts (16, 16, 8) and
// a dense layer of at most 64 units; kernel widths and L are free (K ≤ 8).
const char* cnn_branch_fused_unsupported(const CnnBranchShape& s);

struct CnnBranchWeights {
  const float *w1, *b1, *w2, *b2, *w3, *b3, *wf, *bf;  // PyTorch layouts, batchnorm folded in
};

// y (B, f) = act(dense(act(conv3(act(conv2(act(conv1([expr[a]; expr[b]])))))))) for pairs (B, 2) of rows of
// expr (G, L). Pair indices are trusted (checked by the caller).
// The CPU emulation runs the kernel's block program thread by thread (slow; for tests of its tiling and indexing).
void cnn_branch_fused_emulated_cpu(const CnnBranchShape& s, Activation act, const float* expr, const int32_t* pairs,
                                   int B, const CnnBranchWeights& w, float* y);
void cnn_branch_fused_cuda(const CnnBranchShape& s, Activation act, const float* expr, const int32_t* pairs, int B,
                           const CnnBranchWeights& w, float* y, Stream stream);

}  // namespace gener::kernels
