// app_common.cpp — shared subcommand plumbing.
#include "apps/app_common.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "apps/cli_checks.h"
#include "base/resources.h"
#include "engine/io/atomic_file.h"
#include "kernels/check.h"
#include "kernels/cuda_probe.h"
#include "kernels/threads.h"

namespace gener::app {

void add_expression_options(CLI::App* cmd, ExpressionArgs& a, bool required) {
  auto* o = cmd->add_option("--expression", a.path,
                            "expression matrix, TSV/CSV (plain or .gz): genes x samples or samples x genes");
  if (required) o->required();
  cmd->add_option("--normalize", a.normalize, "none | quantile (across samples) | zscore (per gene)")
      ->check(CLI::IsMember({"none", "quantile", "zscore"}))
      ->capture_default_str();
  cmd->add_option("--orientation", a.orientation, "auto | genes-by-samples | samples-by-genes")
      ->check(CLI::IsMember({"auto", "genes-by-samples", "samples-by-genes"}))
      ->capture_default_str();
}

data::Expression load_expression(const ExpressionArgs& a) {
  data::Orientation o = a.orientation == "genes-by-samples"   ? data::Orientation::GenesBySamples
                        : a.orientation == "samples-by-genes" ? data::Orientation::SamplesByGenes
                                                              : data::Orientation::Auto;
  data::Expression e = data::read_expression(a.path, o);
  if (a.normalize == "quantile") data::quantile_normalize(e);
  if (a.normalize == "zscore") data::zscore_per_gene(e);
  return e;
}

core::PairView view(const data::PairSet& p) {
  core::PairView v;
  v.ab = p.ab.data();
  v.label = p.label.data();
  v.n = p.size();
  return v;
}

std::vector<int> labels_of(const data::PairSet& p, const std::string& origin) {
  GENER_CHECK(p.size() > 0, origin << ": no pairs (only a header or blank lines)");
  GENER_CHECK(p.labelled(), origin << ": pairs need a 0/1 label column here");
  return std::vector<int>(p.label.begin(), p.label.end());
}

void add_compute_options(CLI::App* cmd, ComputeArgs& a) {
  cmd->add_option("--device", a.device, "cpu | cuda | auto (the GPU when there is one)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->capture_default_str();
  cmd->add_option("--threads", a.threads, "CPU threads (0 = all the CPUs this process may use; more are capped)")
      ->check(in_range(Bounds::closed(0, 1 << 20), true))
      ->capture_default_str();
  cmd->add_option("--score-path", a.score_path, "CUDA scoring: layers | fused (the CNN branch in one kernel)")
      ->check(CLI::IsMember({"layers", "fused"}))
      ->capture_default_str();
  cmd->add_flag("--tf32", a.tf32, "CUDA: allow TF32 tensor cores (fp32 otherwise)");
}

int apply_threads(int requested, int ranks_sharing, bool note) {
  const ThreadChoice t = choose_threads(requested, ranks_sharing);
  if (note && !t.note.empty()) std::fprintf(stderr, "note: %s\n", t.note.c_str());
  return kernels::set_cpu_threads(t.threads);
}

core::DeviceKind setup_compute(const ComputeArgs& a) {
  apply_threads(a.threads, 1, true);
  return core::resolve_device(a.device);
}

RankCompute setup_rank_compute(const ComputeArgs& a, const parallel::Comm& world) {
  RankCompute rc;
  // Ranks of one node that the launcher did not bind apart see the same CPUs: they share them evenly.
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const bool unbound = usable_cpus() >= hw;
  rc.threads = apply_threads(a.threads, world.local_size() > 1 && unbound ? world.local_size() : 1, world.is_root());
  rc.device = core::resolve_device(a.device);
  const int gpus = kernels::cuda_device_count_safe();
  rc.gpu = gpus > 0 ? world.local_rank() % gpus : 0;
  return rc;
}

std::unique_ptr<core::Network> inference_network(const core::Checkpoint& ck, core::DeviceKind dev, int batch,
                                                 const data::Expression& expr, const std::string& model_path,
                                                 const ComputeArgs* compute, int gpu) {
  GENER_CHECK(ck.L == expr.L, model_path << ": model expects expression vectors of length " << ck.L
                                         << " but the expression matrix has " << expr.L << " samples");
  core::NetworkOptions no;
  no.device = dev;
  no.gpu = gpu;
  no.max_batch = batch;
  no.mode = core::PlanMode::Inference;
  if (compute != nullptr && dev == core::DeviceKind::Cuda) {
    no.score_path = core::parse_score_path(compute->score_path);
    no.allow_tf32 = compute->tf32;
  }
  const int threads = omp_get_max_threads();
  auto net = with_memory_context(
      "--batch " + std::to_string(batch) + " with " + std::to_string(threads) + " thread(s) and the model " + model_path,
      [&] { return core::make_network(model_graph(ck.model, ck.L, model_path), no); });
  net->set_params(ck.params);
  net->set_state(ck.state);
  net->set_expression(expr.values.data(), expr.n_genes());
  return net;
}

core::Graph model_graph(const core::ModelConfig& mc, int L, const std::string& origin) {
  try {
    return core::build_gener_graph(mc, L);
  } catch (const Error& e) {
    rethrow_with_context(origin, e);
  }
}

void write_json(const std::string& path, const nlohmann::json& j, io::CommitGroup* group) {
  io::AtomicFile f(path, false, group);
  f.stream() << j.dump(2) << "\n";
  f.commit();
}

}  // namespace gener::app
