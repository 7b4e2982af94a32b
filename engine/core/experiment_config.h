// experiment_config.h — experiment files (configs/experiments/*.yaml): raw data files under a data root, the
// prepare settings, the model(s) and training config; parsed with unknown keys named as errors.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/core/config.h"
#include "engine/data/prepare.h"

namespace gener::core {

struct ExperimentModel {
  std::string label;   // the row name in the report ("GENER", "CNN only")
  ModelConfig model;
  std::string source;  // the model file, or "<inline>"
};

// One `baselines:` entry, read here only as far as core knows it (engine/embed reads the method and settings):
// a method name as embed::parse_baseline_spec takes it ("node2vec+", "gne-topology", or "table4" for all eight
// Table 4 embedding baselines), with the entry's mapping when it gives per-method settings.
struct ExperimentBaseline {
  std::string name;
  YAML::Node settings;  // {method, label?, seed?, isomap: {...}, line: {...}, ...}; null for a bare name
  std::string path;     // "experiment.baselines[2]", for error messages
};

struct ExperimentConfig {
  std::string file;                     // the experiment file
  std::string data_root;                // relative data paths were joined to this
  data::PrepareSpec prepare;            // paths already under data_root
  std::vector<ExperimentModel> models;  // at least one
  TrainConfig train;
  std::string train_source;
  int eval_batch = 4096;
  std::vector<ExperimentBaseline> baselines;  // run after the models, on the same split
  YAML::Node baseline_settings;               // experiment.baseline_settings as a mapping (null when absent)
  std::string baseline_settings_file;         // ... or the file it names (a top-level `baselines:` mapping)
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
//   baselines:    a list of Table 4 embedding baselines: names ("isomap", "line+", "gne-topology", or "table4" for
//                  all eight) or mappings {method: NAME, label, and settings keys of configs/baselines/*.yaml
//                  (seed, isomap: {...}, line: {...}, ...)} that replace baseline_settings for that method
//   baseline_settings: the settings every baseline starts from: a file (top-level `baselines:` mapping, e.g.
//                  configs/baselines/gne_protocol.yaml) or an inline mapping; default: the built-in values
// Relative data paths are under the data root. Relative model/train files are looked up in the experiment
// file's directory, then in each of `config_roots` (e.g. the repository root for "configs/model/paper.yaml").
ExperimentConfig load_experiment_config(const std::string& path, const std::string& data_root_override,
                                        const std::vector<std::string>& config_roots);

// The report's name for a model: "gener" -> "GENER", "gener_cnn_only" -> "CNN only", else the name itself.
std::string model_label(const ModelConfig& m);

}  // namespace gener::core
