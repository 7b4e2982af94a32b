// commands.h — the subcommands of the gener program; each registers itself on the CLI11 app.
#pragma once
#include <CLI/CLI.hpp>

#include "engine/parallel/comm.h"

namespace gener::app {

void add_synth_command(CLI::App& app);
// train and score run across the ranks of `world` (one rank in a plain run); the others run on one rank.
void add_train_command(CLI::App& app, parallel::Comm& world);
void add_score_command(CLI::App& app, parallel::Comm& world);
void add_merge_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_prepare_command(CLI::App& app);
void add_experiment_command(CLI::App& app);
void add_baseline_command(CLI::App& app);

// Makes every subcommand but train and score refuse to start in a job of several ranks (each rank would do the
// same work and write the same files).
void require_one_rank_except_train_score(CLI::App& app, const parallel::Comm& world);

}  // namespace gener::app
