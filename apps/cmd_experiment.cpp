// cmd_experiment.cpp — `gener experiment CONFIG`: prepare → train each model → evaluate on the test set beside the
// correlation and gene-degree baselines (overall and C1/C2/C3), then the Table 4 embedding baselines of `baselines:`
// on the same split → metrics.json and report.md, one command from the raw files.
#include <cstdio>
#include <filesystem>

#include "apps/app_common.h"
#include "apps/cli_checks.h"
#include "apps/commands.h"
#include "apps/evaluation.h"
#include "apps/experiment_baselines.h"
#include "apps/experiment_common.h"
#include "apps/report.h"
#include "engine/core/progress.h"
#include "engine/eval/beside.h"
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
  const std::vector<PlannedBaseline> planned = plan_baselines(cfg);  // bad names and settings fail before training
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
  const eval::GeneTraining training = eval::gene_training(eval::training_pairs_table(e, d.splits.train), e);
  const auto metadata = model_metadata(d.summary["expression_spec"], e, d.splits.train);

  // The models, their metrics and curves, metrics.json and report.md appear together when every model is done, or
  // not at all (the dataset cache stays: it is complete and a rerun reads the same).
  io::CommitGroup written;
  nlohmann::json all = {{"experiment", cfg.prepare.name}, {"config", cfg.file}, {"dataset", d.summary}};
  nlohmann::json baselines;
  std::vector<MeasuredRow> rows;
  for (const core::ExperimentModel& m : cfg.models) {
    const std::string dir = out + "/" + slug(m.label);
    std::fprintf(stderr, "[experiment] %s (%s): training on %zu pairs, early stopping on %zu\n", m.label.c_str(),
                 m.source.c_str(), d.splits.train.size(), d.splits.val.size());
    core::FitOptions fo;
    fo.device = dev;
    fo.out_dir = dir;
    fo.progress = !a.quiet;
    fo.metadata = metadata;
    fo.final_outputs = &written;
    core::FitResult r = core::fit(m.model, cfg.train, e.values.data(), e.n_genes(), e.L, view(d.splits.train),
                                  view(d.splits.val), fo);
    auto net = inference_network(r.model, dev, cfg.eval_batch, e, dir);
    nlohmann::json mj = evaluate_and_report(*net, m.label, e, d.splits.test, &training,
                                            cfg.prepare.name + " test split", dir, !a.quiet,
                                            nlohmann::json::object(), &written);
    mj["best_epoch"] = r.best_epoch;
    mj["epochs_run"] = r.history.size();
    mj["validation"] = model_metrics(*net, d.splits.val, cfg.prepare.name + " validation split");
    baselines = mj;
    const nlohmann::json entry = model_part(mj);
    all["models"][m.label] = entry;
    rows.push_back({m.label, entry, slug(m.label)});
    std::printf("%s on the test set (%zu pairs; validation AUROC %.4f):\n", m.label.c_str(), d.splits.test.size(),
                mj["validation"]["auroc_micro"].get<double>());
    print_metrics(mj);
  }
  // The baselines do not depend on the model: one row each, after the models.
  all["baseline_correlation"] = baselines["baseline_correlation"];
  all["baseline_degree"] = baselines["baseline_degree"];
  all["strata_counts"] = baselines["strata_counts"];
  all["strata_positive_counts"] = baselines["strata_positive_counts"];
  rows.push_back({eval::kCorrelation, baselines["baseline_correlation"], ""});
  // The Table 4 embedding baselines: the same training graph (training positives), the same test pairs.
  if (!planned.empty()) {
    const data::DatasetCache ds{d.expr, d.splits, d.summary};
    for (const PlannedBaseline& b : planned) {
      const std::string dir = out + "/baselines/" + baseline_dir_name(b);
      std::fprintf(stderr, "[experiment] %s (%s): embedding the training graph, logistic regression on %zu pairs\n",
                   b.label.c_str(), embed::baseline_spec_name(b.spec).c_str(), d.splits.train.size());
      nlohmann::json bj = run_planned_baseline(b, ds, training, cfg.prepare.name + " test split", dir, !a.quiet,
                                               &written);
      std::printf("%-16s AUROC %.4f  AUPR %.4f  AUROC+ %.4f  AUPR+ %.4f  MCC %.4f  (%.1f s)\n", b.label.c_str(),
                  bj["auroc_micro"].get<double>(), bj["aupr_micro"].get<double>(), bj["auroc"].get<double>(),
                  bj["aupr"].get<double>(), bj["mcc"][1].get<double>(), bj["timing_s"]["total"].get<double>());
      all["baselines"][b.label] = bj;
      rows.push_back({b.label, bj, "baselines/" + baseline_dir_name(b)});
    }
  }
  rows.push_back({eval::kGeneDegree, baselines["baseline_degree"], ""});
  // With embedding baselines the report is the paper's Table 4 whatever the file says.
  const int table = cfg.prepare.paper_table == 0 && !planned.empty() ? 4 : cfg.prepare.paper_table;
  if (table == 4) all["table4"] = table4_json(rows);
  write_json(out + "/metrics.json", all, &written);
  write_report(out + "/report.md", "GENER — " + cfg.prepare.name, "the test set", table, rows, d.summary, &written);
  written.commit();
  std::printf("experiment %s done in %s: wrote %s/report.md, %s/metrics.json\n", cfg.prepare.name.c_str(),
              core::Progress::format_duration(clock.elapsed_s()).c_str(), out.c_str(), out.c_str());
}

}  // namespace

void add_experiment_command(CLI::App& app) {
  auto a = std::make_shared<ExperimentArgs>();
  CLI::App* cmd = app.add_subcommand(
      "experiment", "one experiment from raw files: prepare → train → eval on test beside the correlation and "
                    "gene-degree baselines (and the Table 4 embedding baselines of `baselines:`) → report.md");
  cmd->add_option("config", a->config, "experiment YAML, e.g. configs/experiments/real_yeast_paper_split.yaml")
      ->required();
  cmd->add_option("--data-root", a->data_root, "directory holding the raw files (replaces experiment.data_root)");
  cmd->add_option("--out", a->out, "output directory (default runs/NAME)");
  add_bounded(cmd, "--epochs", a->epochs, "override train.epochs (0: the config's)", Bounds::closed(0, 1000000));
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  cmd->callback([a] { run_experiment(*a); });
}

}  // namespace gener::app
