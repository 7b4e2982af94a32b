// concat.h — concatenate two (B, n) feature blocks along the feature axis, and the split that is its backward.
#pragma once
#include "stream.h"

namespace gener::kernels {

// y (B, n1 + n2) = [x1 (B, n1), x2 (B, n2)]
void concat2_cpu(int B, int n1, int n2, const float* x1, const float* x2, float* y);
// dx1 (B, n1), dx2 (B, n2) = split(dy (B, n1 + n2)); either output may be null.
void split2_cpu(int B, int n1, int n2, const float* dy, float* dx1, float* dx2);

void concat2_cuda(int B, int n1, int n2, const float* x1, const float* x2, float* y, Stream stream);
void split2_cuda(int B, int n1, int n2, const float* dy, float* dx1, float* dx2, Stream stream);

}  // namespace gener::kernels
