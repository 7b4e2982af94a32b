// trainer.h — the training loop: seeded shuffles, lr schedule, validation loss, early stopping, checkpoints, resume.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/checkpoint.h"
#include "engine/core/network.h"

namespace gener::core {

// A read-only view of labelled pairs: ab (n, 2) gene indices, label (n) in {0, 1}.
struct PairView {
  const int32_t* ab = nullptr;
  const int8_t* label = nullptr;
  size_t n = 0;
};

struct EpochLog {
  int epoch = 0;
  double train_loss = 0, val_loss = 0, seconds = 0, pairs_per_s = 0;
};

struct FitOptions {
  DeviceKind device = DeviceKind::Cpu;
  std::string out_dir;       // writes out_dir/last.safetensors each epoch and out_dir/model.safetensors at the end
  std::string resume_from;   // a last.safetensors to continue from
  bool progress = true;
  long long max_steps = -1;  // stop early (benchmarks, tests); -1 = no limit
  // Extra checkpoint metadata written into every checkpoint of the run (the expression preprocessing and the
  // training-pair degree table, so score/eval can reapply and report them).
  std::map<std::string, std::string> metadata;
};

struct FitResult {
  std::vector<EpochLog> history;
  int best_epoch = 0;
  double best_val_loss = 0;
  long long steps = 0;
  Checkpoint model;  // the final weights (best restored when configured)
};

FitResult fit(const ModelConfig& mc, const TrainConfig& tc, const float* expr, int n_genes, int L, PairView train,
              PairView val, const FitOptions& opt);

// Mean cross-entropy and P(interacting) per pair of a labelled set, in inference mode.
double evaluate_loss(Network& net, PairView pairs, std::vector<float>* scores);
// P(interacting) for unlabelled pairs (ab (n, 2)), streamed through the network in chunks of max_batch.
void predict_pairs(Network& net, const int32_t* ab, size_t n, float* scores, bool progress = false);

}  // namespace gener::core
