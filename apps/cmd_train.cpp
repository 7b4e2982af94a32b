// cmd_train.cpp — `gener train`: fit GENER on labelled train/validation pairs; checkpoints in --out. Data-parallel
// across the ranks of an MPI job (each rank a share of every batch; rank 0 writes).
#include <cstdio>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/config_paths.h"
#include "apps/experiment_common.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct TrainArgs {
  ExpressionArgs expr;
  ComputeArgs compute;
  std::string data_dir, train_pairs, val_pairs;
  std::string dataset;  // a `gener prepare` cache: its train and validation splits
  std::string model_config = default_config("model/paper.yaml");
  std::string train_config = default_config("train/paper.yaml");
  std::string out = "runs/train", resume;
  int epochs = 0, batch = 0, patience = -1;
  double lr = 0;
  std::string optimizer;
  long long seed = -1;
  bool quiet = false;
};

void run_train(TrainArgs& a, parallel::Comm& world) {
  if (!a.data_dir.empty()) {
    if (a.expr.paths.empty()) a.expr.paths = {a.data_dir + "/expression.tsv"};
    if (a.train_pairs.empty()) a.train_pairs = a.data_dir + "/train.tsv";
    if (a.val_pairs.empty()) a.val_pairs = a.data_dir + "/val.tsv";
  }
  GENER_CHECK(!a.dataset.empty() || (!a.expr.paths.empty() && !a.train_pairs.empty() && !a.val_pairs.empty()),
              "train: give --dataset CACHE, --data DIR, or --expression, --train and --val");
  const RankCompute rc = setup_rank_compute(a.compute, world);
  const core::DeviceKind dev = rc.device;
  core::ModelConfig mc = core::load_model_config(a.model_config);
  core::TrainConfig tc = core::load_train_config(a.train_config);
  if (a.epochs > 0) tc.epochs = a.epochs;
  if (a.batch > 0) tc.batch_size = a.batch;
  if (a.patience >= 0) tc.patience = a.patience;
  if (a.lr > 0) tc.learning_rate = static_cast<float>(a.lr);
  if (!a.optimizer.empty()) tc.optimizer = a.optimizer;
  if (a.seed >= 0) tc.seed = static_cast<uint64_t>(a.seed);

  data::Expression e;
  data::PairSet tr, va;
  nlohmann::json expression_spec;  // the preprocessing the model records
  if (!a.dataset.empty()) {
    data::DatasetCache c = load_cache(a.dataset, a.quiet);
    e = std::move(c.expr);
    if (c.meta.is_object() && c.meta.contains("expression_spec")) expression_spec = c.meta["expression_spec"];
    tr = std::move(c.splits.train);
    va = std::move(c.splits.val);
    a.train_pairs = a.dataset + " (train)";
    a.val_pairs = a.dataset + " (val)";
  } else {
    data::ExpressionSet es = load_expression_set(a.expr);
    expression_spec = data::expression_spec_to_json(es.spec);
    e = std::move(es.expr);
    tr = data::read_pairs(a.train_pairs, e);
    va = data::read_pairs(a.val_pairs, e);
  }
  labels_of(tr, a.train_pairs);
  labels_of(va, a.val_pairs);
  if (!a.quiet && world.is_root()) {
    std::fprintf(stderr, "[train] %d genes x %d samples; %zu train / %zu validation pairs; device %s; %s\n",
                 e.n_genes(), e.L, tr.size(), va.size(), core::device_name(dev), world.name().c_str());
    if (world.size() > 1)
      std::fprintf(stderr, "[train] %d thread(s) per rank; global batch %d, %d per rank; all-reduce of %zu bytes per "
                   "step\n", rc.threads, tc.batch_size, (tc.batch_size + world.size() - 1) / world.size(),
                   core::build_gener_graph(mc, e.L).n_params * sizeof(float));
  }
  // GPU ranks sum their gradients with NCCL when the build has it (else through MPI, staged in host memory).
  std::unique_ptr<parallel::Comm> device_comm;
  if (dev == core::DeviceKind::Cuda && world.size() > 1) device_comm = parallel::make_device_comm(world, rc.gpu);
  core::FitOptions fo;
  fo.device = dev;
  fo.gpu = rc.gpu;
  fo.comm = &world;
  fo.device_comm = device_comm.get();
  fo.out_dir = a.out;
  fo.resume_from = a.resume;
  fo.progress = !a.quiet;
  fo.metadata = model_metadata(expression_spec, e, tr);
  core::FitResult r = core::fit(mc, tc, e.values.data(), e.n_genes(), e.L, view(tr), view(va), fo);
  if (!world.is_root()) return;
  nlohmann::json log = nlohmann::json::array();
  for (const auto& h : r.history)
    log.push_back({{"epoch", h.epoch}, {"train_loss", h.train_loss}, {"val_loss", h.val_loss},
                   {"seconds", h.seconds}, {"pairs_per_s", h.pairs_per_s}});
  write_json(a.out + "/train_log.json", {{"best_epoch", r.best_epoch}, {"best_val_loss", r.best_val_loss},
                                         {"steps", r.steps}, {"epochs", log}});
  std::printf("trained: best epoch %d, validation loss %.4f, %lld steps; model written to %s/model.safetensors\n",
              r.best_epoch, r.best_val_loss, r.steps, a.out.c_str());
}

}  // namespace

void add_train_command(CLI::App& app, parallel::Comm& world) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "train GENER on labelled pairs (writes model.safetensors, last.safetensors)");
  cmd->add_option("--dataset", a->dataset, "dataset cache from `gener prepare` (uses its train and validation splits)");
  cmd->add_option("--data", a->data_dir, "dataset directory with expression.tsv, train.tsv, val.tsv (as `gener synth` writes)");
  add_expression_options(cmd, a->expr, false);
  cmd->add_option("--train", a->train_pairs, "training pairs: gene_a gene_b label");
  cmd->add_option("--val", a->val_pairs, "validation pairs (early stopping)");
  cmd->add_option("--model-config", a->model_config, "model YAML")->capture_default_str();
  cmd->add_option("--train-config", a->train_config, "training YAML")->capture_default_str();
  cmd->add_option("--out", a->out, "output directory")->capture_default_str();
  cmd->add_option("--resume", a->resume, "continue from a last.safetensors");
  cmd->add_option("--epochs", a->epochs, "override train.epochs");
  cmd->add_option("--batch-size", a->batch, "override train.batch_size");
  cmd->add_option("--patience", a->patience, "override early_stopping.patience");
  cmd->add_option("--lr", a->lr, "override train.learning_rate");
  cmd->add_option("--optimizer", a->optimizer, "override train.optimizer")->check(CLI::IsMember({"sgd", "adam"}));
  cmd->add_option("--seed", a->seed, "override train.seed");
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  cmd->callback([a, &world] { run_train(*a, world); });
}

}  // namespace gener::app
