// synth_args.h — command-line options of the synthetic dataset, shared by `synth` and `demo`.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

#include "engine/data/split.h"
#include "engine/data/synth.h"

namespace gener::app {

struct SynthOptions {
  data::SynthConfig cfg;
  double test_frac = 0.1, val_frac = 0.1;
};

void add_synth_options(CLI::App* cmd, SynthOptions& o);
// Generate, split and write the dataset into `dir`; returns the splits (with the expression in *expr if given).
data::Splits make_synth_splits(const SynthOptions& o, const std::string& dir, bool progress,
                               data::Expression* expr = nullptr);

}  // namespace gener::app
