// app_common.cpp — shared subcommand plumbing.
#include "apps/app_common.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "apps/cli_checks.h"
#include "base/resources.h"
#include "engine/io/atomic_file.h"
#include "kernels/check.h"
#include "kernels/cuda_probe.h"
#include "kernels/threads.h"

namespace gener::app {

void add_expression_options(CLI::App* cmd, ExpressionArgs& a, bool required) {
  auto* o = cmd->add_option("--expression", a.paths,
                            "expression matrix, TSV/CSV (plain or .gz): genes x samples or samples x genes (a leading "
                            "array-name column is detected); several files are stacked (arrays concatenated)");
  if (required) o->required();
  cmd->add_option("--normalize", a.normalize,
                  "none | center | zscore (per gene) | quantile (across samples), each file on its own [none]")
      ->check(CLI::IsMember({"none", "center", "zscore", "quantile"}));
  cmd->add_option("--orientation", a.orientation, "auto | genes-by-samples | samples-by-genes [auto]")
      ->check(CLI::IsMember({"auto", "genes-by-samples", "samples-by-genes"}));
  cmd->add_option("--missing", a.missing,
                  "missing values (NaN, NA, empty): error | impute (the gene's mean in its file) | drop-genes [error]")
      ->check(CLI::IsMember({"error", "impute", "drop-genes"}));
  cmd->add_option("--max-missing", a.max_missing,
                  "drop-genes: the largest missing fraction a kept gene may have, in [0, 1] [0]");
  cmd->add_option("--genes", a.genes, "several files: genes in every file (intersection) or in any (union) "
                                      "[intersection]")
      ->check(CLI::IsMember({"intersection", "union"}));
  cmd->add_option("--gene-map", a.gene_map, "id -> name map (net4_gene_ids.tsv) joining G-id and ORF files");
}

data::ExpressionSpec expression_spec(const ExpressionArgs& a, const data::ExpressionSpec* recorded) {
  data::ExpressionSpec s = recorded ? *recorded : data::ExpressionSpec{};
  if (!a.paths.empty()) s.files = a.paths;
  if (!a.orientation.empty()) s.orientation = data::parse_orientation(a.orientation, "--orientation");
  if (!a.normalize.empty()) s.normalize = data::parse_normalization(a.normalize, "--normalize");
  if (!a.missing.empty()) s.missing = data::parse_missing_policy(a.missing, "--missing");
  if (a.max_missing != -1.0) {  // given
    GENER_CHECK(a.max_missing >= 0 && a.max_missing <= 1,
                "--max-missing: the missing fraction must be in [0, 1], got " << a.max_missing);
    GENER_CHECK(s.missing == data::MissingPolicy::DropGenes, "--max-missing applies to --missing drop-genes only");
    s.max_missing = a.max_missing;
  }
  if (!a.genes.empty()) s.genes = a.genes == "union" ? data::GeneJoin::Union : data::GeneJoin::Intersection;
  if (!a.gene_map.empty()) s.gene_map = a.gene_map;
  return s;
}

data::ExpressionSet load_expression_set(const ExpressionArgs& a) { return data::load_expression_set(expression_spec(a)); }

data::Expression load_expression(const ExpressionArgs& a) { return load_expression_set(a).expr; }

data::ExpressionSet load_model_expression(const ExpressionArgs& a, const core::Checkpoint& ck,
                                          const std::string& model_path, bool quiet) {
  auto it = ck.info.find("expression");
  if (it == ck.info.end()) {
    GENER_CHECK(!a.paths.empty(), model_path << ": the model does not record its expression files; give --expression");
    return load_expression_set(a);
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(model_path << ": metadata 'expression' is not valid JSON: " << e.what());
  }
  const data::ExpressionSpec recorded = data::expression_spec_from_json(j, model_path + " (metadata expression)");
  const data::ExpressionSpec spec = expression_spec(a, &recorded);
  if (a.paths.empty())
    for (const std::string& f : spec.files)
      GENER_CHECK(std::filesystem::exists(f), model_path << ": the model's expression file " << f
                                                         << " is not there; give --expression");
  if (!quiet)
    std::fprintf(stderr, "[expression] %zu file(s)%s; the model's preprocessing: normalize %s, missing %s, genes %s\n",
                 spec.files.size(), a.paths.empty() ? " recorded in the model" : "",
                 data::normalization_name(spec.normalize), data::missing_policy_name(spec.missing),
                 spec.genes == data::GeneJoin::Union ? "union" : "intersection");
  data::ExpressionSet es = data::load_expression_set(spec);
  auto sm = ck.info.find("expression_samples");
  if (sm != ck.info.end() && !es.expr.samples.empty()) {
    const auto want = nlohmann::json::parse(sm->second).get<std::vector<std::string>>();
    const size_t n = std::min(want.size(), es.expr.samples.size());
    for (size_t k = 0; k < n; ++k)
      GENER_CHECK(want[k] == es.expr.samples[k],
                  model_path << ": array " << k + 1 << " is '" << es.expr.samples[k] << "' here but '" << want[k]
                             << "' in the model's training data: give the expression files in the model's order");
  }
  return es;
}

void guard_expression_inputs(io::OutputGuard& guard, const ExpressionArgs& a) {
  for (const std::string& f : a.paths) guard.input("--expression", f);
  guard.input("--gene-map", a.gene_map);
}

void guard_expression_inputs(io::OutputGuard& guard, const data::ExpressionSpec& spec) {
  for (const std::string& f : spec.files) guard.input("the expression file", f);
  guard.input("the gene map", spec.gene_map);
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

void add_precision_option(CLI::App* cmd, ComputeArgs& a) {
  cmd->add_option("--precision", a.precision,
                  "CPU scoring arithmetic: fp32 | bf16 (AMX tiles, else AVX512-BF16) | int8 (AVX-512 VNNI); fp32 where the CPU lacks it")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}))
      ->capture_default_str();
}

kernels::Precision scoring_precision(const ComputeArgs& a, core::DeviceKind dev) {
  const kernels::Precision p = kernels::parse_precision(a.precision);
  if (p == kernels::Precision::Fp32) return p;
  if (dev != core::DeviceKind::Cpu) {
    std::fprintf(stderr, "note: --precision %s is CPU-only; the GPU scores in fp32\n", a.precision.c_str());
    return kernels::Precision::Fp32;
  }
  std::string note;
  const kernels::Precision r = kernels::resolve_precision(p, &note);
  if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  return r;
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
  if (compute != nullptr) no.precision = scoring_precision(*compute, dev);
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
