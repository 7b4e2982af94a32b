// app_common.h — what several subcommands share: expression loading (stacked files, missing values, the model's
// recorded preprocessing), model loading, JSON output.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/core/checkpoint.h"
#include "engine/core/network.h"
#include "engine/core/trainer.h"
#include "engine/data/compendium.h"
#include "engine/data/expression.h"
#include "engine/data/pairs.h"
#include "engine/parallel/comm.h"

namespace gener::app {

// Options naming the expression matrix (one or several files, stacked) and how to prepare it. Empty strings (and a
// negative max_missing) mean "not given": the model's recorded choice in score/eval, else the default.
struct ExpressionArgs {
  std::vector<std::string> paths;
  std::string normalize, orientation, missing, genes, gene_map;
  double max_missing = -1;
};
void add_expression_options(CLI::App* cmd, ExpressionArgs& a, bool required);

// The spec the flags ask for, over `recorded` (a model's) where a flag is not given.
data::ExpressionSpec expression_spec(const ExpressionArgs& a, const data::ExpressionSpec* recorded = nullptr);
data::ExpressionSet load_expression_set(const ExpressionArgs& a);
data::Expression load_expression(const ExpressionArgs& a);

// score / eval: the files and preprocessing a model recorded (checkpoint metadata "expression") fill in what the
// flags leave out, so a model scores its data the way it was trained without the user repeating flags; the arrays
// must be the model's (same names in the same order, when both have names).
data::ExpressionSet load_model_expression(const ExpressionArgs& a, const core::Checkpoint& ck,
                                          const std::string& model_path, bool quiet);

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
