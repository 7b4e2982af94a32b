// cmd_bench.cpp — `gener bench`: scoring / training throughput of the GENER model on random data (fixed protocol).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <omp.h>

#include "apps/app_common.h"
#include "apps/cli_checks.h"
#include "base/resources.h"
#include "apps/commands.h"
#include "apps/config_paths.h"
#include "engine/io/output_guard.h"
#include "kernels/check.h"
#include "kernels/cpu_features.h"
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
  io::OutputGuard guard;
  guard.input("--model-config", a.model_config);
  if (!a.json.empty()) guard.output("--json", a.json);
  core::DeviceKind dev = setup_compute(a.compute);
  core::ModelConfig mc = core::load_model_config(a.model_config);
  core::Graph g = model_graph(mc, a.samples, a.model_config);
  check_memory(uint64_t{4} * a.genes * a.samples + uint64_t{12} * a.pairs,
               "bench: --genes " + std::to_string(a.genes) + " x --samples " + std::to_string(a.samples) +
                   " values and --pairs " + std::to_string(a.pairs));
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
  auto net = with_memory_context("bench: --batch " + std::to_string(a.batch) + " with " +
                                     std::to_string(omp_get_max_threads()) + " thread(s)",
                                 [&] { return core::make_network(g, no); });
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
  const bool cpu = dev == core::DeviceKind::Cpu;
  const bool amx = cpu && kernels::lowp_packs_for_amx(no.precision);
  // The vector instructions of the CPU's fp32 kernels (direct convolution, dense rows): "none" means sgemm paths.
  const std::string simd = cpu ? kernels::fp32_simd_name(kernels::fp32_simd()) : "";
  std::printf("gener %s %s: %lld pairs in %.3f s = %.0f pairs/s (batch %d, %d params, %.3f GFLOP/s forward, "
              "score path %s, tf32 %s, fold_bn %s, precision %s%s%s, cuda graphs %s%s)\n",
              core::device_name(dev), a.mode.c_str(), done, el, pps, a.batch, static_cast<int>(g.n_trainable),
              2.0 * g.multiply_adds_per_pair() * pps * 1e-9, a.compute.score_path.c_str(), a.compute.tf32 ? "on" : "off",
              a.fold_bn.c_str(), kernels::precision_name(no.precision), amx ? " on AMX tiles" : "",
              cpu ? (", fp32 kernels " + simd).c_str() : "", a.cuda_graphs.c_str(),
              loss_pairs ? (", mean loss " + std::to_string(loss_sum / loss_pairs)).c_str() : "");
  if (!a.json.empty())
    write_json(a.json, {{"impl", "gener"}, {"device", core::device_name(dev)}, {"mode", a.mode}, {"batch", a.batch},
                        {"pairs", done}, {"seconds", el}, {"pairs_per_s", pps},
                        {"threads", omp_get_max_threads()},
                        {"params", g.n_trainable}, {"macs_per_pair", g.multiply_adds_per_pair()},
                        {"score_path", a.compute.score_path}, {"tf32", a.compute.tf32}, {"fold_bn", a.fold_bn},
                        {"precision", kernels::precision_name(no.precision)}, {"amx", amx}, {"cpu_simd", simd},
                        {"cuda_graphs", a.cuda_graphs},
                        {"omp_wait_policy", std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : ""}});
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "throughput benchmark of scoring or training on random data");
  cmd->add_option("--mode", a->mode, "score | train")->check(CLI::IsMember({"score", "train"}))->capture_default_str();
  add_bounded(cmd, "--genes", a->genes, "genes in the random expression matrix", Bounds::closed(2, 1 << 24))
      ->capture_default_str();
  add_bounded(cmd, "--samples", a->samples, "expression vector length L", Bounds::closed(1, 1 << 20))
      ->capture_default_str();
  add_bounded(cmd, "--pairs", a->pairs, "pairs to process at most", Bounds::closed(1, 1e12))->capture_default_str();
  add_bounded(cmd, "--batch", a->batch, "batch size", core::range::kBatch)->capture_default_str();
  add_bounded(cmd, "--warmup-batches", a->warmup, "untimed batches first", Bounds::closed(0, 1e6))
      ->capture_default_str();
  add_bounded(cmd, "--seconds", a->seconds, "stop measuring after this long", Bounds::above(0))
      ->capture_default_str();
  cmd->add_option("--model-config", a->model_config, "model YAML")->capture_default_str();
  cmd->add_option("--json", a->json, "write the result as JSON");
  cmd->add_option("--cuda-graphs", a->cuda_graphs, "on | off: CUDA graph replay of the training step")
      ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  cmd->add_option("--fold-bn", a->fold_bn, "on | off: batchnorm folded into the next layer for scoring")
      ->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  add_bounded(cmd, "--loss-every", a->loss_every, "train: read the loss back every N steps",
              Bounds::closed(1, 1e9))->capture_default_str();
  add_compute_options(cmd, a->compute);
  add_precision_option(cmd, a->compute);
  cmd->callback([a] { run_bench(*a); });
}

}  // namespace gener::app
