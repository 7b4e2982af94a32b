// gne.h — training GNE as its authors did (kckishan/GNE): every training edge in both directions as (gene,
// neighbour) examples, shuffled mini-batches, Adam, early stopping on the validation AUROC of σ(E_u · E_v).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/data/pairs.h"
#include "engine/data/training_graph.h"
#include "engine/embed/embedding.h"
#include "engine/embed/options.h"

namespace gener::embed {

struct GneTrace {
  std::vector<double> loss;        // mean training loss per epoch
  std::vector<double> val_auroc;   // per epoch (empty without a labelled validation set)
  int best_epoch = -1;             // 0-based epoch whose embedding was kept
};

// alpha = 0: "GNE (topology)", the expression is not used (may be null); alpha > 0 needs `expr` (n, M), the
// gene's normalised expression vectors. `val` (labelled, both classes) drives early stopping; without it every
// epoch runs and the last embedding is kept. Deterministic for a seed and thread count. `progress`: one line per
// epoch on stderr.
Embedding gne_embed(const data::TrainingGraph& g, const Embedding* expr, const data::PairSet& val,
                    const GneOptions& o, double alpha, uint64_t seed, GneTrace* trace = nullptr,
                    bool progress = false);

}  // namespace gener::embed
