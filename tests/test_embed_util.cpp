// test_embed_util.cpp — the planted-partition dataset and helpers of test_embed_util.h (part of the embed suite).
#include "tests/test_embed_util.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "engine/data/random.h"
#include "engine/metrics/metrics.h"
#include "kernels/threads.h"

namespace gener::embedtest {
namespace {
// The suite runs the way the gener program does: OpenMP threads around single-threaded OpenBLAS calls
// (kernels::set_cpu_threads), not OpenBLAS's own thread pool inside OpenMP's.
struct EngineThreads : ::testing::Environment {
  void SetUp() override { kernels::set_cpu_threads(0); }
};
[[maybe_unused]] ::testing::Environment* const kEngineThreads = ::testing::AddGlobalTestEnvironment(new EngineThreads);
}  // namespace

data::DatasetCache planted_partition(int half, double p_in, double p_out, int L, uint64_t seed) {
  const int n = 2 * half;
  std::mt19937_64 rng(seed);
  data::NormalSource normal;
  auto community = [&](int v) { return v < half ? 0 : 1; };
  std::vector<std::pair<int, int>> within, between_edges, between_non;
  for (int a = 0; a < n; ++a)
    for (int b = a + 1; b < n; ++b) {
      const bool same = community(a) == community(b);
      const bool edge = data::uniform01(rng) < (same ? p_in : p_out);
      if (edge) (same ? within : between_edges).push_back({a, b});
      else if (!same) between_non.push_back({a, b});
    }
  data::shuffle_n(within.data(), within.size(), rng);
  data::shuffle_n(between_non.data(), between_non.size(), rng);
  const size_t n_test = within.size() / 5, n_val = within.size() / 10;
  data::DatasetCache ds;
  std::set<std::pair<int, int>> used;
  size_t neg = 0;
  for (size_t i = 0; i < n_test; ++i) {
    ds.splits.test.push(within[i].first, within[i].second, 1);
    ds.splits.test.push(between_non[neg].first, between_non[neg].second, 0);
    used.insert(between_non[neg++]);
  }
  for (size_t i = n_test; i < n_test + n_val; ++i) {
    ds.splits.val.push(within[i].first, within[i].second, 1);
    ds.splits.val.push(between_non[neg].first, between_non[neg].second, 0);
    used.insert(between_non[neg++]);
  }
  std::vector<std::pair<int, int>> train(within.begin() + static_cast<long>(n_test + n_val), within.end());
  train.insert(train.end(), between_edges.begin(), between_edges.end());
  std::set<std::pair<int, int>> edges(within.begin(), within.end());
  edges.insert(between_edges.begin(), between_edges.end());
  for (const auto& e : train) ds.splits.train.push(e.first, e.second, 1);
  size_t added = 0;
  while (added < train.size()) {  // random non-edges, not used by the held-out splits
    int a = static_cast<int>(data::uniform_below(rng, n)), b = static_cast<int>(data::uniform_below(rng, n));
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    if (edges.count({a, b}) || used.count({a, b})) continue;
    used.insert({a, b});
    ds.splits.train.push(a, b, 0);
    ++added;
  }
  ds.expr.L = L;
  for (int v = 0; v < n; ++v) {
    ds.expr.genes.push_back("G" + std::to_string(v + 1));
    for (int j = 0; j < L; ++j)
      ds.expr.values.push_back(static_cast<float>((community(v) == 0 ? 1.0 : -1.0) * (j % 2 == 0 ? 1.0 : 0.5) +
                                                  0.5 * normal(rng)));
  }
  ds.expr.build_index();
  ds.meta = nlohmann::json::object();
  return ds;
}

double auroc_of(const std::vector<float>& scores, const data::PairSet& p) {
  std::vector<double> key(scores.begin(), scores.end());
  std::vector<int> label(p.label.begin(), p.label.end());
  return metrics::roc_auc_score(key, label);
}

}  // namespace gener::embedtest
