// pair_features.cu — one pass over a batch of gene pairs: CNN input [a; b] (B, 1, 2, L) and MLP input a ⊙ b (B, L).
#include <cuda_runtime.h>

#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/pair_features.h"

namespace gener::kernels {
namespace {

// One block per pair, threads stride along L: reads of the two gene rows and all writes are coalesced.
__global__ void pair_features_kernel(const float* __restrict__ expr, int L, const int32_t* __restrict__ pairs,
                                     float* __restrict__ x_cnn, float* __restrict__ x_mlp) {
  const long long p = blockIdx.x;
  const long long ga = __ldg(pairs + 2 * p);
  const long long gb = __ldg(pairs + 2 * p + 1);
  const float* ra = expr + ga * L;  // (L)
  const float* rb = expr + gb * L;  // (L)
  float* cnn = x_cnn != nullptr ? x_cnn + p * 2 * L : nullptr;  // (2, L)
  float* mlp = x_mlp != nullptr ? x_mlp + p * L : nullptr;      // (L)
  for (int j = threadIdx.x; j < L; j += blockDim.x) {
    const float va = __ldg(ra + j);
    const float vb = __ldg(rb + j);
    if (cnn != nullptr) {
      cnn[j] = va;
      cnn[L + j] = vb;
    }
    if (mlp != nullptr) mlp[j] = va * vb;
  }
}

}  // namespace

void pair_features_cuda(const float* expr, int L, const int32_t* pairs, int B, float* x_cnn, float* x_mlp,
                        Stream stream) {
  GENER_CHECK(L > 0 && B >= 0, "pair_features_cuda: bad sizes L=" << L << " B=" << B);
  if (B == 0 || (x_cnn == nullptr && x_mlp == nullptr)) return;
  int threads = ((L + 31) / 32) * 32;  // a multiple of the warp, at most 256
  if (threads > 256) threads = 256;
  pair_features_kernel<<<B, threads, 0, stream>>>(expr, L, pairs, x_cnn, x_mlp);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
