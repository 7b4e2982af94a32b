// synth.cpp — the hidden-program generator behind `gener synth` and the embedded default dataset.
#include "engine/data/synth.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_set>

#include "engine/data/random.h"
#include "kernels/check.h"

namespace gener::data {

namespace {

// Independent random streams, so that e.g. a different pair count leaves the expression matrix unchanged.
enum Stream : uint64_t { kStructure = 1, kNoise = 2, kPositives = 3, kNegatives = 4, kShuffle = 5 };

void check_config(const SynthConfig& c) {
  GENER_CHECK(c.genes >= 2, "synth: genes = " << c.genes << ", need at least 2");
  GENER_CHECK(c.samples >= 2, "synth: samples = " << c.samples << ", need at least 2");
  GENER_CHECK(c.programs >= 0, "synth: programs = " << c.programs << " is negative");
  GENER_CHECK(c.unassigned_frac >= 0 && c.unassigned_frac < 1, "synth: unassigned_frac " << c.unassigned_frac
                                                                                         << " not in [0, 1)");
  GENER_CHECK(c.active_min > 0 && c.active_min <= c.active_max && c.active_max <= 1,
              "synth: need 0 < active_min <= active_max <= 1, got " << c.active_min << ", " << c.active_max);
  GENER_CHECK(c.activator_frac >= 0 && c.activator_frac <= 1, "synth: activator_frac " << c.activator_frac
                                                                                      << " not in [0, 1]");
  GENER_CHECK(c.loading_min >= 0 && c.loading_min <= c.loading_max,
              "synth: need 0 <= loading_min <= loading_max, got " << c.loading_min << ", " << c.loading_max);
  GENER_CHECK(c.noise >= 0 && c.batch >= 0 && c.baseline_sd >= 0, "synth: noise, batch and baseline_sd must be >= 0");
}

}  // namespace

int synth_program_count(const SynthConfig& cfg) {
  if (cfg.programs > 0) return cfg.programs;
  double assigned = cfg.genes * (1.0 - cfg.unassigned_frac);
  double n_pos = std::max(1.0, static_cast<double>(cfg.pairs / 2));
  // P programs of assigned/P genes hold about assigned^2 / (2P) same-program pairs: aim for 1.5x n_pos.
  int p = static_cast<int>(std::floor(assigned * assigned / (3.0 * n_pos)));
  int cap = std::max(1, static_cast<int>(assigned / 8));
  return std::clamp(p, 1, cap);
}

SynthDataset make_synth(const SynthConfig& cfg) {
  check_config(cfg);
  const int G = cfg.genes, L = cfg.samples, P = synth_program_count(cfg);
  SynthDataset ds;

  // ---- structure: programs, memberships, loadings, baselines, batch ----
  std::mt19937_64 rng(mix_seed(cfg.seed, kStructure));
  NormalSource normal;
  ds.active.resize(static_cast<size_t>(P));
  std::vector<float> signal(static_cast<size_t>(P) * L, 0.0f);  // (P, L) s_kj, zero off the active samples
  std::vector<int> perm(static_cast<size_t>(L));
  for (int k = 0; k < P; ++k) {
    double frac = cfg.active_min + (cfg.active_max - cfg.active_min) * uniform01(rng);
    int n_active = std::clamp(static_cast<int>(std::lround(frac * L)), 2, L);
    std::iota(perm.begin(), perm.end(), 0);
    shuffle_n(perm.data(), perm.size(), rng);
    std::vector<int>& act = ds.active[static_cast<size_t>(k)];
    act.assign(perm.begin(), perm.begin() + n_active);
    std::sort(act.begin(), act.end());
    for (int j : act) signal[static_cast<size_t>(k) * L + j] = static_cast<float>(normal(rng));
  }
  ds.program.assign(static_cast<size_t>(G), -1);
  ds.loading.assign(static_cast<size_t>(G), 0.0f);
  std::vector<double> baseline(static_cast<size_t>(G)), factor(static_cast<size_t>(G));
  for (int g = 0; g < G; ++g) {
    if (uniform01(rng) >= cfg.unassigned_frac) {
      ds.program[g] = static_cast<int>(uniform_below(rng, static_cast<uint64_t>(P)));
      double mag = cfg.loading_min + (cfg.loading_max - cfg.loading_min) * uniform01(rng);
      ds.loading[g] = static_cast<float>(uniform01(rng) < cfg.activator_frac ? mag : -mag);
    }
    baseline[g] = cfg.baseline_sd * normal(rng);
    factor[g] = cfg.batch * normal(rng);
  }
  std::vector<double> batch(static_cast<size_t>(L));  // (L) global per-sample batch effect
  for (int j = 0; j < L; ++j) batch[j] = normal(rng);

  // ---- expression ----
  Expression& e = ds.expr;
  e.L = L;
  e.genes.resize(static_cast<size_t>(G));
  for (int g = 0; g < G; ++g) e.genes[g] = "G" + std::to_string(g + 1);
  e.values.resize(static_cast<size_t>(G) * L);  // (G, L)
  std::mt19937_64 noise_rng(mix_seed(cfg.seed, kNoise));
  NormalSource noise;
  for (int g = 0; g < G; ++g) {
    const float* s = ds.program[g] >= 0 ? signal.data() + static_cast<size_t>(ds.program[g]) * L : nullptr;
    float* x = e.values.data() + static_cast<size_t>(g) * L;
    for (int j = 0; j < L; ++j) {
      double v = baseline[g] + factor[g] * batch[j] + cfg.noise * noise(noise_rng);
      if (s) v += static_cast<double>(ds.loading[g]) * s[j];
      x[j] = static_cast<float>(v);
    }
  }
  e.build_index();

  // ---- positives: same-program pairs, uniform without replacement (selection sampling) ----
  std::vector<std::vector<int>> members(static_cast<size_t>(P));  // ascending gene rows
  for (int g = 0; g < G; ++g) {
    if (ds.program[g] >= 0) members[static_cast<size_t>(ds.program[g])].push_back(g);
  }
  uint64_t same_program = 0;
  for (const auto& m : members) same_program += static_cast<uint64_t>(m.size()) * (m.size() - (m.empty() ? 0 : 1)) / 2;
  const uint64_t n_pos = cfg.pairs / 2, n_neg = cfg.pairs - n_pos;
  GENER_CHECK(n_pos <= same_program, "synth: " << n_pos << " positive pairs requested but the " << P
                                               << " programs hold only " << same_program
                                               << " same-program pairs (use fewer programs or pairs)");
  const uint64_t all_pairs = static_cast<uint64_t>(G) * static_cast<uint64_t>(G - 1) / 2;
  GENER_CHECK(n_neg <= all_pairs - n_pos, "synth: " << n_neg << " negative pairs requested but only "
                                                    << all_pairs - n_pos << " non-interacting pairs exist");
  PairSet& pairs = ds.pairs;
  pairs.ab.reserve(2 * cfg.pairs);
  pairs.label.reserve(cfg.pairs);
  std::unordered_set<uint64_t> taken;  // a * G + b (a < b) of every pair drawn so far
  taken.reserve(static_cast<size_t>(cfg.pairs) * 2);
  {
    std::mt19937_64 prng(mix_seed(cfg.seed, kPositives));
    uint64_t need = n_pos, left = same_program;
    for (const auto& m : members) {
      for (size_t i = 0; i < m.size() && need > 0; ++i) {
        for (size_t j = i + 1; j < m.size() && need > 0; ++j, --left) {
          if (uniform_below(prng, left) >= need) continue;
          pairs.push(m[i], m[j], 1);
          taken.insert(static_cast<uint64_t>(m[i]) * G + static_cast<uint64_t>(m[j]));
          --need;
        }
      }
    }
  }
  // ---- negatives: uniform pairs of distinct genes that are not positives, no duplicates ----
  {
    std::mt19937_64 nrng(mix_seed(cfg.seed, kNegatives));
    uint64_t got = 0;
    while (got < n_neg) {
      uint64_t a = uniform_below(nrng, static_cast<uint64_t>(G)), b = uniform_below(nrng, static_cast<uint64_t>(G));
      if (a == b) continue;
      if (a > b) std::swap(a, b);
      if (!taken.insert(a * G + b).second) continue;
      pairs.push(static_cast<int32_t>(a), static_cast<int32_t>(b), 0);
      ++got;
    }
  }
  // ---- shuffle pairs (order carries no label information) ----
  std::vector<size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 srng(mix_seed(cfg.seed, kShuffle));
  shuffle_n(order.data(), order.size(), srng);
  PairSet shuffled;
  shuffled.ab.resize(pairs.ab.size());
  shuffled.label.resize(pairs.size());
  for (size_t k = 0; k < order.size(); ++k) {
    shuffled.ab[2 * k] = pairs.ab[2 * order[k]];
    shuffled.ab[2 * k + 1] = pairs.ab[2 * order[k] + 1];
    shuffled.label[k] = pairs.label[order[k]];
  }
  ds.pairs = std::move(shuffled);
  return ds;
}

}  // namespace gener::data
