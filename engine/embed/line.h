// line.h — LINE (Tang et al. 2015): first- and second-order proximity embeddings learned by edge sampling
// (alias method), negative sampling (degree^0.75) and asynchronous SGD over threads; concatenated d/2 + d/2.
#pragma once
#include <cstdint>

#include "engine/data/training_graph.h"
#include "engine/embed/embedding.h"
#include "engine/embed/options.h"

namespace gener::embed {

// One order (1 or 2) of dimension `dim`: samples_millions * 1e6 arc samples shared by `threads` threads
// (0 = OpenMP's current count), learning rate decayed linearly from o.learning_rate to 1e-4 of it.
// Deterministic for a seed with one thread; with more, the updates race (Hogwild) as in the reference code.
Embedding line_order(const data::TrainingGraph& g, int order, int dim, const LineOptions& o, uint64_t seed,
                     int threads);

// Both orders (o.dim / 2 each), each L2-normalised by row when o.normalize, concatenated [first | second].
Embedding line_embed(const data::TrainingGraph& g, const LineOptions& o, uint64_t seed, int threads);

}  // namespace gener::embed
