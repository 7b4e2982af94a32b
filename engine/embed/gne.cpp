// gne.cpp — GNE's training loop: shuffled (gene, neighbour) batches, shared sampled candidates, Adam, early stop.
#include "engine/embed/gne.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/embed/gne_model.h"
#include "engine/embed/rng.h"
#include "engine/metrics/metrics.h"
#include "kernels/check.h"
#include "kernels/optimizer.h"

namespace gener::embed {
namespace {

// AUROC of σ(E_a · E_b) on labelled pairs (a monotone score: the dot product itself). The authors'
// evaluate_ROC_from_matrix folds a value below 0.5 to 1 - AUROC; that makes early stopping keep an epoch whose
// embedding separates the pairs the wrong way round (on small graphs the first epochs sit below 0.5), so the
// plain AUROC is used here.
double dot_auroc(const Embedding& e, const data::PairSet& pairs) {
  std::vector<double> key(pairs.size());
  std::vector<int> label(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const float *a = e.row(pairs.ab[2 * i]), *b = e.row(pairs.ab[2 * i + 1]);
    double s = 0;
    for (int k = 0; k < e.dim; ++k) s += static_cast<double>(a[k]) * b[k];
    key[i] = s;
    label[i] = pairs.label[i];
  }
  return metrics::roc_auc_score(key, label);
}

bool has_both_classes(const data::PairSet& p) {
  const size_t pos = p.n_positive();
  return p.labelled() && pos > 0 && pos < p.size();
}

}  // namespace

Embedding gne_embed(const data::TrainingGraph& g, const Embedding* expr, const data::PairSet& val,
                    const GneOptions& o, double alpha, uint64_t seed, GneTrace* trace, bool progress) {
  GENER_CHECK(g.n_edges() > 0, "GNE: the training graph has no edges");
  GENER_CHECK(alpha >= 0, "GNE: alpha must be >= 0, got " << alpha);
  GENER_CHECK(alpha == 0 || (expr && expr->dim > 0 && expr->n == g.n_nodes),
              "GNE: alpha " << alpha << " needs an expression vector for each of the " << g.n_nodes << " genes");
  const int n = g.n_nodes;
  GneShape shape;
  shape.n = n;
  shape.m = alpha > 0 ? expr->dim : 0;
  shape.id_dim = o.id_dim;
  shape.attr_dim = o.attr_dim;
  shape.dim = o.dim;
  GneParams p(shape);
  gne_init(p, seed);
  std::vector<float> grad(p.total), m(p.total, 0.0f), v(p.total, 0.0f);

  // Examples: every arc (u -> v) of the training graph, i.e. each edge in both directions.
  const size_t arcs = g.neighbors.size();
  std::vector<int32_t> src(arcs), dst(g.neighbors.begin(), g.neighbors.end());
  for (int u = 0; u < n; ++u)
    for (int64_t e = g.offsets[u]; e < g.offsets[u + 1]; ++e) src[e] = u;
  std::vector<uint32_t> order(arcs);
  for (size_t i = 0; i < arcs; ++i) order[i] = static_cast<uint32_t>(i);

  const int B = o.batch, K = std::min(o.negatives, n);
  const float a = static_cast<float>(alpha);
  std::vector<int32_t> bn(static_cast<size_t>(B)), bl(static_cast<size_t>(B)), sampled(static_cast<size_t>(K));
  std::vector<float> battr(alpha > 0 ? static_cast<size_t>(B) * shape.m : 0);
  const bool early = has_both_classes(val);
  double best = -1;
  int best_epoch = -1, since = 0;
  Embedding best_e;
  long long step = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    Rng rng(seed, 0x45504f4348000000ULL + static_cast<uint64_t>(epoch));
    for (size_t i = arcs; i > 1; --i) std::swap(order[i - 1], order[rng.below(static_cast<uint32_t>(i))]);
    double loss_sum = 0;
    long long batches = 0;
    for (size_t b0 = 0; b0 < arcs; b0 += static_cast<size_t>(B)) {
      const int rows = static_cast<int>(std::min(arcs - b0, static_cast<size_t>(B)));
      for (int i = 0; i < rows; ++i) {
        bn[i] = src[order[b0 + i]];
        bl[i] = dst[order[b0 + i]];
        if (alpha > 0) std::memcpy(battr.data() + static_cast<size_t>(i) * shape.m, expr->row(bn[i]), sizeof(float) * shape.m);
      }
      // K distinct genes uniformly (sampled softmax's candidates; uniform, so no log-Q correction survives).
      for (int k = 0; k < K; ++k) {
        int c;
        do c = static_cast<int>(rng.below(static_cast<uint32_t>(n)));
        while (std::find(sampled.begin(), sampled.begin() + k, c) != sampled.begin() + k);
        sampled[k] = c;
      }
      GneBatch batch;
      batch.B = rows;
      batch.node = bn.data();
      batch.label = bl.data();
      batch.attr = alpha > 0 ? battr.data() : nullptr;
      batch.sampled = sampled.data();
      batch.K = K;
      batch.alpha = a;
      batch.dropout = static_cast<float>(o.dropout);
      batch.seed = seed;
      batch.step = static_cast<uint64_t>(step);
      loss_sum += gne_loss_grad(p, batch, grad.data());
      ++step;
      ++batches;
      kernels::adam_update_cpu(static_cast<long long>(p.total), static_cast<float>(o.learning_rate), 0.9f, 0.999f,
                               1e-8f, step, p.w.data(), grad.data(), m.data(), v.data());
    }
    const double loss = loss_sum / std::max(1LL, batches);
    if (trace) trace->loss.push_back(loss);
    Embedding e = gne_representation(p, a, alpha > 0 ? expr->values.data() : nullptr);
    const double auc = early ? dot_auroc(e, val) : 0.0;
    if (progress) {
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (early)
        std::fprintf(stderr, "[gne] epoch %d/%d: loss %.4f, validation AUROC %.4f (%.1f s)\n", epoch + 1, o.epochs,
                     loss, auc, t);
      else
        std::fprintf(stderr, "[gne] epoch %d/%d: loss %.4f (%.1f s)\n", epoch + 1, o.epochs, loss, t);
    }
    if (!early) {
      best_e = std::move(e);
      best_epoch = epoch;
      continue;
    }
    if (trace) trace->val_auroc.push_back(auc);
    if (auc > best) {
      best = auc;
      best_epoch = epoch;
      best_e = std::move(e);
      since = 0;
    } else if (++since > o.patience) {
      break;
    }
  }
  if (trace) trace->best_epoch = best_epoch;
  return best_e;
}

}  // namespace gener::embed
