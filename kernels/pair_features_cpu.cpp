// pair_features_cpu.cpp — CPU reference gather of gene pairs into the CNN input [a; b] and the MLP input a ⊙ b.
#include <cstring>

#include "kernels/check.h"
#include "kernels/pair_features.h"

namespace gener::kernels {

void pair_features_cpu(const float* expr, int L, const int32_t* pairs, int B, float* x_cnn, float* x_mlp) {
  GENER_CHECK(L > 0 && B >= 0, "pair_features_cpu: bad sizes L=" << L << " B=" << B);
  // The gene count is not passed, so only the lower bound of an index can be checked here.
  for (int i = 0; i < B; ++i) {
    GENER_CHECK(pairs[2 * i] >= 0 && pairs[2 * i + 1] >= 0,
                "pair_features_cpu: pair " << i << " has a negative gene index (" << pairs[2 * i] << ", "
                                           << pairs[2 * i + 1] << ")");
  }
  const size_t l = static_cast<size_t>(L);
#pragma omp parallel for schedule(static) if (static_cast<long long>(B) * L > (1 << 16))
  for (int i = 0; i < B; ++i) {
    const float* a = expr + static_cast<size_t>(pairs[2 * i]) * l;      // (L)
    const float* b = expr + static_cast<size_t>(pairs[2 * i + 1]) * l;  // (L)
    if (x_cnn) {
      float* dst = x_cnn + static_cast<size_t>(i) * 2 * l;  // (2, L)
      std::memcpy(dst, a, l * sizeof(float));
      std::memcpy(dst + l, b, l * sizeof(float));
    }
    if (x_mlp) {
      float* dst = x_mlp + static_cast<size_t>(i) * l;  // (L)
      for (size_t k = 0; k < l; ++k) dst[k] = a[k] * b[k];
    }
  }
}

}  // namespace gener::kernels
