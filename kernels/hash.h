// hash.h — counter-based hash of (seed, step, index), identical on host and device; dropout masks come from it.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define GENER_HD __host__ __device__ __forceinline__
#else
#define GENER_HD inline
#endif

namespace gener::kernels {

// 32-bit avalanche mix (xorshift-multiply finaliser, constants from the splitmix/murmur family).
GENER_HD uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// The part of hash3 that depends only on (seed, step): hoisted out of loops over the index.
GENER_HD uint32_t hash3_prefix(uint64_t seed, uint64_t step) {
  uint32_t h = mix32(static_cast<uint32_t>(seed) ^ 0x9e3779b9U);
  h = mix32(h ^ static_cast<uint32_t>(seed >> 32));
  h = mix32(h ^ static_cast<uint32_t>(step) * 0x85ebca6bU);
  return mix32(h ^ static_cast<uint32_t>(step >> 32));
}

// Finish hash3 from its prefix and the index.
GENER_HD uint32_t hash3_finish(uint32_t prefix, uint64_t index) {
  uint32_t h = mix32(prefix ^ static_cast<uint32_t>(index) * 0xc2b2ae35U);
  return mix32(h ^ static_cast<uint32_t>(index >> 32));
}

// Hash of a (seed, step, index) counter triple. Pure function: no state, any order of evaluation.
GENER_HD uint32_t hash3(uint64_t seed, uint64_t step, uint64_t index) {
  return hash3_finish(hash3_prefix(seed, step), index);
}

// Uniform float in [0, 1) from the top 24 bits of the hash.
GENER_HD float hash_uniform(uint64_t seed, uint64_t step, uint64_t index) {
  return static_cast<float>(hash3(seed, step, index) >> 8) * (1.0f / 16777216.0f);
}

// dropout_keep's test `(h >> 8) * 2^-24 >= rate` done exactly in integers: keep iff (h >> 8) >= this threshold
// (rate * 2^24 is exact in float, so the ceiling is the exact bound).
inline int32_t dropout_threshold(float rate) { return static_cast<int32_t>(std::ceil(rate * 16777216.0f)); }

// All-ones when the element at index (hi << 32) + lo0 + k is kept, else zero: hash3_finish and the threshold test
// as a branch-free mask, for vectorized CPU loops over a run of indices that share the high word `hi`.
GENER_HD uint32_t dropout_keep_mask(uint32_t prefix, uint32_t hi, uint32_t lo0, int k, int32_t threshold) {
  uint32_t h = mix32(prefix ^ (lo0 + static_cast<uint32_t>(k)) * 0xc2b2ae35U);
  h = mix32(h ^ hi);
  return 0u - static_cast<uint32_t>(static_cast<int32_t>(h >> 8) >= threshold);
}

// Inverted dropout: element `index` is kept when its uniform draw is >= rate.
GENER_HD bool dropout_keep(uint64_t seed, uint64_t step, uint64_t index, float rate) {
  return hash_uniform(seed, step, index) >= rate;
}

}  // namespace gener::kernels
