// cmd_demo.cpp — `gener demo`: synth → train → eval on the built-in synthetic data, beside the correlation and
// gene-degree baselines.
#include <cstdio>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/config_paths.h"
#include "apps/evaluation.h"
#include "apps/experiment_common.h"
#include "apps/synth_args.h"
#include "engine/core/progress.h"

namespace gener::app {
namespace {

struct DemoArgs {
  SynthOptions synth;
  ComputeArgs compute;
  std::string out = "runs/demo";
  std::string model_config = default_config("model/paper.yaml");
  std::string train_config = default_config("train/demo.yaml");
  int epochs = 0;
  bool quiet = false;
};

void run_demo(DemoArgs& a) {
  core::Progress clock("demo", 0, false);
  core::DeviceKind dev = setup_compute(a.compute);
  core::ModelConfig mc = core::load_model_config(a.model_config);
  core::TrainConfig tc = core::load_train_config(a.train_config);
  if (a.epochs > 0) tc.epochs = a.epochs;
  data::Expression e;
  data::Splits s = make_synth_splits(a.synth, a.out + "/data", !a.quiet, &e);
  std::fprintf(stderr, "[demo] data in %s/data: %zu train / %zu validation / %zu test pairs\n", a.out.c_str(),
               s.train.size(), s.val.size(), s.test.size());
  core::FitOptions fo;
  fo.device = dev;
  fo.out_dir = a.out + "/model";
  fo.progress = !a.quiet;
  fo.metadata = model_metadata(nullptr, e, s.train);
  core::FitResult r = core::fit(mc, tc, e.values.data(), e.n_genes(), e.L, view(s.train), view(s.val), fo);
  auto net = inference_network(r.model, dev, 4096, e, fo.out_dir);
  const eval::GeneTraining training = eval::gene_training(eval::training_pairs_table(e, s.train), e);
  nlohmann::json m = evaluate_and_report(*net, "GENER", e, s.test, &training, a.out + "/data/test.tsv", a.out, false);
  std::printf("GENER demo: %d genes x %d samples, trained %zu epochs (best %d) in %s on %s\n", e.n_genes(), e.L,
              r.history.size(), r.best_epoch, core::Progress::format_duration(clock.elapsed_s()).c_str(),
              core::device_name(dev));
  std::printf("test set metrics:\n");
  print_metrics(m);
  std::printf("wrote %s/metrics.json, %s/roc.png, %s/pr.png, model in %s\n", a.out.c_str(), a.out.c_str(),
              a.out.c_str(), fo.out_dir.c_str());
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand("demo", "synth → train → eval on built-in synthetic data (a few minutes on 2 cores)");
  add_synth_options(cmd, a->synth);
  a->synth.cfg.genes = 2000;  // demo size: about a minute of training on 2 cores
  a->synth.cfg.samples = 536;
  a->synth.cfg.pairs = 60000;
  cmd->add_option("--out", a->out, "output directory")->capture_default_str();
  cmd->add_option("--model-config", a->model_config, "model YAML")->capture_default_str();
  cmd->add_option("--train-config", a->train_config, "training YAML")->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "override train.epochs");
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  cmd->callback([a] { run_demo(*a); });
}

}  // namespace gener::app
