// optimizer.cu — element-wise parameter updates over one flat buffer: SGD (optional momentum) and Adam.
#include <cuda_runtime.h>

#include <cmath>

#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/cuda_launch.h"
#include "kernels/optimizer.h"

namespace gener::kernels {
namespace {

constexpr int kThreads = 256;

int blocks_for(long long n) { return grid_stride_blocks(n, kThreads, 65536LL * 8); }

// v = momentum * v + g; w -= lr * v   (v == nullptr: w -= lr * g)
__global__ void sgd_kernel(long long n, float lr, float momentum, float* __restrict__ w,
                           const float* __restrict__ g, float* __restrict__ v) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    if (v != nullptr) {
      const float vi = momentum * v[i] + g[i];
      v[i] = vi;
      w[i] -= lr * vi;
    } else {
      w[i] -= lr * g[i];
    }
  }
}

// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; w -= lr m̂ / (sqrt(v̂) + eps), m̂ = m / bc1, v̂ = v / bc2
__global__ void adam_kernel(long long n, float lr, float beta1, float beta2, float eps, float inv_bc1, float inv_bc2,
                            float* __restrict__ w, const float* __restrict__ g, float* __restrict__ m,
                            float* __restrict__ v) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= lr * (mi * inv_bc1) / (sqrtf(vi * inv_bc2) + eps);
  }
}

}  // namespace

void sgd_update_cuda(long long n, float lr, float momentum, float* w, const float* g, float* v, Stream stream) {
  GENER_CHECK(n >= 0, "sgd_update_cuda: negative size");
  GENER_CHECK(momentum == 0.0f || v != nullptr, "sgd_update_cuda: momentum needs a velocity buffer");
  if (n == 0) return;
  sgd_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, lr, momentum, w, g, momentum == 0.0f ? nullptr : v);
  CUDA_CHECK_LAUNCH();
}

void adam_update_cuda(long long n, float lr, float beta1, float beta2, float eps, long long t, float* w,
                      const float* g, float* m, float* v, Stream stream) {
  GENER_CHECK(n >= 0 && t >= 1, "adam_update_cuda: bad size or step (t is 1-based)");
  if (n == 0) return;
  // Inverse bias corrections once on the host, in double (as the CPU reference).
  const double t_d = static_cast<double>(t);
  const float inv_bc1 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta1), t_d)));
  const float inv_bc2 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta2), t_d)));
  adam_kernel<<<blocks_for(n), kThreads, 0, stream>>>(n, lr, beta1, beta2, eps, inv_bc1, inv_bc2, w, g, m, v);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
