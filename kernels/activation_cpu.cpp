// activation_cpu.cpp — CPU activation forward/backward (ReLU or identity), branch-free, safe in place.
#include <algorithm>
#include <cstring>

#include "kernels/batchnorm.h"
#include "kernels/cpu_util.h"

namespace gener::kernels {
namespace {

// ReLU forward / backward over one run. GCC vectorizes these behind a runtime overlap check that fails for
// exactly aliased pointers, so the in-place cases get their own single-pointer loops (branch-free SIMD).
GENER_CPU_CLONES void relu_run(long long n, const float* x, float* y) {
  for (long long i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = v > 0.0f ? v : 0.0f;
  }
}
GENER_CPU_CLONES void relu_run_inplace(long long n, float* y) {
  for (long long i = 0; i < n; ++i) {
    const float v = y[i];
    y[i] = v > 0.0f ? v : 0.0f;
  }
}
GENER_CPU_CLONES void relu_grad_run(long long n, const float* x, const float* dy, float* dx) {
  for (long long i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}
GENER_CPU_CLONES void relu_grad_run_inplace(long long n, const float* x, float* g) {  // g: dy in, dx out
  for (long long i = 0; i < n; ++i) g[i] = x[i] > 0.0f ? g[i] : 0.0f;
}

}  // namespace

void activation_forward_cpu(Activation act, long long n, const float* x, float* y) {
  switch (act) {
    case Activation::None:
      if (x != y) std::memcpy(y, x, static_cast<size_t>(n) * sizeof(float));
      return;
    case Activation::Relu:
      for_each_chunk(n, [&](long long b, long long e) {
        if (x == y)
          relu_run_inplace(e - b, y + b);
        else
          relu_run(e - b, x + b, y + b);
      });
      return;
  }
}

void activation_backward_cpu(Activation act, long long n, const float* x, const float* dy, float* dx) {
  switch (act) {
    case Activation::None:
      if (dy != dx) std::memcpy(dx, dy, static_cast<size_t>(n) * sizeof(float));
      return;
    case Activation::Relu:
      for_each_chunk(n, [&](long long b, long long e) {
        if (dx == dy)
          relu_grad_run_inplace(e - b, x + b, dx + b);
        else if (dx == x)  // dx = x > 0 ? dy : 0 with x overwritten: the mask comes from dx itself
          relu_grad_run(e - b, dx + b, dy + b, dx + b);
        else
          relu_grad_run(e - b, x + b, dy + b, dx + b);
      });
      return;
  }
}

}  // namespace gener::kernels
