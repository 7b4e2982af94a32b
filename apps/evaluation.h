// evaluation.h — score a labelled pair set with a model and evaluate it beside the correlation and gene-degree
// baselines (overall and C1/C2/C3); write metrics.json and the curves; print the headline numbers.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "engine/core/network.h"
#include "engine/data/expression.h"
#include "engine/data/pairs.h"
#include "engine/eval/training_pairs.h"

namespace gener::app {

// Scores `pairs` with `net`; `training` (may be null) gives the gene-degree baseline and the strata. Writes
// out_dir/metrics.json, roc.png, pr.png and the raw curve TSVs; returns the JSON: the model's metrics at the top
// level with its "strata", "baseline_correlation" and "baseline_degree" (each with "strata"), "strata_counts",
// "model", "pairs_file", and the keys of `extra` (e.g. "pairs_without_data").
nlohmann::json evaluate_and_report(core::Network& net, const std::string& model_name, const data::Expression& expr,
                                   const data::PairSet& pairs, const eval::GeneTraining* training,
                                   const std::string& origin, const std::string& out_dir, bool progress,
                                   const nlohmann::json& extra = nlohmann::json::object());

// Scores only (no files): the model's metrics JSON on `pairs` (e.g. the validation split).
nlohmann::json model_metrics(core::Network& net, const data::PairSet& pairs, const std::string& origin);

// The per-model part of evaluate_and_report's JSON: without the baselines and stratum counts the models share.
nlohmann::json model_part(nlohmann::json m);

// One readable block of the headline numbers for the terminal: the model, the baselines, then C1/C2/C3.

void print_metrics(const nlohmann::json& m);

}  // namespace gener::app
