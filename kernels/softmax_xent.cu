// softmax_xent.cu — row-wise softmax, cross-entropy loss and its gradient; one thread per row (C is small).
#include <cuda_runtime.h>

#include <cfloat>

#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/softmax_xent.h"

namespace gener::kernels {
namespace {

constexpr int kThreads = 128;

// logits (B, C) → probs (B, C), losses (B), dlogits (B, C) = (p - onehot) * grad_scale; outputs may be null.
__global__ void softmax_xent_kernel(int B, int C, const float* __restrict__ logits,
                                    const int32_t* __restrict__ labels, float grad_scale, float* __restrict__ probs,
                                    float* __restrict__ losses, float* __restrict__ dlogits) {
  for (long long r = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; r < B;
       r += static_cast<long long>(gridDim.x) * blockDim.x) {
    const float* l = logits + r * C;
    float mx = l[0];
    for (int c = 1; c < C; ++c) mx = fmaxf(mx, l[c]);
    float sum = 0.0f;
    for (int c = 0; c < C; ++c) sum += expf(l[c] - mx);
    const float inv = 1.0f / sum;
    const int label = labels != nullptr ? labels[r] : -1;
    for (int c = 0; c < C; ++c) {
      const float p = expf(l[c] - mx) * inv;
      if (probs != nullptr) probs[r * C + c] = p;
      if (dlogits != nullptr) dlogits[r * C + c] = (p - (c == label ? 1.0f : 0.0f)) * grad_scale;
    }
    // -log p[label], p clamped at FLT_MIN exactly as the CPU reference does.
    if (losses != nullptr) losses[r] = -logf(fmaxf(expf(l[label] - mx) * inv, FLT_MIN));
  }
}

}  // namespace

void softmax_xent_cuda(int B, int C, const float* logits, const int32_t* labels, float grad_scale, float* probs,
                       float* losses, float* dlogits, Stream stream) {
  GENER_CHECK(B >= 0 && C > 0, "softmax_xent_cuda: bad sizes B=" << B << " C=" << C);
  GENER_CHECK(labels != nullptr || (losses == nullptr && dlogits == nullptr),
              "softmax_xent_cuda: losses and dlogits need labels");
  if (B == 0) return;
  long long blocks = (static_cast<long long>(B) + kThreads - 1) / kThreads;
  if (blocks > 65536) blocks = 65536;
  softmax_xent_kernel<<<static_cast<int>(blocks), kThreads, 0, stream>>>(B, C, logits, labels, grad_scale, probs,
                                                                        losses, dlogits);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
