// main.cpp — the gener program: subcommand dispatch; every error ends as one clear line and exit status 1.
#include <cstdio>
#include <exception>

#include "apps/commands.h"
#include "kernels/check.h"

int main(int argc, char** argv) {
  CLI::App app{"gener — train the GENER gene–gene interaction model and score gene pairs at genome scale"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gener 0.1.0");
  gener::app::add_demo_command(app);
  gener::app::add_synth_command(app);
  gener::app::add_train_command(app);
  gener::app::add_score_command(app);
  gener::app::add_eval_command(app);
  gener::app::add_bench_command(app);
  gener::app::add_prepare_command(app);
  gener::app::add_experiment_command(app);
  gener::app::add_baseline_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gener: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
