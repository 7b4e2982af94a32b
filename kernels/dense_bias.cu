// dense_bias.cu — bias broadcast into a (B, out) output and the bias gradient (column sums of dy).
#include <cuda_runtime.h>

#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/dense_cublas.h"

namespace gener::kernels {
namespace {

constexpr int kThreads = 256;
constexpr int kTileCols = 32;  // bias-gradient block: 32 columns x 8 row lanes
constexpr int kRowLanes = 8;

__global__ void bias_broadcast_kernel(long long total, int out, const float* __restrict__ b, float* __restrict__ y) {
  for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x) {
    y[i] = b[i % out];
  }
}

// Block (32, 8) owns 32 columns: each thread sums every 8th row of its column (coalesced across threadIdx.x),
// then the 8 partial sums of a column are added in a fixed order.
__global__ void bias_grad_kernel(int B, int out, const float* __restrict__ dy, float* __restrict__ db) {
  __shared__ float part[kRowLanes][kTileCols];
  const int col = blockIdx.x * kTileCols + threadIdx.x;
  float acc = 0.0f;
  if (col < out) {
    for (long long r = threadIdx.y; r < B; r += kRowLanes) acc += dy[r * out + col];
  }
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && col < out) {
    float s = 0.0f;
    for (int k = 0; k < kRowLanes; ++k) s += part[k][threadIdx.x];
    db[col] = s;
  }
}

}  // namespace

void bias_broadcast_rows_cuda(int B, int out, const float* b, float* y, Stream stream) {
  GENER_CHECK(B >= 0 && out > 0, "bias_broadcast_rows_cuda: bad sizes");
  const long long total = static_cast<long long>(B) * out;
  if (total == 0) return;
  long long blocks = (total + kThreads - 1) / kThreads;
  if (blocks > 65536 * 8) blocks = 65536 * 8;
  bias_broadcast_kernel<<<static_cast<int>(blocks), kThreads, 0, stream>>>(total, out, b, y);
  CUDA_CHECK_LAUNCH();
}

void bias_grad_rows_cuda(int B, int out, const float* dy, float* db, Stream stream) {
  GENER_CHECK(B >= 0 && out > 0, "bias_grad_rows_cuda: bad sizes");
  const int blocks = (out + kTileCols - 1) / kTileCols;
  bias_grad_kernel<<<blocks, dim3(kTileCols, kRowLanes), 0, stream>>>(B, out, dy, db);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
