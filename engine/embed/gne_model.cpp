// gne_model.cpp — GNE's forward and backward on the engine's dense (sgemm), dropout and buffer layout.
#include "engine/embed/gne_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/data/random.h"
#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/dense.h"

namespace gener::embed {
namespace {

constexpr double kNormEps = 1e-12;  // TensorFlow's l2_normalize: x / sqrt(max(sum x², eps))

// y = x / sqrt(max(|x|², eps)) per row; saves the row's inverse norm.
void l2norm_rows(int B, int d, const float* x, float* y, float* inv) {
  for (int i = 0; i < B; ++i) {
    const float* r = x + static_cast<size_t>(i) * d;
    double s = 0;
    for (int k = 0; k < d; ++k) s += static_cast<double>(r[k]) * r[k];
    inv[i] = static_cast<float>(1.0 / std::sqrt(std::max(s, kNormEps)));
    for (int k = 0; k < d; ++k) y[static_cast<size_t>(i) * d + k] = r[k] * inv[i];
  }
}

// dx = (dy - y (y·dy)) * inv, or dy * inv where the norm was clamped.
void l2norm_rows_backward(int B, int d, const float* x, const float* y, const float* inv, const float* dy, float* dx) {
  for (int i = 0; i < B; ++i) {
    const size_t o = static_cast<size_t>(i) * d;
    double s = 0, yd = 0;
    for (int k = 0; k < d; ++k) s += static_cast<double>(x[o + k]) * x[o + k], yd += static_cast<double>(y[o + k]) * dy[o + k];
    const bool clamped = s < kNormEps;
    for (int k = 0; k < d; ++k)
      dx[o + k] = clamped ? dy[o + k] * inv[i] : static_cast<float>((dy[o + k] - y[o + k] * yd) * inv[i]);
  }
}

float elu(float x) { return x > 0 ? x : std::expm1(x); }

struct Forward {
  std::vector<float> id_raw, id, id_inv, a_pre, a_act, a, a_inv, e, e_drop, h;
};

// Everything up to h for rows node[0..B) (expression rows attr); dropout rate 0 gives the inference path.
void forward_to_h(const GneParams& p, int B, const int32_t* node, const float* attr, float alpha, float rate,
                  uint64_t seed, uint64_t step, Forward& f) {
  const GneShape& s = p.s;
  const int I = s.id_dim, A = s.attr_dim, E = I + A, D = s.dim;
  const float* in_emb = p.w.data() + p.in_emb;
  f.id_raw.resize(static_cast<size_t>(B) * I);
  for (int i = 0; i < B; ++i)
    std::memcpy(f.id_raw.data() + static_cast<size_t>(i) * I, in_emb + static_cast<size_t>(node[i]) * I, sizeof(float) * I);
  f.id.resize(f.id_raw.size());
  f.id_inv.resize(static_cast<size_t>(B));
  l2norm_rows(B, I, f.id_raw.data(), f.id.data(), f.id_inv.data());
  f.e.assign(static_cast<size_t>(B) * E, 0.0f);
  for (int i = 0; i < B; ++i) std::memcpy(f.e.data() + static_cast<size_t>(i) * E, f.id.data() + static_cast<size_t>(i) * I, sizeof(float) * I);
  if (alpha != 0.0f) {
    f.a_pre.resize(static_cast<size_t>(B) * A);
    kernels::dense_forward_cpu(B, s.m, A, attr, p.w.data() + p.w_attr, nullptr, f.a_pre.data());
    f.a_act.resize(f.a_pre.size());
    for (size_t k = 0; k < f.a_pre.size(); ++k) f.a_act[k] = elu(f.a_pre[k]);
    f.a.resize(f.a_pre.size());
    f.a_inv.resize(static_cast<size_t>(B));
    l2norm_rows(B, A, f.a_act.data(), f.a.data(), f.a_inv.data());
    for (int i = 0; i < B; ++i)
      for (int k = 0; k < A; ++k) f.e[static_cast<size_t>(i) * E + I + k] = alpha * f.a[static_cast<size_t>(i) * A + k];
  }
  f.e_drop.resize(f.e.size());
  kernels::dropout_forward_cpu(static_cast<long long>(f.e.size()), rate, seed, step, f.e.data(), f.e_drop.data());
  f.h.resize(static_cast<size_t>(B) * D);
  kernels::dense_forward_cpu(B, E, D, f.e_drop.data(), p.w.data() + p.w_hidden, nullptr, f.h.data());
  for (float& v : f.h) v = std::tanh(v);
}

}  // namespace

GneParams::GneParams(const GneShape& shape) : s(shape) {
  GENER_CHECK(s.n > 0 && s.id_dim > 0 && s.attr_dim > 0 && s.dim > 0 && s.m >= 0,
              "GNE: bad shape n " << s.n << ", m " << s.m << ", dims " << s.id_dim << "/" << s.attr_dim << "/" << s.dim);
  const size_t n = static_cast<size_t>(s.n);
  in_emb = 0;
  w_attr = in_emb + n * s.id_dim;
  w_hidden = w_attr + static_cast<size_t>(s.attr_dim) * s.m;
  out_emb = w_hidden + static_cast<size_t>(s.dim) * (s.id_dim + s.attr_dim);
  out_bias = out_emb + n * s.dim;
  total = out_bias + n;
  w.assign(total, 0.0f);
}

void gne_init(GneParams& p, uint64_t seed) {
  std::mt19937_64 rng(data::mix_seed(seed, 0x474e45));
  data::NormalSource normal;
  for (size_t i = p.in_emb; i < p.w_attr; ++i) p.w[i] = static_cast<float>(2.0 * data::uniform01(rng) - 1.0);
  for (size_t i = p.w_attr; i < p.out_bias; ++i) p.w[i] = static_cast<float>(normal(rng));
  for (size_t i = p.out_bias; i < p.total; ++i) p.w[i] = 0.0f;
}

double gne_loss_grad(const GneParams& p, const GneBatch& b, float* grad) {
  const GneShape& s = p.s;
  const int B = b.B, K = b.K, C = 1 + K, I = s.id_dim, A = s.attr_dim, E = I + A, D = s.dim;
  GENER_CHECK(B > 0 && K >= 0, "GNE: batch of " << B << " rows, " << K << " candidates");
  GENER_CHECK(b.alpha == 0.0f || (s.m > 0 && b.attr), "GNE: alpha " << b.alpha << " needs the expression rows");
  Forward f;
  forward_to_h(p, B, b.node, b.attr, b.alpha, b.dropout, b.seed, b.step, f);
  std::memset(grad, 0, sizeof(float) * p.total);
  const float* out_emb = p.w.data() + p.out_emb;
  const float* bias = p.w.data() + p.out_bias;
  float* g_out = grad + p.out_emb;
  float* g_bias = grad + p.out_bias;
  std::vector<float> dh(static_cast<size_t>(B) * D, 0.0f);
  std::vector<double> z(static_cast<size_t>(C));
  std::vector<int32_t> cand(static_cast<size_t>(C));
  double loss = 0;
  for (int i = 0; i < B; ++i) {
    const float* hi = f.h.data() + static_cast<size_t>(i) * D;
    cand[0] = b.label[i];
    for (int k = 0; k < K; ++k) cand[k + 1] = b.sampled[k];
    double zmax = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < C; ++c) {
      if (c > 0 && cand[c] == cand[0]) {  // accidental hit: the true neighbour among the samples
        z[c] = -std::numeric_limits<double>::infinity();
        continue;
      }
      const float* o = out_emb + static_cast<size_t>(cand[c]) * D;
      double acc = bias[cand[c]];
      for (int k = 0; k < D; ++k) acc += static_cast<double>(hi[k]) * o[k];
      z[c] = acc;
      zmax = std::max(zmax, acc);
    }
    double sum = 0;
    for (int c = 0; c < C; ++c) sum += std::exp(z[c] - zmax);
    loss += std::log(sum) + zmax - z[0];
    float* dhi = dh.data() + static_cast<size_t>(i) * D;
    for (int c = 0; c < C; ++c) {
      const double prob = std::exp(z[c] - zmax) / sum;  // 0 for a left-out sample
      const float dz = static_cast<float>((prob - (c == 0 ? 1.0 : 0.0)) / B);
      if (dz == 0.0f) continue;
      const float* o = out_emb + static_cast<size_t>(cand[c]) * D;
      float* go = g_out + static_cast<size_t>(cand[c]) * D;
      for (int k = 0; k < D; ++k) dhi[k] += dz * o[k], go[k] += dz * hi[k];
      g_bias[cand[c]] += dz;
    }
  }
  // tanh' = 1 - h²
  for (size_t k = 0; k < dh.size(); ++k) dh[k] *= 1.0f - f.h[k] * f.h[k];
  std::vector<float> de_drop(static_cast<size_t>(B) * E), de(de_drop.size());
  kernels::dense_backward_cpu(B, E, D, f.e_drop.data(), p.w.data() + p.w_hidden, dh.data(), de_drop.data(),
                              grad + p.w_hidden, nullptr);
  kernels::dropout_backward_cpu(static_cast<long long>(de.size()), b.dropout, b.seed, b.step, de_drop.data(), de.data());
  // id branch: back through the normalisation into the looked-up rows.
  std::vector<float> d_id(static_cast<size_t>(B) * I), d_raw(d_id.size());
  for (int i = 0; i < B; ++i) std::memcpy(d_id.data() + static_cast<size_t>(i) * I, de.data() + static_cast<size_t>(i) * E, sizeof(float) * I);
  l2norm_rows_backward(B, I, f.id_raw.data(), f.id.data(), f.id_inv.data(), d_id.data(), d_raw.data());
  for (int i = 0; i < B; ++i) {
    float* gi = grad + p.in_emb + static_cast<size_t>(b.node[i]) * I;
    for (int k = 0; k < I; ++k) gi[k] += d_raw[static_cast<size_t>(i) * I + k];
  }
  if (b.alpha != 0.0f) {
    std::vector<float> d_a(static_cast<size_t>(B) * A), d_act(d_a.size());
    for (int i = 0; i < B; ++i)
      for (int k = 0; k < A; ++k) d_a[static_cast<size_t>(i) * A + k] = b.alpha * de[static_cast<size_t>(i) * E + I + k];
    l2norm_rows_backward(B, A, f.a_act.data(), f.a.data(), f.a_inv.data(), d_a.data(), d_act.data());
    for (size_t k = 0; k < d_act.size(); ++k) d_act[k] *= f.a_pre[k] > 0 ? 1.0f : std::exp(f.a_pre[k]);
    kernels::dense_backward_cpu(B, s.m, A, b.attr, p.w.data() + p.w_attr, d_act.data(), nullptr, grad + p.w_attr,
                                nullptr);
  }
  return loss / B;
}

Embedding gne_representation(const GneParams& p, float alpha, const float* expr) {
  const GneShape& s = p.s;
  Embedding out(s.n, s.dim);
  constexpr int kRows = 1024;
  std::vector<int32_t> node(kRows);
  Forward f;
  for (int r0 = 0; r0 < s.n; r0 += kRows) {
    const int B = std::min(kRows, s.n - r0);
    for (int i = 0; i < B; ++i) node[i] = r0 + i;
    const float* attr = alpha != 0.0f ? expr + static_cast<size_t>(r0) * s.m : nullptr;
    forward_to_h(p, B, node.data(), attr, alpha, 0.0f, 0, 0, f);
    for (int i = 0; i < B; ++i) {
      const float* hi = f.h.data() + static_cast<size_t>(i) * s.dim;
      const float* o = p.w.data() + p.out_emb + static_cast<size_t>(r0 + i) * s.dim;
      float* dst = out.row(r0 + i);
      for (int k = 0; k < s.dim; ++k) dst[k] = hi[k] + o[k];
    }
  }
  return out;
}

}  // namespace gener::embed
