// link_prediction.cpp — Hadamard edge features and the logistic regression over them.
#include "engine/embed/link_prediction.h"

#include "kernels/check.h"

namespace gener::embed {

void HadamardRows::row(size_t i, float* out) const {
  const float* a = e_.row(p_.ab[2 * i]);
  const float* b = e_.row(p_.ab[2 * i + 1]);
  for (int k = 0; k < e_.dim; ++k) out[k] = a[k] * b[k];
}

LinkPrediction predict_links(const Embedding& e, const data::Splits& splits, const LogisticOptions& o) {
  const data::PairSet& tr = splits.train;
  const size_t pos = tr.n_positive();
  GENER_CHECK(tr.labelled() && pos > 0 && pos < tr.size(),
              "link prediction: the training split needs labelled pairs of both classes (" << pos << " of " << tr.size()
                                                                                           << " labelled 1)");
  LinkPrediction out;
  out.model = fit_logistic(HadamardRows(e, tr), tr.label.data(), o);
  if (splits.val.size() > 0) out.val_scores = predict_logistic(out.model, HadamardRows(e, splits.val));
  if (splits.test.size() > 0) out.test_scores = predict_logistic(out.model, HadamardRows(e, splits.test));
  return out;
}

}  // namespace gener::embed
