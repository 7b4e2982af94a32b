// app_common.h — what several subcommands share: data loading, normalisation, model loading, JSON output.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "engine/core/checkpoint.h"
#include "engine/core/network.h"
#include "engine/core/trainer.h"
#include "engine/data/expression.h"
#include "engine/data/pairs.h"
#include "engine/parallel/comm.h"

namespace gener::app {

// Options naming the expression matrix and how to prepare it.
struct ExpressionArgs {
  std::string path;
  std::string normalize = "none";  // none | quantile | zscore
  std::string orientation = "auto";
};
data::Expression load_expression(const ExpressionArgs& a);
void add_expression_options(CLI::App* cmd, ExpressionArgs& a, bool required);

core::PairView view(const data::PairSet& p);
std::vector<int> labels_of(const data::PairSet& p, const std::string& origin);

// Threads and device shared by all compute subcommands.
struct ComputeArgs {
  std::string device = "auto";
  int threads = 0;
  std::string score_path = "layers";  // CUDA inference: layers | fused (the CNN branch in one kernel)
  bool tf32 = false;                  // CUDA: TF32 tensor cores
  std::string precision = "fp32";     // CPU scoring: fp32 | bf16 | int8 (add_precision_option)
};
void add_compute_options(CLI::App* cmd, ComputeArgs& a);
// --precision, for the subcommands that score.
void add_precision_option(CLI::App* cmd, ComputeArgs& a);
// The scoring precision to run on `dev`: the one asked for, or fp32 with a note on stderr where the device or CPU
// lacks it.
kernels::Precision scoring_precision(const ComputeArgs& a, core::DeviceKind dev);
core::DeviceKind setup_compute(const ComputeArgs& a);

// The same for one rank of a job: --threads 0 takes the cores this rank may run on (its CPU affinity, shared
// evenly with the other ranks of its node when the launcher did not bind them apart); the GPU is the rank's
// local rank modulo the GPUs it sees.
struct RankCompute {
  core::DeviceKind device = core::DeviceKind::Cpu;
  int gpu = 0;
  int threads = 1;
};
RankCompute setup_rank_compute(const ComputeArgs& a, const parallel::Comm& world);

// An inference network holding a checkpoint's weights, for `batch` pairs at a time.
// `compute`, when given, selects the CUDA score path and TF32.
std::unique_ptr<core::Network> inference_network(const core::Checkpoint& ck, core::DeviceKind dev, int batch,
                                                 const data::Expression& expr, const std::string& model_path,
                                                 const ComputeArgs* compute = nullptr, int gpu = 0);

// Atomic JSON file.
void write_json(const std::string& path, const nlohmann::json& j);

}  // namespace gener::app
