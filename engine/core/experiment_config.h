// experiment_config.h — experiment files (configs/experiments/*.yaml): raw data files under a data root, the
// prepare settings, the model(s) and training config; parsed with unknown keys named as errors.
#pragma once
#include <string>
#include <vector>

#include "engine/core/config.h"
#include "engine/data/prepare.h"

namespace gener::core {

struct ExperimentModel {
  std::string label;   // the row name in the report ("GENER", "CNN only")
  ModelConfig model;
  std::string source;  // the model file, or "<inline>"
};

struct ExperimentConfig {
  std::string file;                     // the experiment file
  std::string data_root;                // relative data paths were joined to this
  data::PrepareSpec prepare;            // paths already under data_root
  std::vector<ExperimentModel> models;  // at least one
  TrainConfig train;
  std::string train_source;
  int eval_batch = 4096;
};

// Layout (every key under `experiment:`; unknown keys are errors naming the key and line):
//   name, paper_table (0, 3 or 4), data_root (default data/real; `data_root_override` wins when not empty),
//   expression:   {file (or files: a list, stacked), format: matrix | regulation_matrix, orientation: auto |
//                  genes-by-samples | samples-by-genes, gene_map, normalize: none | center | zscore | quantile (each
//                  file on its own), missing: error | impute | drop-genes, max_missing (drop-genes, in [0, 1]),
//                  genes: intersection | union}
//   interactions: {file (may be a glob pattern), format: biogrid | edges, by_index, organism, systems: [physical,
//                  genetic]}
//   negatives:    {sampling: uniform | degree_matched, ratio} (or just the sampling name)
//   split:        {by: pairs | genes, test, validation (fractions of pairs, or of genes: 0.2 each by default),
//                  seed, validation_npy, test_npy} (or just pairs / genes)
//   model:        a model file (with top-level `model:`) or an inline model mapping; or
//   models:       a list of {label, config: file or mapping}
//   train:        a training file (with top-level `train:`) or an inline train mapping
//   eval:         {batch}
// Relative data paths are under the data root. Relative model/train files are looked up in the experiment
// file's directory, then in each of `config_roots` (e.g. the repository root for "configs/model/paper.yaml").
ExperimentConfig load_experiment_config(const std::string& path, const std::string& data_root_override,
                                        const std::vector<std::string>& config_roots);

// The report's name for a model: "gener" -> "GENER", "gener_cnn_only" -> "CNN only", else the name itself.
std::string model_label(const ModelConfig& m);

}  // namespace gener::core
