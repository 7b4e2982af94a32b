// strata.cpp — C1/C2/C3 classification of pairs and per-stratum metrics.
#include "engine/eval/strata.h"

#include "engine/metrics/metrics.h"
#include "kernels/check.h"

namespace gener::eval {

const char* stratum_name(Stratum s) {
  switch (s) {
    case Stratum::C1: return "C1";
    case Stratum::C2: return "C2";
    case Stratum::C3: return "C3";
  }
  return "?";
}

std::vector<Stratum> strata_of(const data::PairSet& pairs, const std::vector<uint8_t>& seen) {
  const int G = static_cast<int>(seen.size());
  std::vector<Stratum> out(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int32_t a = pairs.ab[2 * i], b = pairs.ab[2 * i + 1];
    GENER_CHECK(a >= 0 && a < G && b >= 0 && b < G,
                "strata: pair " << i << " (" << a << ", " << b << ") names a gene outside [0, " << G << ")");
    out[i] = static_cast<Stratum>(2 - (seen[a] ? 1 : 0) - (seen[b] ? 1 : 0));
  }
  return out;
}

nlohmann::json strata_counts(const std::vector<Stratum>& strata, const std::vector<int>& labels) {
  GENER_CHECK(strata.size() == labels.size(), "strata: " << strata.size() << " strata for " << labels.size()
                                                         << " labels");
  int64_t n[3] = {0, 0, 0}, pos[3] = {0, 0, 0};
  for (size_t i = 0; i < strata.size(); ++i) {
    const int k = static_cast<int>(strata[i]);
    ++n[k];
    pos[k] += labels[i] == 1 ? 1 : 0;
  }
  nlohmann::json j = nlohmann::json::object();
  for (Stratum s : {Stratum::C1, Stratum::C2, Stratum::C3}) {
    const int k = static_cast<int>(s);
    j[stratum_name(s)] = {{"pairs", n[k]}, {"positives", pos[k]}};
  }
  return j;
}

nlohmann::json stratified_metrics(const std::vector<float>& scores, const std::vector<int>& labels,
                                  const std::vector<Stratum>& strata) {
  GENER_CHECK(scores.size() == labels.size() && strata.size() == labels.size(),
              "strata: " << scores.size() << " scores, " << labels.size() << " labels, " << strata.size() << " strata");
  nlohmann::json out = strata_counts(strata, labels);
  for (Stratum s : {Stratum::C1, Stratum::C2, Stratum::C3}) {
    std::vector<float> sc;
    std::vector<int> lb;
    for (size_t i = 0; i < strata.size(); ++i)
      if (strata[i] == s) {
        sc.push_back(scores[i]);
        lb.push_back(labels[i]);
      }
    nlohmann::json& j = out[stratum_name(s)];
    const int64_t pos = j["positives"].get<int64_t>(), n = j["pairs"].get<int64_t>();
    if (n == 0 || pos == 0 || pos == n) {
      for (const char* k : {"auroc_micro", "aupr_micro", "auroc", "aupr", "mcc", "accuracy"}) j[k] = nullptr;
      j["note"] = n == 0 ? "n/a: no pairs" : pos == 0 ? "n/a: only negatives" : "n/a: only positives";
      continue;
    }
    nlohmann::json m = metrics::metrics_to_json(metrics::compute_metrics(sc, lb));
    for (auto it = m.begin(); it != m.end(); ++it)
      if (it.key() != "n_pairs" && it.key() != "n_pos") j[it.key()] = it.value();
  }
  return out;
}

}  // namespace gener::eval
