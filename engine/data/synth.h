// synth.h — deterministic synthetic expression + interaction dataset (hidden regulatory programs), from a seed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/data/expression.h"
#include "engine/data/pairs.h"

namespace gener::data {

// The generative model (every draw from std::mt19937_64 through engine/data/random.h, so the output is
// bit-identical on every platform):
//  - `programs` hidden regulatory programs; program k is active on its own random subset A_k of the samples
//    (a fraction drawn in [active_min, active_max]) with a signal s_kj ~ N(0, 1) on A_k, 0 elsewhere.
//  - each gene belongs to one program (probability 1 - unassigned_frac, program uniform) or to none; its
//    loading w_g has sign + with probability activator_frac (activators) else - (repressors), and magnitude
//    uniform in [loading_min, loading_max].
//  - x_gj = baseline_g + c_g * batch_j + w_g * s_{p(g) j} + noise * e_gj, with baseline_g ~ N(0, baseline_sd),
//    c_g ~ N(0, batch), batch_j ~ N(0, 1), e_gj ~ N(0, 1).
//  - positives: distinct unordered pairs of genes in the same program, drawn uniformly without replacement;
//    negatives: uniform random pairs of distinct genes that are not positives, no duplicates. Every pair is
//    stored with a < b; the set is shuffled.
// Interacting genes co-vary on their program's samples, but with the sign of w_a * w_b: positives are
// anti-correlated as often as a repressor is involved, so signed Pearson correlation is a weak score while
// |correlation| (or a model that learns the programs) separates the classes.
struct SynthConfig {
  int genes = 5950;
  int samples = 536;
  size_t pairs = 977481;         // total; floor(pairs / 2) positives, the rest negatives
  int programs = 0;              // 0 = automatic: about 1.5x as many same-program pairs as positives needed
  double unassigned_frac = 0.2;  // genes in no program
  double active_min = 0.15, active_max = 0.35;  // fraction of samples where a program is active
  double activator_frac = 0.75;  // share of positive loadings
  double loading_min = 0.6, loading_max = 1.4;  // |w_g|
  double noise = 0.6;            // sd of the per-value Gaussian noise
  double batch = 0.4;            // sd of the gene-specific factor on the global per-sample batch effect
  double baseline_sd = 0.5;      // sd of the gene baselines (mean 0)
  uint64_t seed = 1;
};

struct SynthDataset {
  Expression expr;                        // genes G1..Gn, (G, L)
  PairSet pairs;                          // (N) balanced and shuffled
  std::vector<int> program;               // (G) program of each gene, -1 for none
  std::vector<float> loading;             // (G) w_g (0 for genes in no program)
  std::vector<std::vector<int>> active;   // (P) sorted sample indices where each program is active
};

// Number of programs `make_synth` uses for `cfg` (cfg.programs, or the automatic choice).
int synth_program_count(const SynthConfig& cfg);

// Generate the dataset. Throws when the configuration cannot give enough positives or negatives.
SynthDataset make_synth(const SynthConfig& cfg);

}  // namespace gener::data
