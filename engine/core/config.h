// config.h — the model and training configurations (every architecture number comes from here) and their YAML parsers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/range.h"
#include "engine/core/yaml_reader.h"

namespace gener::core {

// The allowed range of every numeric config value; the command-line options that override them use the same
// (apps/cli_checks.h), so `--epochs -3` and `epochs: -3` fail alike.
namespace range {
inline const Bounds kFilters = Bounds::closed(1, 65536);        // conv filters
inline const Bounds kKernel = Bounds::closed(1, 65536);         // conv kernel height/width (the graph checks the fit)
inline const Bounds kUnits = Bounds::closed(1, 1 << 20);        // dense layer width
inline const Bounds kUnitInterval = Bounds::half_open(0, 1);    // dropout, batchnorm / SGD momentum, Adam betas
inline const Bounds kPositive = Bounds::open_closed(0, 1e30);  // epsilons, learning rate, decay rate (fit a float)
inline const Bounds kDecaySteps = Bounds::closed(1, 2147483647);
inline const Bounds kBatch = Bounds::closed(1, 1 << 24);
inline const Bounds kEpochs = Bounds::closed(1, 1000000);
inline const Bounds kPatience = Bounds::closed(0, 1000000);     // 0: no early stopping
inline const Bounds kFraction = Bounds::half_open(0, 1);       // test / validation fractions of a split
inline const Bounds kRatio = Bounds::open_closed(0, 1000);      // sampled negatives per positive
inline const Bounds kSeed = Bounds::closed(0, 9007199254740992.0);  // 2^53: every seed survives a JSON/float64 trip
}  // namespace range

struct ConvLayerConfig {
  int filters = 0, kh = 0, kw = 0;
};

struct ModelConfig {
  std::string name = "gener";
  std::vector<ConvLayerConfig> cnn_conv;  // conv stack on the (1, 2, L) input
  std::vector<int> cnn_dense;             // dense layers after the flatten
  bool use_mlp = true;                    // false: the CNN-only ablation
  std::vector<int> mlp_dense;             // dense layers on a ⊙ b
  std::string activation = "relu";
  float bn_eps = 1e-3f;
  float bn_momentum = 0.9f;
  float dropout = 0.5f;
  int classes = 2;
};

struct TrainConfig {
  std::string optimizer = "sgd";  // sgd | adam
  float learning_rate = 0.01f;
  float lr_decay_rate = 0.8f;     // lr = lr0 * rate^(step / decay_steps)
  int lr_decay_steps = 2500;
  bool lr_staircase = false;
  float momentum = 0.0f;          // SGD momentum
  float adam_beta1 = 0.9f, adam_beta2 = 0.999f, adam_eps = 1e-7f;
  int batch_size = 64;
  int epochs = 30;
  int patience = 5;               // early stopping on validation loss
  bool restore_best = true;
  uint64_t seed = 42;
};

ModelConfig parse_model_config(const YamlReader& r);    // r = the `model:` mapping
TrainConfig parse_train_config(const YamlReader& r);    // r = the `train:` mapping
ModelConfig load_model_config(const std::string& path);  // file with a top-level `model:`
TrainConfig load_train_config(const std::string& path);  // file with a top-level `train:`

// Round trip through YAML text (stored in checkpoints).
std::string model_config_to_yaml(const ModelConfig& c);
ModelConfig model_config_from_yaml(const std::string& text, const std::string& origin);

}  // namespace gener::core
