// softmax_xent.h — softmax over classes and categorical cross-entropy with its gradient.
#pragma once
#include <cstdint>
#include "stream.h"

namespace gener::kernels {

// logits (B, C) → probs (B, C) (numerically stable softmax).
void softmax_cpu(int B, int C, const float* logits, float* probs);
// Loss per row: -log p[label]; losses (B) may be null. dlogits (B, C) = (p - onehot(label)) * grad_scale
// (grad_scale = 1/B for the mean loss); dlogits may be null. labels in [0, C).
void softmax_xent_cpu(int B, int C, const float* logits, const int32_t* labels, float grad_scale, float* probs,
                      float* losses, float* dlogits);

void softmax_xent_cuda(int B, int C, const float* logits, const int32_t* labels, float grad_scale, float* probs,
                       float* losses, float* dlogits, Stream stream);

}  // namespace gener::kernels
