// node2vec.h — node2vec (Grover & Leskovec 2016): biased walks (walks.h) fed to skip-gram (skipgram.h).
#pragma once
#include <cstdint>

#include "engine/data/training_graph.h"
#include "engine/embed/embedding.h"
#include "engine/embed/options.h"

namespace gener::embed {

// Walk generation is deterministic for a seed on any thread count; skip-gram is with one thread.
Embedding node2vec_embed(const data::TrainingGraph& g, const Node2vecOptions& o, uint64_t seed, int threads);

}  // namespace gener::embed
