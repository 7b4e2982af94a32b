// experiment_common.h — what `gener prepare`, `gener experiment` and `--dataset` share: experiment files,
// writing and loading the dataset cache with a summary on the terminal.
#pragma once
#include <map>
#include <optional>
#include <string>

#include "engine/core/checkpoint.h"
#include "engine/core/experiment_config.h"
#include "engine/data/dataset_cache.h"
#include "engine/data/prepare.h"
#include "engine/eval/training_pairs.h"

namespace gener::app {

// An experiment file; relative model/train files are found beside it, in the working directory or in the
// repository ("configs/model/paper.yaml"). A non-empty `data_root` replaces experiment.data_root.
core::ExperimentConfig load_experiment(const std::string& path, const std::string& data_root);

// Run prepare (timed, the summary printed to stdout) and write the cache atomically to `cache_path`.
data::PreparedDataset prepare_and_cache(const data::PrepareSpec& spec, const std::string& cache_path, bool quiet);

// Load a cache written by prepare; one "[dataset] ..." line on stderr unless quiet.
data::DatasetCache load_cache(const std::string& path, bool quiet);

// What a trained model records about its data (core::FitOptions::metadata): "expression" (the resolved
// ExpressionSpec, when known: `expression_spec` may be null), "expression_samples" (the arrays' names) and
// "training_pairs" (the degree table of `train`), so score/eval reapply the preprocessing and report the
// gene-degree baseline and C1/C2/C3 strata.
std::map<std::string, std::string> model_metadata(const nlohmann::json& expression_spec, const data::Expression& e,
                                                  const data::PairSet& train);

// The training-pair table a checkpoint records (nullopt when it has none).
std::optional<eval::TrainingPairsTable> recorded_training_pairs(const core::Checkpoint& ck, const std::string& path);

// A file-name form of a report label: "CNN only" -> "cnn_only".
std::string slug(const std::string& label);

}  // namespace gener::app
