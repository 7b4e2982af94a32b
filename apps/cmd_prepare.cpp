// cmd_prepare.cpp — `gener prepare`: raw files (an experiment file or flags) to one binary dataset cache.
#include <cstdio>
#include <sstream>

#include "apps/commands.h"
#include "apps/cli_checks.h"
#include "apps/experiment_common.h"
#include "engine/io/output_guard.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct PrepareArgs {
  std::string config, data_root, out;
  data::PrepareSpec spec;
  std::string orientation = "auto", biogrid, edges, systems = "physical,genetic";
  long long organism = 559292, seed = 1;
  bool quiet = false;
};

void run_prepare(PrepareArgs& a, CLI::App* cmd) {
  data::PrepareSpec spec;
  if (!a.config.empty()) {
    for (const char* flag : {"--expression", "--biogrid", "--edges", "--gene-map", "--validation-npy", "--test-npy"})
      GENER_CHECK(cmd->count(flag) == 0, "prepare: " << flag << " and --config exclude each other (the experiment "
                                                     << "file names the data)");
    spec = load_experiment(a.config, a.data_root).prepare;
  } else {
    GENER_CHECK(!a.spec.expression.empty(), "prepare: give --config EXPERIMENT.yaml, or --expression and --biogrid or "
                                            "--edges");
    GENER_CHECK(a.biogrid.empty() != a.edges.empty(), "prepare: give exactly one of --biogrid FILE and --edges FILE");
    spec = a.spec;
    spec.orientation = a.orientation == "genes-by-samples"   ? data::Orientation::GenesBySamples
                       : a.orientation == "samples-by-genes" ? data::Orientation::SamplesByGenes
                                                             : data::Orientation::Auto;
    spec.interactions_format = a.biogrid.empty() ? "edges" : "biogrid";
    spec.interactions = a.biogrid.empty() ? a.edges : a.biogrid;
    spec.biogrid.organism = a.organism;
    spec.biogrid.physical = spec.biogrid.genetic = false;
    std::stringstream ss(a.systems);
    for (std::string s; std::getline(ss, s, ',');) {
      GENER_CHECK(s == "physical" || s == "genetic", "prepare: --systems: expected physical and/or genetic, got '"
                                                         << s << "'");
      (s == "physical" ? spec.biogrid.physical : spec.biogrid.genetic) = true;
    }
    GENER_CHECK(a.seed >= 0, "prepare: --seed must be >= 0, got " << a.seed);
    spec.seed = static_cast<uint64_t>(a.seed);
  }
  const std::string out = a.out.empty() ? "runs/" + spec.name + "/dataset.gcache" : a.out;
  io::OutputGuard guard;  // the cache is never written over one of the raw files
  guard_prepare_inputs(guard, spec, a.config);
  guard.output("--out", out);
  prepare_and_cache(spec, out, a.quiet);
}

}  // namespace

void add_prepare_command(CLI::App& app) {
  auto a = std::make_shared<PrepareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "prepare", "raw files (DREAM5/YEASTRACT matrix, BioGRID or an edge list, the authors' .npy splits) → one dataset "
                 "cache file for train/eval --dataset");
  cmd->add_option("--config", a->config, "experiment YAML (configs/experiments/*.yaml) naming the files and settings");
  cmd->add_option("--data-root", a->data_root, "directory holding the raw files (replaces experiment.data_root)");
  cmd->add_option("--out", a->out, "cache file to write (default runs/NAME/dataset.gcache)");
  cmd->add_option("--name", a->spec.name, "dataset name (flags mode)")->capture_default_str();
  cmd->add_option("--expression", a->spec.expression, "matrix file, TSV/CSV, plain or .gz");
  cmd->add_option("--expression-format", a->spec.expression_format,
                  "matrix (expression, either orientation) | regulation_matrix (YEASTRACT TF x gene)")
      ->check(CLI::IsMember({"matrix", "regulation_matrix"}))
      ->capture_default_str();
  cmd->add_option("--orientation", a->orientation, "auto | genes-by-samples | samples-by-genes")
      ->check(CLI::IsMember({"auto", "genes-by-samples", "samples-by-genes"}))
      ->capture_default_str();
  cmd->add_option("--gene-map", a->spec.gene_map, "id -> name map (net4_gene_ids.tsv) so ORF names resolve to G-ids");
  cmd->add_option("--normalize", a->spec.normalize, "none | quantile (BioGRID & DREAM5) | zscore (YEASTRACT)")
      ->check(CLI::IsMember({"none", "quantile", "zscore"}))
      ->capture_default_str();
  cmd->add_option("--biogrid", a->biogrid, "BioGRID TAB2/TAB3 file (plain or .gz)");
  cmd->add_option("--edges", a->edges, "edge list: gene_a gene_b [label], by name (or index with --by-index)");
  cmd->add_flag("--by-index", a->spec.by_index, "--edges names genes by 0-based matrix row");
  cmd->add_option("--organism", a->organism, "BioGRID organism (NCBI taxonomy id)")->capture_default_str();
  cmd->add_option("--systems", a->systems, "BioGRID experimental system types kept")->capture_default_str();
  add_bounded(cmd, "--negative-ratio", a->spec.negative_ratio, "sampled negatives per positive",
              core::range::kRatio)->capture_default_str();
  add_bounded(cmd, "--test-frac", a->spec.test_frac, "test fraction", core::range::kFraction)
      ->capture_default_str();
  add_bounded(cmd, "--val-frac", a->spec.val_frac, "validation fraction of the rest", core::range::kFraction)
      ->capture_default_str();
  add_bounded(cmd, "--seed", a->seed, "seed of the negatives and the split", core::range::kSeed)
      ->capture_default_str();
  cmd->add_option("--validation-npy", a->spec.validation_npy, "the authors' validation_data.npy (used verbatim)");
  cmd->add_option("--test-npy", a->spec.test_npy, "the authors' testing_data.npy (used verbatim)");
  cmd->add_option("--paper-table", a->spec.paper_table, "paper table the report compares with (3, 4; 0 none)")
      ->check(CLI::IsMember({0, 3, 4}));
  cmd->add_flag("--quiet", a->quiet, "no summary table");
  cmd->callback([a, cmd] { run_prepare(*a, cmd); });
}

}  // namespace gener::app
