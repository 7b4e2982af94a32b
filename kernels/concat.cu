// concat.cu — concatenation of two (B, n) feature blocks along features, and its backward split.
#include <cuda_runtime.h>

#include "kernels/check.h"
#include "kernels/concat.h"
#include "kernels/cuda_check.h"
#include "kernels/cuda_launch.h"

namespace gener::kernels {
namespace {

constexpr int kThreads = 256;

int blocks_for(long long n) { return grid_stride_blocks(n, kThreads, 65536LL * 16); }

// y (B, n1 + n2) from x1 (B, n1), x2 (B, n2); indexed by the output so writes are coalesced.
__global__ void concat2_kernel(long long total, int n1, int n2, const float* __restrict__ x1,
                               const float* __restrict__ x2, float* __restrict__ y) {
  const int n = n1 + n2;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long row = i / n;
    const int col = static_cast<int>(i - row * n);
    y[i] = col < n1 ? x1[row * n1 + col] : x2[row * n2 + (col - n1)];
  }
}

// dx1 (B, n1), dx2 (B, n2) from dy (B, n1 + n2); either output may be null.
__global__ void split2_kernel(long long total, int n1, int n2, const float* __restrict__ dy,
                              float* __restrict__ dx1, float* __restrict__ dx2) {
  const int n = n1 + n2;
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    const long long row = i / n;
    const int col = static_cast<int>(i - row * n);
    if (col < n1) {
      if (dx1 != nullptr) dx1[row * n1 + col] = dy[i];
    } else if (dx2 != nullptr) {
      dx2[row * n2 + (col - n1)] = dy[i];
    }
  }
}

}  // namespace

void concat2_cuda(int B, int n1, int n2, const float* x1, const float* x2, float* y, Stream stream) {
  GENER_CHECK(B >= 0 && n1 >= 0 && n2 >= 0, "concat2_cuda: bad sizes");
  const long long total = static_cast<long long>(B) * (n1 + n2);
  if (total == 0) return;
  concat2_kernel<<<blocks_for(total), kThreads, 0, stream>>>(total, n1, n2, x1, x2, y);
  CUDA_CHECK_LAUNCH();
}

void split2_cuda(int B, int n1, int n2, const float* dy, float* dx1, float* dx2, Stream stream) {
  GENER_CHECK(B >= 0 && n1 >= 0 && n2 >= 0, "split2_cuda: bad sizes");
  const long long total = static_cast<long long>(B) * (n1 + n2);
  if (total == 0 || (dx1 == nullptr && dx2 == nullptr)) return;
  split2_kernel<<<blocks_for(total), kThreads, 0, stream>>>(total, n1, n2, dy, dx1, dx2);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
