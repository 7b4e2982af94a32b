// optimizer_cpu.cpp — CPU reference parameter updates over one flat buffer: SGD with momentum, and Adam.
#include <cmath>

#include "kernels/check.h"
#include "kernels/optimizer.h"

namespace gener::kernels {
namespace {
constexpr long long kParallelMin = 1 << 15;
}

void sgd_update_cpu(long long n, float lr, float momentum, float* w, const float* g, float* v) {
  if (momentum == 0.0f) {
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
    for (long long i = 0; i < n; ++i) w[i] -= lr * g[i];
    return;
  }
  GENER_CHECK(v != nullptr, "sgd_update_cpu: momentum " << momentum << " needs a velocity buffer");
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (long long i = 0; i < n; ++i) {
    v[i] = momentum * v[i] + g[i];
    w[i] -= lr * v[i];
  }
}

void adam_update_cpu(long long n, float lr, float beta1, float beta2, float eps, long long t, float* w,
                     const float* g, float* m, float* v) {
  GENER_CHECK(t >= 1, "adam_update_cpu: step count t is 1-based, got " << t);
  // w -= lr * m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)
  const float inv_bc1 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(t))));
  const float inv_bc2 = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(t))));
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (long long i = 0; i < n; ++i) {
    const float gi = g[i];
    m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
    v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    const float m_hat = m[i] * inv_bc1;
    const float v_hat = v[i] * inv_bc2;
    w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

}  // namespace gener::kernels
