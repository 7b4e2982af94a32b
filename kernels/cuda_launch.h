// cuda_launch.h — launch-shape helper shared by the element-wise CUDA kernels (grid-stride loops).
#pragma once

namespace gener::kernels {

// Blocks of `threads` covering n elements, capped at `max_blocks`: the kernels loop grid-stride over the rest.
inline int grid_stride_blocks(long long n, int threads, long long max_blocks) {
  const long long b = (n + threads - 1) / threads;
  return static_cast<int>(b < max_blocks ? b : max_blocks);
}

}  // namespace gener::kernels
