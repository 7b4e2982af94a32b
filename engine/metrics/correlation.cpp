// correlation.cpp — Pearson correlation per gene pair from pre-centred, unit-norm gene rows.
#include "engine/metrics/correlation.h"

#include <algorithm>
#include <cmath>

#include "kernels/check.h"

namespace gener::metrics {

namespace {

// Dot product with four double accumulators (independent chains, so the loop pipelines well).
double dot(const float* a, const float* b, int L) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= L; i += 4) {
    s0 += static_cast<double>(a[i]) * b[i];
    s1 += static_cast<double>(a[i + 1]) * b[i + 1];
    s2 += static_cast<double>(a[i + 2]) * b[i + 2];
    s3 += static_cast<double>(a[i + 3]) * b[i + 3];
  }
  for (; i < L; ++i) s0 += static_cast<double>(a[i]) * b[i];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

std::vector<float> pearson_scores(const float* expr, int G, int L, const int32_t* pairs, size_t N) {
  GENER_CHECK(G > 0 && L > 0, "pearson_scores: empty expression matrix (" << G << " genes x " << L << " samples)");
  GENER_CHECK(expr != nullptr && (N == 0 || pairs != nullptr), "pearson_scores: null input");
  // z[g] = (x_g - mean_g) / ||x_g - mean_g||, or all zeros for a constant gene.  (G, L)
  std::vector<float> z(static_cast<size_t>(G) * L);
  for (int g = 0; g < G; ++g) {
    const float* x = expr + static_cast<size_t>(g) * L;
    float* zg = z.data() + static_cast<size_t>(g) * L;
    double sum = 0;
    for (int i = 0; i < L; ++i) {
      GENER_CHECK(std::isfinite(x[i]), "non-finite expression value " << x[i] << " for gene " << g << ", sample " << i);
      sum += x[i];
    }
    const double mean = sum / L;
    double ss = 0;
    for (int i = 0; i < L; ++i) ss += (x[i] - mean) * (x[i] - mean);
    const double inv = ss > 0 ? 1.0 / std::sqrt(ss) : 0.0;
    for (int i = 0; i < L; ++i) zg[i] = static_cast<float>((x[i] - mean) * inv);
  }
  for (size_t p = 0; p < N; ++p) {
    const int32_t a = pairs[2 * p], b = pairs[2 * p + 1];
    GENER_CHECK(a >= 0 && a < G && b >= 0 && b < G,
                "pair " << p << " = (" << a << ", " << b << ") has a gene index outside [0, " << G << ")");
  }
  std::vector<float> r(N);
  const int64_t n = static_cast<int64_t>(N);
#ifdef _OPENMP
#pragma omp parallel for schedule(static)
#endif
  for (int64_t p = 0; p < n; ++p) {
    const float* za = z.data() + static_cast<size_t>(pairs[2 * p]) * L;
    const float* zb = z.data() + static_cast<size_t>(pairs[2 * p + 1]) * L;
    r[p] = static_cast<float>(std::clamp(dot(za, zb, L), -1.0, 1.0));
  }
  return r;
}

float correlation_to_probability(float r) { return std::clamp((r + 1.f) * 0.5f, 0.f, 1.f); }

std::vector<float> correlation_to_probability(const std::vector<float>& r) {
  std::vector<float> p(r.size());
  for (size_t i = 0; i < r.size(); ++i) p[i] = correlation_to_probability(r[i]);
  return p;
}

}  // namespace gener::metrics
