// evaluation.cpp — a model beside the Pearson and gene-degree baselines on one labelled split, with strata.
#include "apps/evaluation.h"

#include <cstdio>

#include "apps/app_common.h"
#include "engine/core/trainer.h"
#include "engine/eval/beside.h"
#include "engine/metrics/curves.h"
#include "engine/metrics/metrics.h"
#include "kernels/check.h"

namespace gener::app {

nlohmann::json evaluate_and_report(core::Network& net, const std::string& model_name, const data::Expression& expr,
                                   const data::PairSet& pairs, const eval::GeneTraining* training,
                                   const std::string& origin, const std::string& out_dir, bool progress,
                                   const nlohmann::json& extra) {
  labels_of(pairs, origin);
  std::vector<float> scores(pairs.size());
  core::predict_pairs(net, pairs.ab.data(), pairs.size(), scores.data(), progress);
  const eval::Beside b = eval::evaluate_beside({{model_name, std::move(scores)}}, expr, pairs, training, origin);
  const eval::MethodResult& model = b.methods.front();
  nlohmann::json j = model.json;
  j["model"] = model_name;
  j["baseline_correlation"] = b.find(eval::kCorrelation)->json;
  if (const eval::MethodResult* d = b.find(eval::kGeneDegree)) {
    j["baseline_degree"] = d->json;
    j["strata_counts"] = b.strata;
    j["strata_positive_counts"] = b.strata_positive;
  } else {
    j["baseline_degree"] = nullptr;
    j["baseline_degree_note"] = b.note;
  }
  j["pairs_file"] = origin;
  for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
  metrics::write_metric_curves(out_dir + "/", model.metrics, &b.find(eval::kCorrelation)->metrics);
  write_json(out_dir + "/metrics.json", j);
  return j;
}

nlohmann::json model_part(nlohmann::json m) {
  for (const char* k : {"baseline_correlation", "baseline_degree", "strata_counts", "strata_positive_counts"})
    m.erase(k);
  return m;
}

nlohmann::json model_metrics(core::Network& net, const data::PairSet& pairs, const std::string& origin) {
  std::vector<int> labels = labels_of(pairs, origin);
  std::vector<float> scores(pairs.size());
  core::predict_pairs(net, pairs.ab.data(), pairs.size(), scores.data(), false);
  return metrics::metrics_to_json(metrics::compute_metrics(scores, labels));
}

namespace {

std::string cell(const nlohmann::json& m, const char* key) {
  if (!m.is_object() || !m.contains(key) || !m[key].is_number()) return "n/a";
  char b[16];
  std::snprintf(b, sizeof(b), "%.4f", m[key].get<double>());
  return b;
}

void row(const std::string& name, const nlohmann::json& m) {
  if (!m.is_object()) return;
  std::printf("%-24s %10s %10s %10s %10s %8.4f\n", name.c_str(), cell(m, "auroc_micro").c_str(),
              cell(m, "aupr_micro").c_str(), cell(m, "auroc").c_str(), cell(m, "aupr").c_str(),
              m["mcc"][1].get<double>());
}

}  // namespace

void print_metrics(const nlohmann::json& m) {
  const std::string name = m.value("model", std::string("GENER"));
  std::printf("%-24s %10s %10s %10s %10s %8s\n", "", "AUROC", "AUPR", "AUROC+", "AUPR+", "MCC");
  row(name, m);
  row("Correlation (Pearson)", m["baseline_correlation"]);
  row("Gene degree (training)", m["baseline_degree"]);
  std::printf("(AUROC/AUPR: micro-averaged over both classes, as the paper reports; +: positive class; n = %lld pairs)\n",
              m["n_pairs"].get<long long>());
  if (!m.contains("strata_counts")) {
    std::printf("(%s)\n", m.value("baseline_degree_note", std::string()).c_str());
    return;
  }
  auto strata_block = [&](const char* title, const char* counts_key, const char* key) {
    if (!m.contains(counts_key)) return;
    std::printf("%s (AUROC micro):\n%-24s", title, "");
    for (const char* k : {"C1", "C2", "C3"}) {
      const auto& c = m[counts_key][k];
      char h[48];
      std::snprintf(h, sizeof(h), "%s n=%lld", k, c["pairs"].get<long long>());
      std::printf(" %16s", h);
    }
    std::printf("\n");
    auto strata_row = [&](const std::string& label, const nlohmann::json& x) {
      if (!x.is_object() || !x.contains(key)) return;
      std::printf("%-24s", label.c_str());
      for (const char* k : {"C1", "C2", "C3"}) std::printf(" %16s", cell(x[key][k], "auroc_micro").c_str());
      std::printf("\n");
    };
    strata_row(name, m);
    strata_row("Correlation (Pearson)", m["baseline_correlation"]);
    strata_row("Gene degree (training)", m["baseline_degree"]);
  };
  strata_block("by genes seen in training pairs", "strata_counts", "strata");
  strata_block("by genes with a training positive", "strata_positive_counts", "strata_positive");
  std::printf("(C1: both genes in a training pair (or with a training positive), C2: one, C3: neither)\n");
}

}  // namespace gener::app
