// commands.h — the subcommands of the gener program; each registers itself on the CLI11 app.
#pragma once
#include <CLI/CLI.hpp>

namespace gener::app {

void add_synth_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_prepare_command(CLI::App& app);
void add_experiment_command(CLI::App& app);
void add_baseline_command(CLI::App& app);

}  // namespace gener::app
