// cmd_baseline.cpp — `gener baseline`: one Table 4 graph-embedding baseline (Isomap, LINE, node2vec, GNE) on a
// prepared dataset: embeddings, validation/test scores and metrics.json.
#include <cstdio>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "apps/experiment_common.h"
#include "engine/embed/baseline.h"
#include "engine/io/atomic_file.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

// The training graph as an edge list other node2vec tools read (PecanPy, the reference node2vec): one
// "gene_a<TAB>gene_b" line per undirected edge, no header.
void write_graph_edg(const std::string& path, const data::TrainingGraph& g, const std::vector<std::string>& genes) {
  io::AtomicFile f(path);
  for (int u = 0; u < g.n_nodes; ++u)
    for (const int32_t* v = g.begin(u); v != g.end(u); ++v)
      if (u < *v) f.stream() << genes[u] << '\t' << genes[*v] << '\n';
  f.commit();
}

struct BaselineArgs {
  std::string method, dataset, out, config;
  bool with_expression = false, quiet = false, write_graph = false;
  long long seed = -1;
  ComputeArgs compute;
};

void run_baseline_command(const BaselineArgs& a) {
  const embed::Method method = embed::parse_method(a.method, "baseline: --method");
  embed::EmbedOptions o = a.config.empty() ? embed::EmbedOptions{} : embed::load_embed_options(a.config);
  if (a.seed >= 0) o.seed = static_cast<uint64_t>(a.seed);
  setup_compute(a.compute);
  const data::DatasetCache ds = load_cache(a.dataset, a.quiet);
  embed::BaselineSpec spec{method, a.with_expression};
  embed::BaselineResult r = embed::run_baseline(spec, o, ds, !a.quiet);
  r.metrics["dataset"] = a.dataset;
  r.metrics["config"] = a.config.empty() ? "<defaults>" : a.config;
  const std::string out =
      a.out.empty() ? "runs/baseline/" + embed::method_name(method) + (a.with_expression ? "_plus" : "") : a.out;
  embed::write_baseline_outputs(r, ds, out);
  if (a.write_graph) write_graph_edg(out + "/training_graph.edg", embed::baseline_training_graph(ds), ds.expr.genes);
  const nlohmann::json& m = r.metrics;
  std::printf("%-16s %10s %10s %10s %10s %8s\n", "", "AUROC", "AUPR", "AUROC+", "AUPR+", "MCC");
  std::printf("%-16s %10.4f %10.4f %10.4f %10.4f %8.4f\n", r.label.c_str(), m["auroc_micro"].get<double>(),
              m["aupr_micro"].get<double>(), m["auroc"].get<double>(), m["aupr"].get<double>(),
              m["mcc"][1].get<double>());
  std::printf("(test split, n = %lld pairs; AUROC/AUPR micro-averaged over both classes as the paper reports; +: "
              "positive class)\n",
              m["n_pairs"].get<long long>());
  std::printf("wrote %s/embeddings.tsv, %s/test_scores.tsv, %s/metrics.json\n", out.c_str(), out.c_str(), out.c_str());
}

}  // namespace

void add_baseline_command(CLI::App& app) {
  auto a = std::make_shared<BaselineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "baseline", "a Table 4 graph-embedding baseline on a dataset cache: embeddings of the training graph, a "
                  "logistic regression on Hadamard edge features, test metrics");
  cmd->add_option("--method", a->method, "isomap | line | node2vec | gne | gne-topology")->required();
  cmd->add_flag("--with-expression", a->with_expression,
                "the \"+\" variant: append each gene's (z-scored) expression vector to its embedding (isomap, line, "
                "node2vec)");
  cmd->add_option("--dataset", a->dataset, "dataset cache from `gener prepare`")->required();
  cmd->add_option("--out", a->out, "output directory (default runs/baseline/METHOD[_plus])");
  cmd->add_option("--config", a->config,
                  "YAML with a top-level `baselines:` mapping of settings (default: the built-in GNE-protocol "
                  "values, as in configs/baselines/gne_protocol.yaml)");
  cmd->add_option("--seed", a->seed, "seed of every random draw (replaces the config's `seed`)");
  cmd->add_flag("--write-graph", a->write_graph,
                "also write DIR/training_graph.edg, the training graph as a gene_a<TAB>gene_b edge list (for other "
                "node2vec tools)");
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  cmd->add_option("--threads", a->compute.threads, "CPU threads (0 = all cores)")->capture_default_str();
  cmd->callback([a] { run_baseline_command(*a); });
}

}  // namespace gener::app
