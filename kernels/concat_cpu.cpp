// concat_cpu.cpp — CPU reference concat of two (B, n) feature blocks and its backward split.
#include <cstring>

#include "kernels/concat.h"

namespace gener::kernels {

void concat2_cpu(int B, int n1, int n2, const float* x1, const float* x2, float* y) {
  const size_t a = static_cast<size_t>(n1), b = static_cast<size_t>(n2);
  for (int r = 0; r < B; ++r) {
    float* row = y + static_cast<size_t>(r) * (a + b);  // (n1 + n2)
    std::memcpy(row, x1 + r * a, a * sizeof(float));
    std::memcpy(row + a, x2 + r * b, b * sizeof(float));
  }
}

void split2_cpu(int B, int n1, int n2, const float* dy, float* dx1, float* dx2) {
  const size_t a = static_cast<size_t>(n1), b = static_cast<size_t>(n2);
  for (int r = 0; r < B; ++r) {
    const float* row = dy + static_cast<size_t>(r) * (a + b);  // (n1 + n2)
    if (dx1) std::memcpy(dx1 + r * a, row, a * sizeof(float));
    if (dx2) std::memcpy(dx2 + r * b, row + a, b * sizeof(float));
  }
}

}  // namespace gener::kernels
