// softmax_xent_cpu.cpp — CPU reference stable softmax and categorical cross-entropy with its gradient.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "kernels/check.h"
#include "kernels/softmax_xent.h"

namespace gener::kernels {
namespace {

// p (C) = softmax(z (C)), shifted by the row maximum.
void softmax_row(int C, const float* z, float* p) {
  float mx = z[0];
  for (int k = 1; k < C; ++k) mx = std::max(mx, z[k]);
  float sum = 0.0f;
  for (int k = 0; k < C; ++k) {
    p[k] = std::exp(z[k] - mx);
    sum += p[k];
  }
  const float inv = 1.0f / sum;
  for (int k = 0; k < C; ++k) p[k] *= inv;
}

}  // namespace

void softmax_cpu(int B, int C, const float* logits, float* probs) {
  if (C <= 0) return;
  for (int r = 0; r < B; ++r) {
    softmax_row(C, logits + static_cast<size_t>(r) * C, probs + static_cast<size_t>(r) * C);
  }
}

void softmax_xent_cpu(int B, int C, const float* logits, const int32_t* labels, float grad_scale, float* probs,
                      float* losses, float* dlogits) {
  GENER_CHECK(C > 0, "softmax_xent_cpu: class count must be positive, got " << C);
  for (int r = 0; r < B; ++r) {
    GENER_CHECK(labels[r] >= 0 && labels[r] < C,
                "softmax_xent_cpu: label of row " << r << " is " << labels[r] << ", outside [0, " << C << ")");
  }
  for (int r = 0; r < B; ++r) {
    const size_t off = static_cast<size_t>(r) * C;
    float* p = probs + off;  // (C)
    softmax_row(C, logits + off, p);
    const int y = labels[r];
    if (losses) losses[r] = -std::log(std::max(p[y], FLT_MIN));
    if (dlogits) {
      float* d = dlogits + off;
      for (int k = 0; k < C; ++k) d[k] = (p[k] - (k == y ? 1.0f : 0.0f)) * grad_scale;
    }
  }
}

}  // namespace gener::kernels
