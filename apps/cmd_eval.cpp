// cmd_eval.cpp — `gener eval`: metrics of a trained model (and the correlation baseline) on a labelled split.
#include <cstdio>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/evaluation.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct EvalArgs {
  ExpressionArgs expr;
  ComputeArgs compute;
  std::string model, pairs, out = "runs/eval";
  bool npy = false, quiet = false;
  int batch = 4096;
};

void run_eval(EvalArgs& a) {
  core::DeviceKind dev = setup_compute(a.compute);
  core::Checkpoint ck = core::load_checkpoint(a.model);
  data::Expression e = load_expression(a.expr);
  bool is_npy = a.npy || (a.pairs.size() > 4 && a.pairs.compare(a.pairs.size() - 4, 4, ".npy") == 0);
  data::PairSet p = is_npy ? data::read_pairs_npy(a.pairs, e.n_genes()) : data::read_pairs(a.pairs, e);
  auto net = inference_network(ck, dev, a.batch, e, a.model);
  nlohmann::json m = evaluate_and_report(*net, e, p, a.pairs, a.out, !a.quiet);
  print_metrics(m);
  std::printf("wrote %s/metrics.json, %s/roc.png, %s/pr.png\n", a.out.c_str(), a.out.c_str(), a.out.c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a model on labelled pairs: metrics.json, ROC and PR pictures");
  cmd->add_option("--model", a->model, "model.safetensors")->required();
  add_expression_options(cmd, a->expr, true);
  cmd->add_option("--pairs", a->pairs, "labelled pairs: TSV gene_a gene_b label, or the authors' .npy split")
      ->required();
  cmd->add_flag("--npy", a->npy, "read --pairs as an (N, 3) .npy split (implied by the .npy suffix)");
  cmd->add_option("--out", a->out, "output directory")->capture_default_str();
  cmd->add_option("--batch", a->batch, "pairs per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace gener::app
