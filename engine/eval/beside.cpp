// beside.cpp — models, correlation and gene-degree baselines on one labelled pair set, overall and per stratum.
#include "engine/eval/beside.h"

#include <algorithm>

#include "engine/metrics/correlation.h"
#include "kernels/check.h"

namespace gener::eval {

const MethodResult* Beside::find(const std::string& name) const {
  for (const MethodResult& m : methods)
    if (m.name == name) return &m;
  return nullptr;
}

Beside evaluate_beside(const std::vector<MethodScores>& models, const data::Expression& expr,
                       const data::PairSet& pairs, const GeneTraining* training, const std::string& origin) {
  GENER_CHECK(pairs.size() > 0, origin << ": no pairs to evaluate");
  GENER_CHECK(pairs.labelled(), origin << ": pairs need a 0/1 label column here");
  const std::vector<int> labels(pairs.label.begin(), pairs.label.end());
  const size_t n_pos = static_cast<size_t>(std::count(labels.begin(), labels.end(), 1));
  GENER_CHECK(n_pos > 0 && n_pos < labels.size(), origin << ": " << n_pos << " of " << labels.size()
                                                         << " pairs are labelled 1: evaluation needs both classes");
  GENER_CHECK(!training || static_cast<int>(training->seen.size()) == expr.n_genes(),
              origin << ": training-pair table covers " << training->seen.size() << " genes, the matrix has "
                     << expr.n_genes());
  std::vector<MethodScores> all = models;
  all.push_back({kCorrelation, metrics::correlation_to_probability(metrics::pearson_scores(
                                   expr.values.data(), expr.n_genes(), expr.L, pairs.ab.data(), pairs.size()))});
  Beside out;
  std::vector<Stratum> strata, strata_pos;
  if (training) {
    all.push_back({kGeneDegree, degree_scores(*training, pairs)});
    strata = strata_of(pairs, training->seen);
    out.strata = strata_counts(strata, labels);
    std::vector<uint8_t> has_positive(training->degree.size());
    for (size_t g = 0; g < has_positive.size(); ++g) has_positive[g] = training->degree[g] > 0 ? 1 : 0;
    strata_pos = strata_of(pairs, has_positive);
    out.strata_positive = strata_counts(strata_pos, labels);
  } else {
    out.note = "the model does not record its training pairs: no gene-degree baseline and no C1/C2/C3 strata";
  }
  for (MethodScores& m : all) {
    GENER_CHECK(m.scores.size() == pairs.size(), origin << ": " << m.name << " has " << m.scores.size()
                                                        << " scores for " << pairs.size() << " pairs");
    MethodResult r;
    r.name = m.name;
    r.metrics = metrics::compute_metrics(m.scores, labels);
    r.json = metrics::metrics_to_json(r.metrics);
    if (training) {
      r.json["strata"] = stratified_metrics(m.scores, labels, strata);
      r.json["strata_positive"] = stratified_metrics(m.scores, labels, strata_pos);
    }
    out.methods.push_back(std::move(r));
  }
  return out;
}

}  // namespace gener::eval
