// evaluation.cpp — metrics of GENER and of the Pearson baseline on one labelled split.
#include "apps/evaluation.h"

#include <algorithm>
#include <cstdio>

#include "apps/app_common.h"
#include "engine/core/trainer.h"
#include "engine/metrics/correlation.h"
#include "engine/metrics/curves.h"
#include "engine/metrics/metrics.h"
#include "kernels/check.h"

namespace gener::app {

nlohmann::json evaluate_and_report(core::Network& net, const data::Expression& expr, const data::PairSet& pairs,
                                   const std::string& origin, const std::string& out_dir, bool progress,
                                   io::CommitGroup* group) {
  std::vector<int> labels = labels_of(pairs, origin);
  const size_t n_pos = static_cast<size_t>(std::count(labels.begin(), labels.end(), 1));
  GENER_CHECK(n_pos > 0 && n_pos < labels.size(), origin << ": " << n_pos << " of " << labels.size()
                                                         << " pairs are labelled 1: evaluation needs both classes");
  std::vector<float> scores(pairs.size());
  core::predict_pairs(net, pairs.ab.data(), pairs.size(), scores.data(), progress);
  metrics::Metrics m = metrics::compute_metrics(scores, labels);
  std::vector<float> r = metrics::pearson_scores(expr.values.data(), expr.n_genes(), expr.L, pairs.ab.data(),
                                                 pairs.size());
  metrics::Metrics base = metrics::compute_metrics(metrics::correlation_to_probability(r), labels);
  nlohmann::json j = metrics::metrics_to_json(m);
  j["baseline_correlation"] = metrics::metrics_to_json(base);
  j["pairs_file"] = origin;
  metrics::write_metric_curves(out_dir + "/", m, &base, group);
  write_json(out_dir + "/metrics.json", j, group);
  return j;
}

void print_metrics(const nlohmann::json& m) {
  const auto& b = m["baseline_correlation"];
  std::printf("%-22s %10s %10s %10s %10s %8s\n", "", "AUROC", "AUPR", "AUROC+", "AUPR+", "MCC");
  std::printf("%-22s %10.4f %10.4f %10.4f %10.4f %8.4f\n", "GENER", m["auroc_micro"].get<double>(),
              m["aupr_micro"].get<double>(), m["auroc"].get<double>(), m["aupr"].get<double>(),
              m["mcc"][1].get<double>());
  std::printf("%-22s %10.4f %10.4f %10.4f %10.4f %8.4f\n", "Correlation (Pearson)", b["auroc_micro"].get<double>(),
              b["aupr_micro"].get<double>(), b["auroc"].get<double>(), b["aupr"].get<double>(),
              b["mcc"][1].get<double>());
  std::printf("(AUROC/AUPR: micro-averaged over both classes, as the paper reports; +: positive class; n = %lld pairs)\n",
              m["n_pairs"].get<long long>());
}

}  // namespace gener::app
