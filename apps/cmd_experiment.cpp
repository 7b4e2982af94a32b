// cmd_experiment.cpp — `gener experiment CONFIG`: prepare → train → eval on the test set → report.md, one command
// from the raw files to the paper's table.
#include <cstdio>
#include <filesystem>

#include "apps/app_common.h"
#include "apps/cli_checks.h"
#include "apps/commands.h"
#include "apps/evaluation.h"
#include "apps/experiment_common.h"
#include "apps/report.h"
#include "engine/core/progress.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct ExperimentArgs {
  std::string config, data_root, out;
  ComputeArgs compute;
  int epochs = 0;
  bool quiet = false;
};

void run_experiment(ExperimentArgs& a) {
  core::Progress clock("experiment", 0, false);
  core::ExperimentConfig cfg = load_experiment(a.config, a.data_root);
  if (a.epochs > 0) cfg.train.epochs = a.epochs;
  core::DeviceKind dev = setup_compute(a.compute);
  const std::string out = a.out.empty() ? "runs/" + cfg.prepare.name : a.out;
  io::OutputGuard guard;  // nothing written over the raw files or the configs
  guard_prepare_inputs(guard, cfg.prepare, a.config);
  guard.outputs_in("--out", out, {"dataset.gcache", "metrics.json", "report.md"});
  for (const core::ExperimentModel& m : cfg.models) {
    std::vector<std::string> files = evaluation_files();
    files.insert(files.end(), {"model.safetensors", "last.safetensors"});
    guard.outputs_in("--out", out + "/" + slug(m.label), files);
  }
  std::fprintf(stderr, "[experiment] %s: data from %s, output in %s, device %s\n", cfg.prepare.name.c_str(),
               cfg.data_root.c_str(), out.c_str(), core::device_name(dev));
  data::PreparedDataset d = prepare_and_cache(cfg.prepare, out + "/dataset.gcache", false);  // always the counts
  const data::Expression& e = d.expr;

  nlohmann::json all = {{"experiment", cfg.prepare.name}, {"config", cfg.file}, {"dataset", d.summary}};
  nlohmann::json correlation;
  std::vector<MeasuredRow> rows;
  for (const core::ExperimentModel& m : cfg.models) {
    const std::string dir = out + "/" + slug(m.label);
    std::fprintf(stderr, "[experiment] %s (%s): training on %zu pairs, early stopping on %zu\n", m.label.c_str(),
                 m.source.c_str(), d.splits.train.size(), d.splits.val.size());
    core::FitOptions fo;
    fo.device = dev;
    fo.out_dir = dir;
    fo.progress = !a.quiet;
    core::FitResult r = core::fit(m.model, cfg.train, e.values.data(), e.n_genes(), e.L, view(d.splits.train),
                                  view(d.splits.val), fo);
    auto net = inference_network(r.model, dev, cfg.eval_batch, e, dir);
    nlohmann::json mj = evaluate_and_report(*net, e, d.splits.test, cfg.prepare.name + " test split", dir, !a.quiet);
    mj["best_epoch"] = r.best_epoch;
    mj["epochs_run"] = r.history.size();
    correlation = mj["baseline_correlation"];
    nlohmann::json entry = mj;
    entry.erase("baseline_correlation");
    all["models"][m.label] = entry;
    rows.push_back({m.label, entry, slug(m.label)});
    std::printf("%s on the test set (%zu pairs):\n", m.label.c_str(), d.splits.test.size());
    print_metrics(mj);
  }
  all["baseline_correlation"] = correlation;
  write_json(out + "/metrics.json", all);
  write_report(out + "/report.md", "GENER — " + cfg.prepare.name, "the test set", cfg.prepare.paper_table, rows, correlation,
               d.summary);
  std::printf("experiment %s done in %s: wrote %s/report.md, %s/metrics.json\n", cfg.prepare.name.c_str(),
              core::Progress::format_duration(clock.elapsed_s()).c_str(), out.c_str(), out.c_str());
}

}  // namespace

void add_experiment_command(CLI::App& app) {
  auto a = std::make_shared<ExperimentArgs>();
  CLI::App* cmd = app.add_subcommand(
      "experiment", "one paper experiment from raw files: prepare → train → eval on test → report.md (Table 3/4 layout)");
  cmd->add_option("config", a->config, "experiment YAML, e.g. configs/experiments/table4_biogrid_dream5.yaml")
      ->required();
  cmd->add_option("--data-root", a->data_root, "directory holding the raw files (replaces experiment.data_root)");
  cmd->add_option("--out", a->out, "output directory (default runs/NAME)");
  add_bounded(cmd, "--epochs", a->epochs, "override train.epochs (0: the config's)", Bounds::closed(0, 1000000));
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  cmd->callback([a] { run_experiment(*a); });
}

}  // namespace gener::app
