// optimizer.h — parameter updates over one flat buffer: SGD (with optional momentum) and Adam.
#pragma once
#include "stream.h"

namespace gener::kernels {

// v = momentum * v + g; w -= lr * v   (momentum == 0: w -= lr * g; v may be null)
void sgd_update_cpu(long long n, float lr, float momentum, float* w, const float* g, float* v);
// Adam (Kingma & Ba, bias-corrected); t is the 1-based step count.
void adam_update_cpu(long long n, float lr, float beta1, float beta2, float eps, long long t, float* w,
                     const float* g, float* m, float* v);

void sgd_update_cuda(long long n, float lr, float momentum, float* w, const float* g, float* v, Stream stream);
void adam_update_cuda(long long n, float lr, float beta1, float beta2, float eps, long long t, float* w,
                      const float* g, float* m, float* v, Stream stream);

}  // namespace gener::kernels
