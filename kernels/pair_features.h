// pair_features.h — gather a batch of gene pairs into the CNN input [a; b] and the MLP input a ⊙ b.
#pragma once
#include <cstdint>
#include "stream.h"

namespace gener::kernels {

// expr: (G, L) row-major expression matrix, one row per gene.
// pairs: (B, 2) gene indices (a, b), each in [0, G).
// x_cnn: (B, 1, 2, L) — row 0 = expr[a], row 1 = expr[b]; may be null.
// x_mlp: (B, L) — expr[a] * expr[b] element by element; may be null.
void pair_features_cpu(const float* expr, int L, const int32_t* pairs, int B, float* x_cnn, float* x_mlp);
void pair_features_cuda(const float* expr, int L, const int32_t* pairs, int B, float* x_cnn, float* x_mlp,
                        Stream stream);

}  // namespace gener::kernels
