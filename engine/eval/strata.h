// strata.h — test pairs by how many of their genes occur in training pairs (C1 both, C2 one, C3 neither), and the
// metrics of a scored set within each stratum ("n/a" where a stratum is empty or holds one class).
#pragma once
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/pairs.h"

namespace gener::eval {

enum class Stratum : uint8_t { C1 = 0, C2 = 1, C3 = 2 };
const char* stratum_name(Stratum s);  // "C1", "C2", "C3"

// seen: (G) 1 when a gene occurs in a training pair.
std::vector<Stratum> strata_of(const data::PairSet& pairs, const std::vector<uint8_t>& seen);

// {"C1": {"pairs", "positives"}, ...}
nlohmann::json strata_counts(const std::vector<Stratum>& strata, const std::vector<int>& labels);

// Per stratum: "pairs", "positives", and the metrics_to_json keys; where the stratum is empty or one-labelled the
// metric keys are null and "note" says "n/a: no pairs" / "n/a: only positives" / "n/a: only negatives".
nlohmann::json stratified_metrics(const std::vector<float>& scores, const std::vector<int>& labels,
                                  const std::vector<Stratum>& strata);

}  // namespace gener::eval
