// skipgram.h — word2vec's skip-gram with negative sampling over node sequences (gensim's defaults and update:
// reduced random windows, down-sampling of frequent nodes, count^0.75 negatives, linearly decayed rate).
#pragma once
#include <cstdint>

#include "engine/embed/embedding.h"
#include "engine/embed/walks.h"

namespace gener::embed {

struct SkipGramOptions {
  int dim = 128;
  int window = 10;
  int epochs = 1;
  int negatives = 5;
  double learning_rate = 0.025, min_learning_rate = 0.0001;
  double subsample = 1e-3;
};

// The input vectors (n_nodes, dim). Nodes that never occur keep their random initial vector, as in gensim
// with min_count = 0. Sentences are split into one contiguous share per thread (0 = OpenMP's count); with one
// thread the result is deterministic for a seed, with more the updates race (Hogwild) as in word2vec.
Embedding skipgram_train(const Walks& walks, int n_nodes, const SkipGramOptions& o, uint64_t seed, int threads);

}  // namespace gener::embed
