// beside.h — the evaluation that goes beside every model result: on the same labelled pairs, the model(s), the
// Pearson-correlation baseline and the gene-degree baseline (which needs the training pairs), each overall and
// per C1/C2/C3 stratum.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/expression.h"
#include "engine/data/pairs.h"
#include "engine/eval/strata.h"
#include "engine/eval/training_pairs.h"
#include "engine/metrics/metrics.h"

namespace gener::eval {

// One method's P(interacting) for each pair, in pair order.
struct MethodScores {
  std::string name;
  std::vector<float> scores;
};

struct MethodResult {
  std::string name;
  metrics::Metrics metrics;  // with the curves
  nlohmann::json json;       // metrics_to_json keys + "strata", "strata_positive" (when the training pairs are known)
};

constexpr const char* kCorrelation = "Correlation";
constexpr const char* kGeneDegree = "Gene degree";

struct Beside {
  std::vector<MethodResult> methods;  // the given methods, then kCorrelation, then kGeneDegree (when training known)
  nlohmann::json strata;              // strata_counts of the pairs, null without the training pairs
  // The same strata by genes with a training *positive*: with uniform negatives nearly every gene is in some
  // training pair, so C1/C2/C3 above can be degenerate while these still separate hubs from unseen genes.
  nlohmann::json strata_positive;
  std::string note;                   // without the training pairs: why the degree baseline and strata are absent
  const MethodResult* find(const std::string& name) const;
};

// `pairs` must be labelled with both classes (an error names `origin`). `training` may be null (a model that does
// not record its training pairs): then only the correlation baseline is added and `note` says why.
Beside evaluate_beside(const std::vector<MethodScores>& models, const data::Expression& expr,
                       const data::PairSet& pairs, const GeneTraining* training, const std::string& origin);

}  // namespace gener::eval
