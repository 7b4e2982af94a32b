// gne_model.h — the GNE network (KC et al. 2019) as plain buffers: parameters, one training step's loss and
// gradient (sampled softmax over neighbours), and the final gene representations.
//   id  = l2norm(in_emb[u])                               (B, I)
//   a   = l2norm(elu(x_u · W_attrᵀ))                      (B, A)   x_u: the gene's expression (M)
//   e   = dropout([id, alpha * a])                        (B, I + A)
//   h   = tanh(e · W_hᵀ)                                  (B, D)
//   z_c = h · out_emb[c] + bias[c] for c in {v} ∪ S       (B, 1 + K)   v: a neighbour of u, S: sampled genes
//   loss = mean_b (logsumexp(z_b) - z_bv)   (a sampled gene equal to the row's v is left out of its row)
#pragma once
#include <cstdint>
#include <vector>

#include "engine/embed/embedding.h"

namespace gener::embed {

struct GneShape {
  int n = 0;      // genes
  int m = 0;      // expression values per gene (0 when alpha = 0)
  int id_dim = 0, attr_dim = 0, dim = 0;
};

// All parameters in one flat buffer (and gradients / Adam moments in buffers of the same layout):
// in_emb (n, I) | w_attr (A, M) | w_hidden (D, I + A) | out_emb (n, D) | out_bias (n)
struct GneParams {
  GneShape s;
  size_t in_emb = 0, w_attr = 0, w_hidden = 0, out_emb = 0, out_bias = 0, total = 0;  // offsets
  std::vector<float> w;

  explicit GneParams(const GneShape& shape);
};

// The authors' initialisation: in_emb ~ U(-1, 1); w_attr, w_hidden, out_emb ~ N(0, 1); bias 0.
void gne_init(GneParams& p, uint64_t seed);

struct GneBatch {
  int B = 0;
  const int32_t* node = nullptr;   // (B) u
  const int32_t* label = nullptr;  // (B) v
  const float* attr = nullptr;     // (B, M) expression of u; unused when alpha = 0
  const int32_t* sampled = nullptr;  // (K) distinct candidate genes shared by the batch
  int K = 0;
  float alpha = 1.0f;
  float dropout = 0.5f;
  uint64_t seed = 0, step = 0;     // dropout mask stream (kernels/hash.h)
};

// Mean loss of the batch; `grad` (p.total floats) is overwritten with its gradient.
double gne_loss_grad(const GneParams& p, const GneBatch& b, float* grad);

// Representations without dropout: h(u) + out_emb[u] for every gene (the authors' "Embeddings_out +
// Embeddings_in"); expr (n, M) may be null when alpha = 0.
Embedding gne_representation(const GneParams& p, float alpha, const float* expr);

}  // namespace gener::embed
