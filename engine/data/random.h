// random.h — platform-independent random draws over std::mt19937_64 (whose output the C++ standard fixes):
// uniform integers, uniform doubles, Box–Muller normals and a Fisher–Yates shuffle, so data are bit-identical
// across standard libraries (std::*_distribution are implementation-defined).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>

namespace gener::data {

// splitmix64 finaliser: derive independent sub-seeds from one seed (seed, stream id).
inline uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform integer in [0, n), n > 0, without modulo bias (rejection of the short last block).
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  uint64_t limit = (~uint64_t{0}) - ((~uint64_t{0}) % n + 1) % n;  // largest multiple of n, minus 1
  for (;;) {
    uint64_t x = rng();
    if (x <= limit) return x % n;
  }
}

// Uniform double in [0, 1) with 53 random bits.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Standard normal by Box–Muller; draws come in pairs, the second is kept for the next call.
class NormalSource {
 public:
  double operator()(std::mt19937_64& rng) {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    double u2 = uniform01(rng);
    double r = std::sqrt(-2.0 * std::log(u1));
    double t = 6.283185307179586476925 * u2;
    spare_ = r * std::sin(t);
    has_spare_ = true;
    return r * std::cos(t);
  }

 private:
  bool has_spare_ = false;
  double spare_ = 0;
};

// In-place Fisher–Yates shuffle of [first, first + n).
template <typename T>
void shuffle_n(T* first, size_t n, std::mt19937_64& rng) {
  for (size_t i = n; i > 1; --i) {
    size_t j = static_cast<size_t>(uniform_below(rng, i));
    std::swap(first[i - 1], first[j]);
  }
}

}  // namespace gener::data
