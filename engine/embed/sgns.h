// sgns.h — the inner loop shared by LINE and skip-gram: one positive and K negative logistic updates of a
// source vector against target vectors (word2vec's / LINE's update, with their clipped sigmoid table).
#pragma once
#include <cmath>
#include <vector>

namespace gener::embed {

// σ(x) tabulated on [-6, 6] (1000 steps) as word2vec and LINE do; outside, the update is skipped (gradient ~0)
// exactly as in their code: label 1 beyond +6 and label 0 below -6 give no update, the opposite cases a full one.
class SigmoidTable {
 public:
  static constexpr float kBound = 6.0f;
  static constexpr int kSize = 1000;
  SigmoidTable() : t_(kSize + 1) {
    for (int i = 0; i <= kSize; ++i) {
      const double x = (2.0 * i / kSize - 1.0) * kBound;
      t_[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    }
  }
  // g = (label - σ(f)), clipped as word2vec: f > 6 -> label - 1, f < -6 -> label - 0.
  float gradient(float f, float label) const {
    if (f > kBound) return label - 1.0f;
    if (f < -kBound) return label;
    return label - t_[static_cast<int>((f + kBound) * (kSize / (2.0f * kBound)))];
  }

 private:
  std::vector<float> t_;
};

// One source vector `src` (d), targets tgt[0] (positive) and tgt[1..K] (negatives, may be null to skip):
//   for each target t with label l: g = lr * (l - σ(src·t)); err += g * t; t += g * src;   then src += err.
// `err` is scratch of d floats.
void sgns_update(int d, float lr, float* src, float* const* tgt, int n_tgt, const SigmoidTable& sig, float* err);

}  // namespace gener::embed
