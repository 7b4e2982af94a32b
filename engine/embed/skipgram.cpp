// skipgram.cpp — skip-gram with negative sampling (SGNS) over walks, threads sharing the vectors.
#include "engine/embed/skipgram.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "engine/embed/alias.h"
#include "engine/embed/sgns.h"
#include "kernels/check.h"

namespace gener::embed {

Embedding skipgram_train(const Walks& walks, int n_nodes, const SkipGramOptions& o, uint64_t seed, int threads) {
  GENER_CHECK(o.dim > 0 && o.window > 0 && o.epochs > 0 && o.negatives > 0,
              "skip-gram: dim, window, epochs and negatives must be > 0 (got " << o.dim << ", " << o.window << ", "
                                                                             << o.epochs << ", " << o.negatives << ")");
  const int d = o.dim;
  std::vector<double> count(static_cast<size_t>(n_nodes), 0.0);
  long long total_words = 0;
  for (size_t w = 0; w < walks.count(); ++w) {
    const int32_t* s = walks.walk(w);
    for (int i = 0; i < walks.len[w]; ++i) count[s[i]] += 1;
    total_words += walks.len[w];
  }
  GENER_CHECK(total_words > 0, "skip-gram: no walks");
  // Down-sampling (word2vec / gensim): keep a node occurrence with probability
  // (sqrt(c / (s * N)) + 1) * (s * N) / c, capped at 1.
  std::vector<float> keep(static_cast<size_t>(n_nodes), 1.0f);
  if (o.subsample > 0) {
    const double thr = o.subsample * static_cast<double>(total_words);
    for (int v = 0; v < n_nodes; ++v)
      if (count[v] > 0) keep[v] = static_cast<float>(std::min(1.0, (std::sqrt(count[v] / thr) + 1.0) * thr / count[v]));
  }
  std::vector<double> neg_w(count.size());
  for (size_t v = 0; v < count.size(); ++v) neg_w[v] = std::pow(count[v], 0.75);
  const AliasTable neg(neg_w);

  Embedding syn0(n_nodes, d);
  std::vector<float> syn1(static_cast<size_t>(n_nodes) * d, 0.0f);
  Rng init(seed, 0x53594e30ULL);
  for (float& x : syn0.values) x = (init.uniform_f() - 0.5f) / d;

  const int T = threads > 0 ? threads : omp_get_max_threads();
  const double total = static_cast<double>(total_words) * o.epochs;
  const double a0 = o.learning_rate, a1 = o.min_learning_rate;
  std::atomic<long long> done{0};
  const SigmoidTable sig;
  const long long n_walks = static_cast<long long>(walks.count());
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();  // the team may be smaller than asked
    const long long w0 = n_walks * t / nt, w1 = n_walks * (t + 1) / nt;
    Rng rng(seed, 0x534b495000000000ULL + static_cast<uint64_t>(t));
    std::vector<int32_t> sen(static_cast<size_t>(walks.length));
    std::vector<float> err(static_cast<size_t>(d));
    std::vector<float*> tgt(static_cast<size_t>(o.negatives) + 1);
    long long pending = 0;
    float alpha = static_cast<float>(std::max(a1, a0 - (a0 - a1) * static_cast<double>(done.load()) / total));
    for (int epoch = 0; epoch < o.epochs; ++epoch) {
      for (long long w = w0; w < w1; ++w) {
        const int32_t* s = walks.walk(static_cast<size_t>(w));
        int len = 0;
        for (int i = 0; i < walks.len[w]; ++i)
          if (keep[s[i]] >= 1.0f || rng.uniform_f() < keep[s[i]]) sen[len++] = s[i];
        pending += walks.len[w];
        if (pending >= 10000) {  // refresh the rate from the shared progress, as gensim does per job
          const long long seen = done.fetch_add(pending) + pending;
          pending = 0;
          alpha = static_cast<float>(std::max(a1, a0 - (a0 - a1) * static_cast<double>(seen) / total));
        }
        for (int i = 0; i < len; ++i) {
          const int center = sen[i];
          const int reach = o.window - static_cast<int>(rng.below(static_cast<uint32_t>(o.window)));
          const int lo = std::max(0, i - reach), hi = std::min(len - 1, i + reach);
          for (int j = lo; j <= hi; ++j) {
            if (j == i) continue;
            tgt[0] = syn1.data() + static_cast<size_t>(center) * d;
            for (int k = 1; k <= o.negatives; ++k) {
              const int x = neg.draw(rng);
              tgt[k] = x == center ? nullptr : syn1.data() + static_cast<size_t>(x) * d;
            }
            sgns_update(d, alpha, syn0.row(sen[j]), tgt.data(), o.negatives + 1, sig, err.data());
          }
        }
      }
    }
  }
  return syn0;
}

}  // namespace gener::embed
