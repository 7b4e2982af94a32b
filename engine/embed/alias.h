// alias.h — Walker's alias method (Vose's construction): O(n) build, O(1) draws from a discrete distribution.
// Used for LINE's edge and negative sampling, node2vec's second-order transitions and skip-gram's negatives.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/embed/rng.h"

namespace gener::embed {

// Fill prob[0..n) and alias[0..n) (caller storage, so many small tables can be packed in one buffer) for the
// non-negative weights w[0..n), whose sum must be positive. Draw: i uniform, keep i with probability prob[i],
// else take alias[i].
void build_alias(const double* w, int n, float* prob, int32_t* alias);

inline int alias_draw(const float* prob, const int32_t* alias, int n, Rng& rng) {
  const int i = static_cast<int>(rng.below(static_cast<uint32_t>(n)));
  return rng.uniform_f() < prob[i] ? i : alias[i];
}

// One table with its own storage.
struct AliasTable {
  std::vector<float> prob;
  std::vector<int32_t> alias;

  AliasTable() = default;
  explicit AliasTable(const std::vector<double>& w);
  int size() const { return static_cast<int>(prob.size()); }
  int draw(Rng& rng) const { return alias_draw(prob.data(), alias.data(), size(), rng); }
};

}  // namespace gener::embed
