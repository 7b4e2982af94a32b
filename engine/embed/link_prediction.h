// link_prediction.h — the GNE authors' link-prediction protocol: edge features = Hadamard product of the two
// genes' vectors; a logistic regression trained on the training pairs scores the validation and test pairs.
#pragma once
#include <vector>

#include "engine/data/pairs.h"
#include "engine/data/split.h"
#include "engine/embed/embedding.h"
#include "engine/embed/logistic.h"

namespace gener::embed {

// Row i = e[a_i] ⊙ e[b_i], computed when asked (no (pairs, dim) matrix is stored).
class HadamardRows : public FeatureRows {
 public:
  HadamardRows(const Embedding& e, const data::PairSet& p) : e_(e), p_(p) {}
  size_t rows() const override { return p_.size(); }
  int cols() const override { return e_.dim; }
  void row(size_t i, float* out) const override;

 private:
  const Embedding& e_;
  const data::PairSet& p_;
};

struct LinkPrediction {
  LogisticModel model;
  std::vector<float> val_scores, test_scores;  // P(interacting), in split order
};

// Fits on splits.train (labels 0/1, both present) and scores splits.val and splits.test.
LinkPrediction predict_links(const Embedding& e, const data::Splits& splits, const LogisticOptions& o);

}  // namespace gener::embed
