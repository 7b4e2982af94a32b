// experiment_baselines.h — an experiment's `baselines:`: every Table 4 embedding baseline resolved to its method and
// settings before anything is trained, then run on the experiment's split and evaluated beside the other rows.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "apps/report.h"
#include "engine/core/experiment_config.h"
#include "engine/data/dataset_cache.h"
#include "engine/embed/baseline.h"
#include "engine/eval/training_pairs.h"

namespace gener::app {

struct PlannedBaseline {
  embed::BaselineSpec spec;
  embed::EmbedOptions options;
  std::string label;  // the report row: the Table 4 name ("node2vec+") unless the entry gives `label`
};

// experiment.baseline_settings (file or mapping; default the built-in values), then each entry's own settings on
// top. "table4" expands to the eight rows in the order of the paper's table. Errors name the file, key and value:
// an unknown method, a bad setting, a label used twice (by a model or another baseline).
std::vector<PlannedBaseline> plan_baselines(const core::ExperimentConfig& cfg);

// The row's directory under the experiment's baselines/: "line_plus", "gne-topology", or slug(label) for a label of
// the entry's own.
std::string baseline_dir_name(const PlannedBaseline& b);

// Runs one baseline on `ds` (threads as set) and writes DIR/embeddings.tsv, test_scores.tsv, val_scores.tsv,
// roc.png, pr.png and metrics.json. Returns the report entry: the test metrics with "strata" (as for a model),
// plus the baseline's "validation", "timing_s", "options", "logistic", "training_graph", "seed".
nlohmann::json run_planned_baseline(const PlannedBaseline& b, const data::DatasetCache& ds,
                                    const eval::GeneTraining& training, const std::string& origin,
                                    const std::string& dir, bool progress, io::CommitGroup* group = nullptr);

// metrics.json's "table4": the paper's ten rows in its order, each {method, paper: {auroc, aupr}, measured: the
// row's test metrics (auroc_micro, aupr_micro, auroc, aupr, mcc, strata, strata_positive, timing_s) or null}.
nlohmann::json table4_json(const std::vector<MeasuredRow>& rows);

}  // namespace gener::app
