// cnn_branch_fused.cu — the fused inference kernel of GENER's CNN branch (see cnn_branch_fused.h), fp32 SIMT.
// UNVERIFIED on a GPU: compiled on a machine without one; its block program (cnn_branch_fused_impl.h) is tested on
// the CPU by emulation (tests/test_kernels_fused_cnn.cpp).
//
// One block scores kTP pairs. It walks conv3's output width in chunks of kTW positions; per chunk it gathers the
// input columns the chunk needs, computes conv1 → conv2 → conv3 in shared memory (one thread per pair and
// position, all output channels in registers, weights read as broadcasts), stages the dense layer's weight columns
// of the chunk (coalesced, rows padded against bank conflicts) and accumulates the dense layer per (unit, conv3
// channel group) thread in registers; the channel groups' partial sums are reduced at the end.
#include <cuda_runtime.h>

#include "kernels/check.h"
#include "kernels/cnn_branch_fused.h"
#include "kernels/cnn_branch_fused_impl.h"
#include "kernels/cuda_check.h"

namespace gener::kernels {
namespace {

using namespace fused_cnn;

__global__ void __launch_bounds__(kThreads) cnn_branch_fused_kernel(Block b) {
  extern __shared__ float sm[];
  b.m = smem_layout(b.s);
  b.p0 = blockIdx.x * kTP;
  const int tid = threadIdx.x;
  load_weights(b, sm, tid);
  float acc[kTP];
#pragma unroll
  for (int p = 0; p < kTP; ++p) acc[p] = 0.f;
  const int W3 = b.s.w3();
  for (int j0 = 0; j0 < W3; j0 += kTW) {
    __syncthreads();  // the previous chunk's buffers are free
    gather(b, sm, j0, tid);
    __syncthreads();
    conv1(b, sm, tid);
    __syncthreads();
    conv2(b, sm, tid);
    __syncthreads();
    conv3(b, sm, tid);
    __syncthreads();
    dense_partial(b, sm, tid, acc);
  }
  store_partial(b, sm, tid, acc);
  __syncthreads();
  reduce_write(b, sm, tid);
}

}  // namespace

void cnn_branch_fused_cuda(const CnnBranchShape& s, Activation act, const float* expr, const int32_t* pairs, int B,
                           const CnnBranchWeights& w, float* y, Stream stream) {
  const char* why = cnn_branch_fused_unsupported(s);
  GENER_CHECK(why[0] == '\0', "cnn_branch_fused_cuda: " << why);
  GENER_CHECK(B >= 0, "cnn_branch_fused_cuda: batch " << B);
  if (B == 0) return;
  const size_t bytes = sizeof(float) * static_cast<size_t>(fused_cnn::smem_layout(s).total);
  CUDA_CHECK(cudaFuncSetAttribute(cnn_branch_fused_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  static_cast<int>(bytes)));
  const fused_cnn::Block b{s, {}, act == Activation::Relu, expr, pairs, B, 0, w, y};
  const int blocks = (B + fused_cnn::kTP - 1) / fused_cnn::kTP;
  cnn_branch_fused_kernel<<<blocks, fused_cnn::kThreads, bytes, stream>>>(b);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
