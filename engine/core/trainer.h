// trainer.h — the training loop: seeded shuffles, lr schedule, validation loss, early stopping, checkpoints, resume;
// data-parallel over the ranks of a job.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/checkpoint.h"
#include "engine/core/inference.h"
#include "engine/core/network.h"
#include "engine/parallel/comm.h"

namespace gener::core {

struct EpochLog {
  int epoch = 0;
  double train_loss = 0, val_loss = 0, seconds = 0, pairs_per_s = 0;
};

struct FitOptions {
  DeviceKind device = DeviceKind::Cpu;
  int gpu = 0;               // CUDA device of this rank
  std::string out_dir;       // writes out_dir/last.safetensors each epoch and out_dir/model.safetensors at the end
  std::string resume_from;   // a last.safetensors to continue from
  bool progress = true;
  long long max_steps = -1;  // stop early (benchmarks, tests); -1 = no limit
  // The job's ranks (nullptr: one rank). Each rank takes its share of every global batch (batch_size rows); all
  // ranks hold the same weights throughout; rank 0 prints and writes the checkpoints.
  parallel::Comm* comm = nullptr;
  parallel::Comm* device_comm = nullptr;  // NCCL for GPU gradient buffers (nullptr: through comm)
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

}  // namespace gener::core
