// trainer.cpp — training loop with early stopping, atomic per-epoch checkpoints and exact resume.
#include "engine/core/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "engine/core/data_parallel.h"
#include "engine/core/progress.h"
#include "kernels/check.h"
#include "kernels/hash.h"

namespace gener::core {
namespace {

// Seeded Fisher–Yates permutation of [0, n) for one epoch.
void shuffle_indices(std::vector<size_t>& idx, uint64_t seed, int epoch) {
  std::iota(idx.begin(), idx.end(), size_t{0});
  for (size_t i = idx.size(); i > 1; --i) {
    size_t j = kernels::hash3(seed ^ 0x5348554646ULL, static_cast<uint64_t>(epoch), i) % i;
    std::swap(idx[i - 1], idx[j]);
  }
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

double info_double(const Checkpoint& ck, const std::string& key, const std::string& path) {
  auto it = ck.info.find(key);
  GENER_CHECK(it != ck.info.end(), path << ": resume state '" << key << "' missing (is this a last.safetensors?)");
  return std::stod(it->second);
}

}  // namespace

FitResult fit(const ModelConfig& mc, const TrainConfig& tc_in, const float* expr, int n_genes, int L,
              PairView train, PairView val, const FitOptions& opt) {
  TrainConfig tc = tc_in;
  Checkpoint resume;
  if (!opt.resume_from.empty()) {
    // An exact continuation needs the original run's seed (shuffles and dropout masks derive from it).
    resume = load_checkpoint(opt.resume_from);
    auto it = resume.info.find("seed");
    if (it != resume.info.end()) tc.seed = std::stoull(it->second);
  }
  GENER_CHECK(train.n > 0, "train: the training set is empty");
  GENER_CHECK(val.n > 0, "train: the validation set is empty (early stopping needs one)");
  std::unique_ptr<parallel::Comm> one_rank;
  if (!opt.comm) one_rank = parallel::make_single_rank();
  DataParallel dp(opt.comm ? *opt.comm : *one_rank, opt.device_comm);
  const int ranks = dp.comm().size();
  const bool root = dp.comm().is_root(), talk = opt.progress && root;
  GENER_CHECK(tc.batch_size >= ranks, "train: batch_size " << tc.batch_size << " is smaller than the " << ranks
                                                           << " ranks that share each batch");
  Graph g = build_gener_graph(mc, L);
  NetworkOptions no;
  no.device = opt.device;
  no.gpu = opt.gpu;
  no.max_batch = tc.batch_size;
  no.mode = PlanMode::Training;
  no.train = tc;
  std::unique_ptr<Network> net = make_network(g, no);
  net->set_expression(expr, n_genes);
  NetworkOptions eo = no;
  eo.mode = PlanMode::Inference;
  eo.max_batch = std::max(tc.batch_size, 1024);
  std::unique_ptr<Network> eval_net = make_network(g, eo);
  eval_net->set_expression(expr, n_genes);

  FitResult res;
  int start_epoch = 1, bad_epochs = 0;
  long long step = 0;
  double best = INFINITY;
  std::vector<float> best_params = net->get_params(), best_state = net->get_state();
  if (!opt.resume_from.empty()) {
    const Checkpoint& ck = resume;
    GENER_CHECK(ck.L == L, opt.resume_from << ": checkpoint input length " << ck.L << " differs from the data's " << L);
    GENER_CHECK(model_config_to_yaml(ck.model) == model_config_to_yaml(mc),
                opt.resume_from << ": checkpoint model config differs from the requested one");
    GENER_CHECK(!ck.opt_state.empty(), opt.resume_from << ": has no optimizer state (use last.safetensors to resume)");
    net->set_params(ck.params);
    net->set_state(ck.state);
    net->set_opt_state(ck.opt_state);
    start_epoch = static_cast<int>(info_double(ck, "epoch", opt.resume_from)) + 1;
    step = static_cast<long long>(info_double(ck, "step", opt.resume_from));
    best = info_double(ck, "best_val_loss", opt.resume_from);
    res.best_epoch = static_cast<int>(info_double(ck, "best_epoch", opt.resume_from));
    bad_epochs = static_cast<int>(info_double(ck, "bad_epochs", opt.resume_from));
    best_params = ck.best_params.empty() ? ck.params : ck.best_params;
    best_state = ck.best_state.empty() ? ck.state : ck.best_state;
    if (talk)
      std::fprintf(stderr, "[train] resuming from %s at epoch %d, step %lld\n", opt.resume_from.c_str(), start_epoch,
                   step);
  }

  const int bs = tc.batch_size;
  std::vector<size_t> order(train.n);
  std::vector<int32_t> batch_ab(2 * static_cast<size_t>(bs)), batch_y(static_cast<size_t>(bs));
  const long long steps_per_epoch = static_cast<long long>((train.n + bs - 1) / bs);
  if (train.n % bs) {  // this rank's rows of the tail batch, planned up front
    const long long tail = dp.share(static_cast<int>(train.n % bs)).size();
    if (tail > 0) net->prepare_batch(static_cast<int>(tail));
  }
  // One rank trains through Network::train_step; several go through DataParallel (an all-reduce per step).
  const bool solo = ranks == 1;
  constexpr long long kLossEvery = 32;  // steps between loss read-backs on one rank
  long long read_step = step;
  bool stop = false;
  for (int epoch = start_epoch; epoch <= tc.epochs && !stop; ++epoch) {
    Progress prog("train epoch " + std::to_string(epoch) + "/" + std::to_string(tc.epochs),
                  static_cast<long long>(train.n), talk);
    shuffle_indices(order, tc.seed, epoch);
    double loss_sum = 0;  // this rank's rows
    size_t seen = 0, seen_all = 0;
    auto read_loss = [&] {
      const std::pair<double, long long> r = net->take_loss_sum();
      GENER_CHECK(std::isfinite(r.first), "train: loss became " << r.first << " between steps " << read_step
                                                                << " and " << step << " (try a smaller learning_rate)");
      loss_sum += r.first;
      read_step = step;
    };
    for (size_t i = 0; i < train.n; i += bs) {
      int B = static_cast<int>(std::min<size_t>(bs, train.n - i));
      const parallel::Range mine = dp.share(B);  // this rank's rows of the global batch
      for (long long r = mine.begin; r < mine.end; ++r) {
        const size_t k = order[i + static_cast<size_t>(r)], b = static_cast<size_t>(r - mine.begin);
        batch_ab[2 * b] = train.ab[2 * k];
        batch_ab[2 * b + 1] = train.ab[2 * k + 1];
        batch_y[b] = train.label[k];
      }
      if (solo) {
        // No host synchronisation per step (the CUDA backend replays the step as a graph); the loss is read back
        // every kLossEvery steps and at the end of the epoch.
        net->train_step(batch_ab.data(), batch_y.data(), B, static_cast<uint64_t>(step), learning_rate_at(tc, step),
                        step + 1);
      } else {
        const float loss = dp.forward_backward(*net, batch_ab.data(), batch_y.data(), B, static_cast<uint64_t>(step));
        GENER_CHECK(std::isfinite(loss), "train: loss became " << loss << " at step " << step
                                                               << " (try a smaller learning_rate)");
        net->apply_update(learning_rate_at(tc, step), step + 1);
        loss_sum += static_cast<double>(loss) * static_cast<double>(mine.size());
      }
      ++step;
      seen += static_cast<size_t>(mine.size());
      seen_all += static_cast<size_t>(B);
      const bool last = i + static_cast<size_t>(bs) >= train.n || (opt.max_steps >= 0 && step >= opt.max_steps);
      if (solo && (step - read_step >= kLossEvery || last)) read_loss();
      prog.update(static_cast<long long>(seen_all), "loss " + fmt(loss_sum / std::max<size_t>(seen, 1)).substr(0, 6));
      if (opt.max_steps >= 0 && step >= opt.max_steps) {
        stop = true;
        break;
      }
    }
    EpochLog log;
    log.epoch = epoch;
    double sums[2] = {loss_sum, static_cast<double>(seen)};
    dp.sum(sums, 2);  // the whole global batch's loss
    log.train_loss = sums[0] / std::max(sums[1], 1.0);
    log.seconds = prog.elapsed_s();
    log.pairs_per_s = seen_all / std::max(log.seconds, 1e-9);
    dp.average_state(*net);  // every rank validates and saves the same running statistics
    eval_net->set_params(net->get_params());
    eval_net->set_state(net->get_state());
    // Validation split over the ranks in contiguous shares, the loss summed over them.
    const parallel::Range vr = parallel::split_range({0, static_cast<long long>(val.n)}, ranks, dp.comm().rank());
    double val_sum = evaluate_loss_sum(*eval_net, val.slice(vr.begin, vr.end), nullptr);
    dp.sum(&val_sum, 1);
    log.val_loss = val_sum / static_cast<double>(val.n);
    res.history.push_back(log);
    if (log.val_loss < best) {
      best = log.val_loss;
      res.best_epoch = epoch;
      bad_epochs = 0;
      best_params = net->get_params();
      best_state = net->get_state();
    } else {
      ++bad_epochs;
    }
    if (talk)
      std::fprintf(stderr, "[train] epoch %d: train loss %.4f  val loss %.4f  %.0f pairs/s  (%lld steps/epoch)%s\n",
                   epoch, log.train_loss, log.val_loss, log.pairs_per_s, steps_per_epoch,
                   res.best_epoch == epoch ? "  best" : "");
    if (tc.patience > 0 && bad_epochs >= tc.patience) stop = true;
    if (!opt.out_dir.empty() && root) {
      Checkpoint ck;
      ck.model = mc;
      ck.L = L;
      ck.params = net->get_params();
      ck.state = net->get_state();
      ck.opt_state = net->get_opt_state();
      ck.best_params = best_params;
      ck.best_state = best_state;
      ck.info = {{"epoch", std::to_string(epoch)}, {"step", std::to_string(step)}, {"best_val_loss", fmt(best)},
                 {"best_epoch", std::to_string(res.best_epoch)}, {"bad_epochs", std::to_string(bad_epochs)},
                 {"seed", std::to_string(tc.seed)}};
      ck.info.insert(opt.metadata.begin(), opt.metadata.end());
      save_checkpoint(opt.out_dir + "/last.safetensors", g, ck);
    }
  }
  res.steps = step;
  res.best_val_loss = best;
  res.model.model = mc;
  res.model.L = L;
  res.model.params = tc.restore_best ? best_params : net->get_params();
  res.model.state = tc.restore_best ? best_state : net->get_state();
  res.model.info = {{"best_epoch", std::to_string(res.best_epoch)}, {"best_val_loss", fmt(best)},
                    {"steps", std::to_string(step)}};
  res.model.info.insert(opt.metadata.begin(), opt.metadata.end());
  if (!opt.out_dir.empty() && root) save_checkpoint(opt.out_dir + "/model.safetensors", g, res.model);
  return res;
}

}  // namespace gener::core
