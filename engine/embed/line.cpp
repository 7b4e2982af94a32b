// line.cpp — LINE's edge-sampling SGD for one order, and the two orders concatenated.
#include "engine/embed/line.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "engine/embed/alias.h"
#include "engine/embed/sgns.h"
#include "kernels/check.h"

namespace gener::embed {

Embedding line_order(const data::TrainingGraph& g, int order, int dim, const LineOptions& o, uint64_t seed,
                     int threads) {
  GENER_CHECK(order == 1 || order == 2, "LINE: order must be 1 or 2, got " << order);
  GENER_CHECK(dim > 0, "LINE: dim must be > 0, got " << dim);
  GENER_CHECK(g.n_edges() > 0, "LINE: the training graph has no edges");
  const int n = g.n_nodes;
  const size_t arcs = g.neighbors.size();
  // Arc e runs from source[e] to g.neighbors[e]; unweighted, so every arc has weight 1.
  std::vector<int32_t> source(arcs);
  for (int v = 0; v < n; ++v)
    for (int64_t e = g.offsets[v]; e < g.offsets[v + 1]; ++e) source[e] = v;
  const AliasTable arc_table(std::vector<double>(arcs, 1.0));
  std::vector<double> neg_w(static_cast<size_t>(n));
  for (int v = 0; v < n; ++v) neg_w[v] = std::pow(static_cast<double>(g.degree(v)), 0.75);
  const AliasTable neg_table(neg_w);

  Embedding vertex(n, dim);
  std::vector<float> context(static_cast<size_t>(n) * dim, 0.0f);
  Rng init(seed, 0x4c494e45ULL + order);
  for (float& x : vertex.values) x = (init.uniform_f() - 0.5f) / dim;
  float* ctx = order == 1 ? vertex.values.data() : context.data();

  const int T = threads > 0 ? threads : omp_get_max_threads();
  const long long total = std::max(1LL, static_cast<long long>(std::llround(o.samples_millions * 1e6)));
  const float rho0 = static_cast<float>(o.learning_rate);
  std::atomic<long long> done{0};
  const SigmoidTable sig;
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();  // the team may be smaller than asked
    const long long begin = total * t / nt, end = total * (t + 1) / nt;
    Rng rng(seed, 0x100000ULL * static_cast<uint64_t>(order) + static_cast<uint64_t>(t));
    std::vector<float> err(static_cast<size_t>(dim));
    std::vector<float*> tgt(static_cast<size_t>(o.negatives) + 1);
    float rho = rho0;
    long long last = begin;
    for (long long i = begin; i < end; ++i) {
      if (i - last == 10000) {  // refresh the decayed rate from the shared progress, as LINE does
        const long long seen = done.fetch_add(i - last) + (i - last);
        last = i;
        rho = std::max(rho0 * (1.0f - static_cast<float>(seen) / static_cast<float>(total)), rho0 * 1e-4f);
      }
      const int e = arc_table.draw(rng);
      const int u = source[e], v = g.neighbors[e];
      tgt[0] = ctx + static_cast<size_t>(v) * dim;
      for (int k = 1; k <= o.negatives; ++k) tgt[k] = ctx + static_cast<size_t>(neg_table.draw(rng)) * dim;
      sgns_update(dim, rho, vertex.row(u), tgt.data(), o.negatives + 1, sig, err.data());
    }
  }
  return vertex;
}

Embedding line_embed(const data::TrainingGraph& g, const LineOptions& o, uint64_t seed, int threads) {
  GENER_CHECK(o.dim > 0 && o.dim % 2 == 0, "LINE: dim must be even and > 0 (dim / 2 per order), got " << o.dim);
  Embedding first = line_order(g, 1, o.dim / 2, o, seed, threads);
  Embedding second = line_order(g, 2, o.dim / 2, o, seed, threads);
  if (o.normalize) {
    normalize_rows(first);
    normalize_rows(second);
  }
  return concat_columns(first, second);
}

}  // namespace gener::embed
