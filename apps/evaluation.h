// evaluation.h — score a labelled pair set with a model and the correlation baseline; write metrics.json and curves.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/core/network.h"
#include "engine/data/expression.h"
#include "engine/data/pairs.h"
#include "engine/io/atomic_file.h"

namespace gener::app {

// Writes out_dir/metrics.json (model metrics + "baseline_correlation"), out_dir/roc.png, pr.png and the
// raw curve TSVs (with `group`: committed with the run's other outputs); returns the JSON.
nlohmann::json evaluate_and_report(core::Network& net, const data::Expression& expr, const data::PairSet& pairs,
                                   const std::string& origin, const std::string& out_dir, bool progress,
                                   io::CommitGroup* group = nullptr);

// The files evaluate_and_report writes into its directory (for the output guard).
inline const std::vector<std::string>& evaluation_files() {
  static const std::vector<std::string> k = {"metrics.json", "roc.png", "pr.png", "roc.tsv", "pr.tsv"};
  return k;
}

// One readable block of the headline numbers for the terminal.
void print_metrics(const nlohmann::json& m);

}  // namespace gener::app
