// checkpoint.h — GENER weights as safetensors: PyTorch-style tensor names, the model config in __metadata__.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/core/graph.h"

namespace gener::io {
class CommitGroup;
}

namespace gener::core {

// Everything a checkpoint holds. params/state follow Graph::params/state layout (one flat buffer each).
struct Checkpoint {
  ModelConfig model;
  int L = 0;
  std::vector<float> params, state;
  // Resume state (last.safetensors only; empty in a final model file).
  std::vector<float> opt_state;                 // 2 x n_params (SGD momentum / Adam m, v)
  std::vector<float> best_params, best_state;   // the best-so-far weights for early stopping
  std::map<std::string, std::string> info;      // epoch, step, best_val_loss, ... (strings)
};

// Tensor names: params and state under their graph names (e.g. "cnn.conv1.weight", "cnn.bn1.running_var"),
// resume extras under "optimizer.m", "optimizer.v", "best.<name>". Metadata: "format" = "gener-1",
// "model_config" (YAML), "input_length", plus `info`. Written atomically; with `group`, together with the run's
// other outputs.
void save_checkpoint(const std::string& path, const Graph& g, const Checkpoint& ck, io::CommitGroup* group = nullptr);
// Validates names and shapes against the graph built from the stored config, and that every weight, running
// statistic and optimizer moment is finite (a NaN or Inf weight would score everything as nan); errors name the
// file, the tensor and the first bad element.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace gener::core
