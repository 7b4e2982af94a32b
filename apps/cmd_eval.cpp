// cmd_eval.cpp — `gener eval`: metrics of a trained model on a labelled split, beside the correlation and
// gene-degree baselines, overall and by C1/C2/C3; pairs whose genes have no data are dropped and counted.
#include <cstdio>
#include <optional>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/evaluation.h"
#include "apps/experiment_common.h"
#include "apps/report.h"
#include "engine/eval/beside.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct EvalArgs {
  ExpressionArgs expr;
  ComputeArgs compute;
  std::string model, pairs, out = "runs/eval";
  bool npy = false, quiet = false;
  std::string dataset, split = "test";  // a `gener prepare` cache and which of its splits to score
  bool report = false;                   // also write report.md (the paper's table layout)
  int paper_table = -1;                  // -1: from the cache, else 4
  int batch = 4096;
};

void run_eval(EvalArgs& a) {
  core::DeviceKind dev = setup_compute(a.compute);
  core::Checkpoint ck = core::load_checkpoint(a.model);
  std::optional<eval::TrainingPairsTable> table = recorded_training_pairs(ck, a.model);
  data::Expression e;
  data::PairSet p;
  nlohmann::json dataset_meta, extra = nlohmann::json::object();
  if (!a.dataset.empty()) {
    GENER_CHECK(a.expr.paths.empty() && a.pairs.empty(), "eval: --dataset replaces --expression and --pairs");
    data::DatasetCache c = load_cache(a.dataset, a.quiet);
    e = std::move(c.expr);
    p = std::move(a.split == "val" ? c.splits.val : a.split == "train" ? c.splits.train : c.splits.test);
    if (!table) {
      table = eval::training_pairs_table(e, c.splits.train);
      extra["training_pairs_source"] = a.dataset + " (train)";
    }
    dataset_meta = std::move(c.meta);
    a.pairs = a.dataset + " (" + a.split + ")";
  } else {
    GENER_CHECK(!a.pairs.empty(), "eval: give --pairs (with --expression unless the model records its files), or "
                                  "--dataset CACHE");
    data::ExpressionSet es = load_model_expression(a.expr, ck, a.model, a.quiet);
    e = std::move(es.expr);
    const bool is_npy = a.npy || (a.pairs.size() > 4 && a.pairs.compare(a.pairs.size() - 4, 4, ".npy") == 0);
    data::DroppedPairs dropped;
    p = is_npy ? data::read_pairs_npy_by_id(a.pairs, e, es.id_to_name, &dropped)
               : data::read_pairs(a.pairs, e, false, &dropped);
    extra["pairs_without_data"] = data::dropped_to_json(dropped);
    GENER_CHECK(p.size() > 0 || dropped.pairs == 0, a.pairs << ": all " << dropped.pairs
                                                            << " pairs have a gene without expression data");
    if (dropped.pairs > 0) {
      std::string ex;
      for (const std::string& g : dropped.examples) ex += " " + g;
      std::fprintf(stderr, "[eval] %s: %lld of %lld pairs dropped (%lld positive, %lld negative): a gene without "
                           "expression data (%lld genes, e.g.%s)\n",
                   a.pairs.c_str(), static_cast<long long>(dropped.pairs),
                   static_cast<long long>(dropped.pairs + static_cast<int64_t>(p.size())),
                   static_cast<long long>(dropped.positives), static_cast<long long>(dropped.negatives),
                   static_cast<long long>(dropped.genes), ex.c_str());
    }
  }
  std::optional<eval::GeneTraining> training;
  if (table) training = eval::gene_training(*table, e);
  auto net = inference_network(ck, dev, a.batch, e, a.model, &a.compute);
  const std::string label = core::model_label(ck.model);
  nlohmann::json m = evaluate_and_report(*net, label, e, p, training ? &*training : nullptr, a.pairs, a.out, !a.quiet,
                                         extra);
  print_metrics(m);
  std::printf("wrote %s/metrics.json, %s/roc.png, %s/pr.png\n", a.out.c_str(), a.out.c_str(), a.out.c_str());
  if (a.report) {
    // Without --dataset there is no dataset metadata (null JSON): Table 4 is the default layout.
    const int table_no = a.paper_table >= 0          ? a.paper_table
                         : dataset_meta.is_object() ? dataset_meta.value("paper_table", 4)
                                                    : 4;
    const nlohmann::json model = model_part(m);
    std::vector<MeasuredRow> rows = {{label, model, "."}, {eval::kCorrelation, m["baseline_correlation"], ""}};
    if (m["baseline_degree"].is_object()) rows.push_back({eval::kGeneDegree, m["baseline_degree"], ""});
    const std::string on = a.dataset.empty() ? a.pairs : "the " + a.split + " split of " + a.dataset;
    write_report(a.out + "/report.md", "GENER — " + a.pairs, on, table_no, rows, dataset_meta);
    std::printf("wrote %s/report.md\n", a.out.c_str());
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "evaluate a model on labelled pairs beside the correlation and gene-degree baselines (overall and "
              "C1/C2/C3): metrics.json, ROC and PR pictures");
  cmd->add_option("--model", a->model, "model.safetensors")->required();
  add_expression_options(cmd, a->expr, false);
  cmd->add_option("--pairs", a->pairs,
                  "labelled pairs: TSV gene_a gene_b label, or the authors' .npy split (pairs with a gene without "
                  "data are dropped and counted)");
  cmd->add_option("--dataset", a->dataset, "dataset cache from `gener prepare` (instead of --expression/--pairs)");
  cmd->add_option("--split", a->split, "which split of --dataset to score: test | val | train")
      ->check(CLI::IsMember({"test", "val", "train"}))
      ->capture_default_str();
  cmd->add_flag("--report", a->report, "also write report.md: the measured numbers beside the paper's table");
  cmd->add_option("--paper-table", a->paper_table, "paper table for --report: 3 or 4 (default: the dataset's, else 4)")
      ->check(CLI::IsMember({0, 3, 4}));
  cmd->add_flag("--npy", a->npy, "read --pairs as an (N, 3) .npy split (implied by the .npy suffix)");
  cmd->add_option("--out", a->out, "output directory")->capture_default_str();
  cmd->add_option("--batch", a->batch, "pairs per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  add_precision_option(cmd, a->compute);
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace gener::app
