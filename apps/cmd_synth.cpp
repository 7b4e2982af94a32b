// cmd_synth.cpp — `gener synth`: write the built-in synthetic dataset (real file formats) from a seed.
#include <cstdio>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/synth_args.h"

namespace gener::app {
namespace {

struct SynthArgs {
  SynthOptions synth;
  std::string out = "data/synth";
};

}  // namespace

void add_synth_command(CLI::App& app) {
  auto a = std::make_shared<SynthArgs>();
  CLI::App* cmd = app.add_subcommand("synth", "write a synthetic dataset: expression.tsv, train/val/test.tsv (deterministic from --seed)");
  add_synth_options(cmd, a->synth);
  cmd->add_option("--out", a->out, "output directory")->capture_default_str();
  cmd->callback([a] {
    data::Splits s = make_synth_splits(a->synth, a->out, true);
    std::printf("wrote %s: %zu train / %zu validation / %zu test pairs\n", a->out.c_str(), s.train.size(),
                s.val.size(), s.test.size());
  });
}

}  // namespace gener::app
