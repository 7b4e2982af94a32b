// test_core_random_model.h — what the CPU scoring-path suites (folded batchnorm, bf16/int8) share: a model with
// random weights and batchnorm well off the identity, random pairs, and one scoring pass.
#pragma once
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/network.h"
#include "tests/test_util.h"

namespace gener::core::test_model {

struct Model {
  Graph g;
  std::vector<float> params, state, expr;  // expr (genes, L) uniform in [-2, 2]
};

// Random parameters, batchnorm gammas 1 ± 0.5, biases ± 0.3, running variances 1.2 + u·u and running means
// mean_scale·u (u uniform in [-1, 1]); head.weight scaled by head_scale so that P spreads over (0, 1).
inline Model random_model(const ModelConfig& c, int L, int genes, uint32_t seed, float head_scale = 1.f,
                          float mean_scale = 1.f) {
  Model m{build_gener_graph(c, L), {}, {}, test::random_uniform(static_cast<size_t>(genes) * L, -2.f, 2.f, seed)};
  m.params = init_params(m.g, seed);
  m.state = init_state(m.g);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const ParamInfo& p : m.g.params) {
    const bool bias = p.name.size() >= 5 && p.name.compare(p.name.size() - 5, 5, ".bias") == 0;
    const bool bn = p.name.find(".bn") != std::string::npos;
    for (size_t i = 0; i < p.size(); ++i) {
      if (bn && !bias) m.params[p.offset + i] = 1.f + 0.5f * u(rng);
      else if (bias) m.params[p.offset + i] = 0.3f * u(rng);
      else if (p.name == "head.weight") m.params[p.offset + i] *= head_scale;
    }
  }
  for (const StateInfo& s : m.g.state)
    for (size_t i = 0; i < s.size(); ++i)
      m.state[s.offset + i] =
          s.name.find("running_var") != std::string::npos ? 1.2f + u(rng) * u(rng) : mean_scale * u(rng);
  return m;
}

// B random pairs (B, 2) of genes in [0, genes).
inline std::vector<int32_t> random_pairs(int B, int genes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> gene(0, genes - 1);
  std::vector<int32_t> ab(2 * static_cast<size_t>(B));
  for (auto& v : ab) v = gene(rng);
  return ab;
}

// P(interacting) of each pair; NaN-initialised so a pair the network skipped fails the comparison.
inline std::vector<float> score(Network& net, const std::vector<int32_t>& ab) {
  const int B = static_cast<int>(ab.size() / 2);
  std::vector<float> p(static_cast<size_t>(B), NAN);
  net.predict(ab.data(), B, p.data());
  return p;
}

}  // namespace gener::core::test_model
