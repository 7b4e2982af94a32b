// rng.h — the embeddings' random source: splitmix64 (one 64-bit state, platform-independent, cheap enough for
// the inner loops of walks and negative sampling), with unbiased integer draws and uniform floats.
#pragma once
#include <cstdint>

#include "engine/data/random.h"

namespace gener::embed {

class Rng {
 public:
  // Independent streams from one seed: Rng(seed, stream) for stream = thread, walk, round ...
  explicit Rng(uint64_t seed, uint64_t stream = 0) : s_(data::mix_seed(seed, stream)) {}

  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform integer in [0, n), n > 0: Lemire's multiply-shift with rejection (exactly uniform).
  uint32_t below(uint32_t n) {
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * n;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t t = (0u - n) % n;
      while (low < t) {
        m = static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }
  // Uniform in [0, 1): 24 random bits (float) or 53 (double).
  float uniform_f() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_;
};

}  // namespace gener::embed
