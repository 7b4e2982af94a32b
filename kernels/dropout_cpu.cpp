// dropout_cpu.cpp — CPU inverted dropout with counter-hash masks (kernels/hash.h), vectorized and branch-free.
#include <cmath>
#include <cstring>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/cpu_util.h"
#include "kernels/hash.h"

namespace gener::kernels {
namespace {

void check_rate(float rate) {
  GENER_CHECK(rate >= 0.0f && rate < 1.0f, "dropout rate must be in [0, 1), got " << rate);
}

// y[k] = keep(index lo0 + k) ? x[k] * scale : +0 for k < n, all indices sharing the high word `hi`.
// keep is dropout_keep's test `(h >> 8) * 2^-24 >= rate`, done exactly in integers as (h >> 8) >= threshold,
// and applied as a bit mask so the loop has no branch and vectorizes.
GENER_CPU_CLONES void dropout_run(uint32_t prefix, uint32_t hi, uint32_t lo0, int n, int32_t threshold,
                                  float scale, const float* x, float* y) {
  for (int k = 0; k < n; ++k) {
    const uint32_t keep = dropout_keep_mask(prefix, hi, lo0, k, threshold);
    const float v = x[k] * scale;
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    bits &= keep;
    std::memcpy(y + k, &bits, sizeof bits);
  }
}

}  // namespace

void dropout_forward_cpu(long long n, float rate, uint64_t seed, uint64_t step, const float* x, float* y,
                         uint64_t index0) {
  check_rate(rate);
  if (rate == 0.0f) {
    if (x != y) std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  const float scale = 1.0f / (1.0f - rate);
  const uint32_t prefix = hash3_prefix(seed, step);
  const int32_t threshold = dropout_threshold(rate);
  const long long chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (long long ch = 0; ch < chunks; ++ch) {
    const long long begin = ch * kChunk;
    const int len = static_cast<int>(std::min(kChunk, n - begin));
    // A run shares the high word of its indices: split it where index0 + begin + k crosses a multiple of 2^32.
    const uint64_t first = index0 + static_cast<uint64_t>(begin);
    const uint64_t to_wrap = (uint64_t{1} << 32) - (first & 0xffffffffULL);
    const int head = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(len), to_wrap));
    dropout_run(prefix, static_cast<uint32_t>(first >> 32), static_cast<uint32_t>(first), head, threshold, scale,
                x + begin, y + begin);
    if (head < len)
      dropout_run(prefix, static_cast<uint32_t>((first + head) >> 32), 0u, len - head, threshold, scale,
                  x + begin + head, y + begin + head);
  }
}

void dropout_backward_cpu(long long n, float rate, uint64_t seed, uint64_t step, const float* dy, float* dx,
                          uint64_t index0) {
  // The inverted-dropout map is diagonal, so its backward is the same masked scaling.
  dropout_forward_cpu(n, rate, seed, step, dy, dx, index0);
}

}  // namespace gener::kernels
