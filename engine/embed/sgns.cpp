// sgns.cpp — the negative-sampling update over one source and its targets (SIMD clones for the dot/axpy loops).
#include "engine/embed/sgns.h"

#include <cstring>

#include "kernels/cpu_util.h"

namespace gener::embed {
namespace {

// Sixteen partial sums, so the compiler can keep them in vector registers without reassociating a serial sum.
GENER_CPU_CLONES float dot(int d, const float* a, const float* b) {
  float acc[16] = {0};
  int k = 0;
  for (; k + 16 <= d; k += 16)
    for (int j = 0; j < 16; ++j) acc[j] += a[k + j] * b[k + j];
  float s = 0;
  for (; k < d; ++k) s += a[k] * b[k];
  for (int j = 0; j < 16; ++j) s += acc[j];
  return s;
}

// err += g * t; t += g * src
GENER_CPU_CLONES void accumulate(int d, float g, const float* src, float* t, float* err) {
  for (int k = 0; k < d; ++k) {
    err[k] += g * t[k];
    t[k] += g * src[k];
  }
}

GENER_CPU_CLONES void add(int d, const float* err, float* src) {
  for (int k = 0; k < d; ++k) src[k] += err[k];
}

}  // namespace

void sgns_update(int d, float lr, float* src, float* const* tgt, int n_tgt, const SigmoidTable& sig, float* err) {
  std::memset(err, 0, sizeof(float) * static_cast<size_t>(d));
  for (int j = 0; j < n_tgt; ++j) {
    float* t = tgt[j];
    if (!t) continue;
    const float g = lr * sig.gradient(dot(d, src, t), j == 0 ? 1.0f : 0.0f);
    accumulate(d, g, src, t, err);
  }
  add(d, err, src);
}

}  // namespace gener::embed
