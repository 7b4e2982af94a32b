// cmd_bench.cpp — `gener bench`: scoring / training throughput of the GENER model on random data (fixed protocol).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/config_paths.h"
#include "kernels/check.h"
#include "kernels/hash.h"

namespace gener::app {
namespace {

struct BenchArgs {
  ComputeArgs compute;
  std::string mode = "score", json, model_config = default_config("model/paper.yaml");
  std::string cuda_graphs = "on", fold_bn = "on";  // --score-path and --tf32 are compute options
  int genes = 5950, samples = 536, batch = 1024, warmup = 3, loss_every = 100;
  long long pairs = 100000;
  double seconds = 20;
};

void run_bench(BenchArgs& a) {
  core::DeviceKind dev = setup_compute(a.compute);
  core::ModelConfig mc = core::load_model_config(a.model_config);
  core::Graph g = core::build_gener_graph(mc, a.samples);
  std::vector<float> expr(static_cast<size_t>(a.genes) * a.samples);
  for (size_t i = 0; i < expr.size(); ++i) expr[i] = 4.f * kernels::hash_uniform(7, 0, i) - 2.f;
  std::vector<int32_t> ab(2 * static_cast<size_t>(a.pairs)), y(static_cast<size_t>(a.pairs));
  for (long long i = 0; i < a.pairs; ++i) {
    ab[2 * i] = static_cast<int32_t>(kernels::hash3(8, 0, i) % a.genes);
    ab[2 * i + 1] = static_cast<int32_t>(kernels::hash3(8, 1, i) % a.genes);
    y[i] = static_cast<int32_t>(kernels::hash3(8, 2, i) & 1);
  }
  core::NetworkOptions no;
  no.device = dev;
  no.max_batch = a.batch;
  no.mode = a.mode == "train" ? core::PlanMode::Training : core::PlanMode::Inference;
  no.score_path = core::parse_score_path(a.compute.score_path);
  no.allow_tf32 = a.compute.tf32;
  no.cuda_graphs = a.cuda_graphs == "on";
  no.fold_bn = a.fold_bn == "on";
  if (a.mode == "score") no.precision = scoring_precision(a.compute, dev);
  auto net = core::make_network(g, no);
  net->set_expression(expr.data(), a.genes);
  std::vector<float> out(static_cast<size_t>(a.batch));
  long long step = 0;
  double loss_sum = 0;
  long long loss_pairs = 0;
  auto read_loss = [&] {  // the one host synchronisation of training, every --loss-every steps
    const auto [sum, n] = net->take_loss_sum();
    loss_sum += sum;
    loss_pairs += n;
    GENER_CHECK(std::isfinite(sum), "bench: loss became " << sum << " by step " << step);
  };
  auto run_batch = [&](long long first) {
    int B = static_cast<int>(std::min<long long>(a.batch, a.pairs - first));
    if (a.mode == "train") {
      net->train_step(ab.data() + 2 * first, y.data() + first, B, static_cast<uint64_t>(step), 0.01f, step + 1);
      ++step;
      if (step % a.loss_every == 0) read_loss();
    } else {
      net->predict(ab.data() + 2 * first, B, out.data());
    }
    return B;
  };
  if (a.pairs % a.batch) net->prepare_batch(static_cast<int>(a.pairs % a.batch));  // tail planned before timing
  for (int w = 0; w < a.warmup; ++w) run_batch(0);
  if (a.mode == "train") read_loss();
  else net->predict(ab.data(), 1, out.data());  // synchronised before the clock starts
  loss_sum = 0;
  loss_pairs = 0;
  auto t0 = std::chrono::steady_clock::now();
  long long done = 0;
  double el = 0;
  while (done < a.pairs) {
    done += run_batch(done);
    // Training enqueues ahead of the GPU between loss read-backs, so this clock may run early: a stop rule only.
    el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (el > a.seconds) break;
  }
  if (a.mode == "train") read_loss();  // waits for the last steps: inside the timed region
  el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double pps = done / el;
  std::printf("gener %s %s: %lld pairs in %.3f s = %.0f pairs/s (batch %d, %d params, %.3f GFLOP/s forward, "
              "score path %s, tf32 %s, fold_bn %s, precision %s, cuda graphs %s%s)\n",
              core::device_name(dev), a.mode.c_str(), done, el, pps, a.batch, static_cast<int>(g.n_trainable),
              2.0 * g.multiply_adds_per_pair() * pps * 1e-9, a.compute.score_path.c_str(), a.compute.tf32 ? "on" : "off",
              a.fold_bn.c_str(), kernels::precision_name(no.precision), a.cuda_graphs.c_str(),
              loss_pairs ? (", mean loss " + std::to_string(loss_sum / loss_pairs)).c_str() : "");
  if (!a.json.empty())
    write_json(a.json, {{"impl", "gener"}, {"device", core::device_name(dev)}, {"mode", a.mode}, {"batch", a.batch},
                        {"pairs", done}, {"seconds", el}, {"pairs_per_s", pps},
                        {"threads", a.compute.threads > 0 ? a.compute.threads
                                                          : static_cast<int>(std::thread::hardware_concurrency())},
                        {"params", g.n_trainable}, {"macs_per_pair", g.multiply_adds_per_pair()},
                        {"score_path", a.compute.score_path}, {"tf32", a.compute.tf32}, {"fold_bn", a.fold_bn},
                        {"precision", kernels::precision_name(no.precision)},
                        {"cuda_graphs", a.cuda_graphs},
                        {"omp_wait_policy", std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : ""}});
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "throughput benchmark of scoring or training on random data");
  cmd->add_option("--mode", a->mode, "score | train")->check(CLI::IsMember({"score", "train"}))->capture_default_str();
  cmd->add_option("--genes", a->genes, "genes in the random expression matrix")->capture_default_str();
  cmd->add_option("--samples", a->samples, "expression vector length L")->capture_default_str();
  cmd->add_option("--pairs", a->pairs, "pairs to process at most")->capture_default_str();
  cmd->add_option("--batch", a->batch, "batch size")->capture_default_str();
  cmd->add_option("--warmup-batches", a->warmup, "untimed batches first")->capture_default_str();
  cmd->add_option("--seconds", a->seconds, "stop measuring after this long")->capture_default_str();
  cmd->add_option("--model-config", a->model_config, "model YAML")->capture_default_str();
  cmd->add_option("--json", a->json, "write the result as JSON");
  cmd->add_option("--cuda-graphs", a->cuda_graphs, "on | off: CUDA graph replay of the training step")
      ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  cmd->add_option("--fold-bn", a->fold_bn, "on | off: batchnorm folded into the next layer for scoring")
      ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  cmd->add_option("--loss-every", a->loss_every, "train: read the loss back every N steps")
      ->check(CLI::PositiveNumber)->capture_default_str();
  add_compute_options(cmd, a->compute);
  add_precision_option(cmd, a->compute);
  cmd->callback([a] { run_bench(*a); });
}

}  // namespace gener::app
