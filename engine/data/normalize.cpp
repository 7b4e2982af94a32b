// normalize.cpp — missing-value policies and the per-compendium normalisations.
#include "engine/data/normalize.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/check.h"

namespace gener::data {

Normalization parse_normalization(const std::string& s, const std::string& where) {
  if (s == "none") return Normalization::None;
  if (s == "center") return Normalization::Center;
  if (s == "zscore") return Normalization::Zscore;
  if (s == "quantile") return Normalization::Quantile;
  GENER_THROW(where << ": unknown normalisation '" << s << "' (expected none, center, zscore or quantile)");
}

const char* normalization_name(Normalization n) {
  switch (n) {
    case Normalization::None: return "none";
    case Normalization::Center: return "center";
    case Normalization::Zscore: return "zscore";
    case Normalization::Quantile: return "quantile";
  }
  return "?";
}

MissingPolicy parse_missing_policy(const std::string& s, const std::string& where) {
  if (s == "error") return MissingPolicy::Error;
  if (s == "impute") return MissingPolicy::Impute;
  if (s == "drop-genes") return MissingPolicy::DropGenes;
  GENER_THROW(where << ": unknown missing-value policy '" << s << "' (expected error, impute or drop-genes)");
}

const char* missing_policy_name(MissingPolicy p) {
  switch (p) {
    case MissingPolicy::Error: return "error";
    case MissingPolicy::Impute: return "impute";
    case MissingPolicy::DropGenes: return "drop-genes";
  }
  return "?";
}

MissingReport handle_missing(Expression& e, MissingPolicy policy, double max_missing) {
  GENER_CHECK(max_missing >= 0 && max_missing <= 1, "--max-missing (expression.max_missing): the missing fraction "
                                                        << "must be in [0, 1], got " << max_missing);
  const size_t G = e.genes.size(), L = static_cast<size_t>(e.L);
  MissingReport rep;
  std::vector<int64_t> miss(G, 0);
  for (size_t g = 0; g < G; ++g)
    for (size_t j = 0; j < L; ++j) miss[g] += std::isnan(e.values[g * L + j]) ? 1 : 0;
  rep.values = std::accumulate(miss.begin(), miss.end(), int64_t{0});
  if (rep.values == 0) {
    e.missing.count = 0;
    return rep;
  }
  if (policy == MissingPolicy::Error) {
    MissingValues m = e.missing;
    m.count = rep.values;
    if (m.first_line == 0) {  // NaN not from the reader: name the first gene and sample instead
      for (size_t i = 0; i < G * L && m.first_line == 0; ++i)
        if (std::isnan(e.values[i])) {
          m.first_token = "NaN (gene " + e.genes[i / L] + ", sample " + std::to_string(i % L + 1) + ")";
          m.first_line = static_cast<int64_t>(i / L) + 1;
          m.first_column = static_cast<int>(i % L) + 1;
        }
    }
    reject_missing(m, static_cast<int64_t>(G * L));
  }
  size_t out = 0;
  for (size_t g = 0; g < G; ++g) {
    if (miss[g] > 0) ++rep.genes_with_missing;
    const bool no_data = L > 0 && miss[g] == static_cast<int64_t>(L);
    const bool too_many = policy == MissingPolicy::DropGenes &&
                          static_cast<double>(miss[g]) > max_missing * static_cast<double>(L);
    if (no_data || too_many) {
      ++rep.dropped_genes;
      rep.no_data_genes += no_data ? 1 : 0;
      if (rep.dropped_examples.size() < 5) rep.dropped_examples.push_back(e.genes[g]);
      continue;
    }
    float* x = e.values.data() + g * L;
    double sum = 0;
    for (size_t j = 0; j < L; ++j)
      if (!std::isnan(x[j])) sum += x[j];
    const float mean = static_cast<float>(sum / static_cast<double>(static_cast<int64_t>(L) - miss[g]));
    for (size_t j = 0; j < L; ++j)
      if (std::isnan(x[j])) x[j] = mean;
    rep.imputed += miss[g];
    if (out != g) {
      std::copy(x, x + L, e.values.data() + out * L);
      e.genes[out] = std::move(e.genes[g]);
    }
    ++out;
  }
  e.genes.resize(out);
  e.values.resize(out * L);
  e.build_index();
  e.missing.count = 0;
  return rep;
}

void quantile_normalize(Expression& expr) {
  const size_t G = expr.genes.size(), L = static_cast<size_t>(expr.L);
  if (G == 0 || L == 0) return;
  std::vector<int> order(G * L);        // (L, G): per sample, gene rows in ascending value order
  std::vector<double> rank_mean(G, 0);  // (G) mean over samples of the r-th smallest value
  std::vector<float> col(G);
  for (size_t j = 0; j < L; ++j) {
    for (size_t g = 0; g < G; ++g) col[g] = expr.values[g * L + j];
    int* o = order.data() + j * G;
    std::iota(o, o + G, 0);
    std::stable_sort(o, o + G, [&](int a, int b) { return col[a] < col[b]; });
    for (size_t k = 0; k < G; ++k) rank_mean[k] += col[o[k]];
  }
  for (double& m : rank_mean) m /= static_cast<double>(L);
  for (size_t j = 0; j < L; ++j) {
    const int* o = order.data() + j * G;
    size_t k = 0;
    while (k < G) {
      float v = expr.values[static_cast<size_t>(o[k]) * L + j];
      size_t e = k + 1;
      while (e < G && expr.values[static_cast<size_t>(o[e]) * L + j] == v) ++e;
      double sum = 0;
      for (size_t t = k; t < e; ++t) sum += rank_mean[t];
      float mean = static_cast<float>(sum / static_cast<double>(e - k));
      // Values of this column are rewritten only after the tie group is measured.
      for (size_t t = k; t < e; ++t) expr.values[static_cast<size_t>(o[t]) * L + j] = mean;
      k = e;
    }
  }
}

namespace {
// Each row minus its mean, divided by its population sd when `scale` (constant rows: all zeros).
void standardize_rows(Expression& expr, bool scale) {
  const size_t G = expr.genes.size(), L = static_cast<size_t>(expr.L);
  if (L == 0) return;
  for (size_t g = 0; g < G; ++g) {
    float* x = expr.values.data() + g * L;
    double mean = 0;
    for (size_t j = 0; j < L; ++j) mean += x[j];
    mean /= static_cast<double>(L);
    double sd = 1;
    if (scale) {
      double var = 0;
      for (size_t j = 0; j < L; ++j) var += (x[j] - mean) * (x[j] - mean);
      sd = std::sqrt(var / static_cast<double>(L));
    }
    for (size_t j = 0; j < L; ++j) x[j] = sd > 0 ? static_cast<float>((x[j] - mean) / sd) : 0.0f;
  }
}
}  // namespace

void zscore_per_gene(Expression& expr) { standardize_rows(expr, true); }
void center_per_gene(Expression& expr) { standardize_rows(expr, false); }

void normalize(Expression& expr, Normalization n) {
  switch (n) {
    case Normalization::None: return;
    case Normalization::Center: center_per_gene(expr); return;
    case Normalization::Zscore: zscore_per_gene(expr); return;
    case Normalization::Quantile: quantile_normalize(expr); return;
  }
}

}  // namespace gener::data
