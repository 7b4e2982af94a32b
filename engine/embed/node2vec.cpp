// node2vec.cpp — walks, then skip-gram over them.
#include "engine/embed/node2vec.h"

#include "engine/embed/skipgram.h"
#include "engine/embed/walks.h"
#include "kernels/check.h"

namespace gener::embed {

Embedding node2vec_embed(const data::TrainingGraph& g, const Node2vecOptions& o, uint64_t seed, int threads) {
  GENER_CHECK(g.n_edges() > 0, "node2vec: the training graph has no edges");
  WalkOptions w;
  w.walk_length = o.walk_length;
  w.walks_per_node = o.walks_per_node;
  w.p = o.p;
  w.q = o.q;
  const Walks walks = node2vec_walks(g, w, seed);
  SkipGramOptions s;
  s.dim = o.dim;
  s.window = o.window;
  s.epochs = o.epochs;
  s.negatives = o.negatives;
  s.learning_rate = o.learning_rate;
  s.min_learning_rate = o.min_learning_rate;
  s.subsample = o.subsample;
  return skipgram_train(walks, g.n_nodes, s, seed, threads);
}

}  // namespace gener::embed
