// alias.cpp — Vose's alias-table construction (numerically stable: leftovers are set to probability 1).
#include "engine/embed/alias.h"

#include <cmath>

#include "kernels/check.h"

namespace gener::embed {

void build_alias(const double* w, int n, float* prob, int32_t* alias) {
  GENER_CHECK(n > 0, "alias table: no outcomes");
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    GENER_CHECK(w[i] >= 0 && std::isfinite(w[i]), "alias table: weight " << i << " is " << w[i]);
    sum += w[i];
  }
  GENER_CHECK(sum > 0, "alias table: all " << n << " weights are zero");
  std::vector<double> scaled(static_cast<size_t>(n));
  std::vector<int32_t> small, large;
  small.reserve(static_cast<size_t>(n));
  large.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    scaled[i] = w[i] * n / sum;
    (scaled[i] < 1.0 ? small : large).push_back(i);
  }
  while (!small.empty() && !large.empty()) {
    const int32_t s = small.back(), l = large.back();
    small.pop_back();
    prob[s] = static_cast<float>(scaled[s]);
    alias[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left has probability 1 up to rounding.
  for (int32_t i : large) prob[i] = 1.0f, alias[i] = i;
  for (int32_t i : small) prob[i] = 1.0f, alias[i] = i;
}

AliasTable::AliasTable(const std::vector<double>& w) : prob(w.size()), alias(w.size()) {
  build_alias(w.data(), static_cast<int>(w.size()), prob.data(), alias.data());
}

}  // namespace gener::embed
