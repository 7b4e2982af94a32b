// cmd_prepare.cpp — `gener prepare`: raw files (an experiment file or flags) to one binary dataset cache.
#include <cstdio>
#include <sstream>

#include "apps/commands.h"
#include "apps/experiment_common.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct PrepareArgs {
  std::string config, data_root, out;
  data::PrepareSpec spec;
  std::vector<std::string> expression;
  std::string expression_format = "matrix", orientation = "auto", gene_map, normalize = "none", missing = "error";
  std::string genes = "intersection", negatives = "uniform", split = "pairs";
  double max_missing = 0;
  std::string biogrid, edges, systems = "physical,genetic";
  long long organism = 559292, seed = 1;
  bool quiet = false;
};

void run_prepare(PrepareArgs& a, CLI::App* cmd) {
  data::PrepareSpec spec;
  if (!a.config.empty()) {
    for (const char* flag : {"--expression", "--biogrid", "--edges", "--gene-map", "--validation-npy", "--test-npy",
                             "--normalize", "--missing", "--max-missing", "--genes", "--negatives", "--split"})
      GENER_CHECK(cmd->count(flag) == 0, "prepare: " << flag << " and --config exclude each other (the experiment "
                                                     << "file names the data and settings)");
    spec = load_experiment(a.config, a.data_root).prepare;
  } else {
    GENER_CHECK(!a.expression.empty(), "prepare: give --config EXPERIMENT.yaml, or --expression and --biogrid or "
                                       "--edges");
    GENER_CHECK(a.biogrid.empty() != a.edges.empty(), "prepare: give exactly one of --biogrid FILE and --edges FILE");
    spec = a.spec;
    data::ExpressionSpec& x = spec.expr;
    x.files = a.expression;
    x.format = a.expression_format;
    x.orientation = data::parse_orientation(a.orientation, "--orientation");
    x.gene_map = a.gene_map;
    x.normalize = data::parse_normalization(a.normalize, "--normalize");
    x.missing = data::parse_missing_policy(a.missing, "--missing");
    GENER_CHECK(cmd->count("--max-missing") == 0 || x.missing == data::MissingPolicy::DropGenes,
                "prepare: --max-missing applies to --missing drop-genes only");
    GENER_CHECK(a.max_missing >= 0 && a.max_missing <= 1,
                "prepare: --max-missing: the missing fraction must be in [0, 1], got " << a.max_missing);
    x.max_missing = a.max_missing;
    x.genes = a.genes == "union" ? data::GeneJoin::Union : data::GeneJoin::Intersection;
    spec.negatives = data::parse_negative_sampling(a.negatives, "--negatives");
    spec.split_by = data::parse_split_by(a.split, "--split");
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
    if (spec.split_by == data::SplitBy::Genes) {  // fractions of genes: 0.2 each unless given
      if (cmd->count("--test-frac") == 0) spec.test_frac = 0.2;
      if (cmd->count("--val-frac") == 0) spec.val_frac = 0.2;
    }
  }
  const std::string out = a.out.empty() ? "runs/" + spec.name + "/dataset.gcache" : a.out;
  prepare_and_cache(spec, out, a.quiet);
}

}  // namespace

void add_prepare_command(CLI::App& app) {
  auto a = std::make_shared<PrepareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "prepare", "raw files (expression compendia, BioGRID or an edge list, the authors' .npy splits) → one dataset "
                 "cache file for train/eval --dataset");
  cmd->add_option("--config", a->config, "experiment YAML (configs/experiments/*.yaml) naming the files and settings");
  cmd->add_option("--data-root", a->data_root, "directory holding the raw files (replaces experiment.data_root)");
  cmd->add_option("--out", a->out, "cache file to write (default runs/NAME/dataset.gcache)");
  cmd->add_option("--name", a->spec.name, "dataset name (flags mode)")->capture_default_str();
  cmd->add_option("--expression", a->expression,
                  "matrix file(s), TSV/CSV, plain or .gz; several are stacked (arrays concatenated)");
  cmd->add_option("--expression-format", a->expression_format,
                  "matrix (expression, either orientation) | regulation_matrix (YEASTRACT TF x gene)")
      ->check(CLI::IsMember({"matrix", "regulation_matrix"}))
      ->capture_default_str();
  cmd->add_option("--orientation", a->orientation, "auto | genes-by-samples | samples-by-genes")
      ->check(CLI::IsMember({"auto", "genes-by-samples", "samples-by-genes"}))
      ->capture_default_str();
  cmd->add_option("--gene-map", a->gene_map, "id -> name map (net4_gene_ids.tsv) so ORF names resolve to G-ids");
  cmd->add_option("--normalize", a->normalize,
                  "none | center | zscore (per gene) | quantile (across samples); each file on its own")
      ->check(CLI::IsMember({"none", "center", "zscore", "quantile"}))
      ->capture_default_str();
  cmd->add_option("--missing", a->missing,
                  "missing values (NaN, NA, empty): error | impute (the gene's mean in its file) | drop-genes")
      ->check(CLI::IsMember({"error", "impute", "drop-genes"}))
      ->capture_default_str();
  cmd->add_option("--max-missing", a->max_missing, "drop-genes: largest missing fraction a kept gene may have")
      ->capture_default_str();
  cmd->add_option("--genes", a->genes, "several files: intersection | union of their genes")
      ->check(CLI::IsMember({"intersection", "union"}))
      ->capture_default_str();
  cmd->add_option("--biogrid", a->biogrid, "BioGRID TAB2/TAB3 file (plain or .gz)");
  cmd->add_option("--edges", a->edges, "edge list: gene_a gene_b [label], by name (or index with --by-index)");
  cmd->add_flag("--by-index", a->spec.by_index, "--edges names genes by 0-based matrix row");
  cmd->add_option("--organism", a->organism, "BioGRID organism (NCBI taxonomy id)")->capture_default_str();
  cmd->add_option("--systems", a->systems, "BioGRID experimental system types kept")->capture_default_str();
  cmd->add_option("--negatives", a->negatives, "uniform | degree_matched (each gene's negative degree = its positive)")
      ->check(CLI::IsMember({"uniform", "degree_matched"}))
      ->capture_default_str();
  cmd->add_option("--negative-ratio", a->spec.negative_ratio, "sampled negatives per positive")->capture_default_str();
  cmd->add_option("--split", a->split, "pairs (seeded random split) | genes (test genes never in training)")
      ->check(CLI::IsMember({"pairs", "genes"}))
      ->capture_default_str();
  cmd->add_option("--test-frac", a->spec.test_frac, "test fraction (of pairs; of genes with --split genes: 0.2)")
      ->capture_default_str();
  cmd->add_option("--val-frac", a->spec.val_frac, "validation fraction (of the rest; of genes with --split genes)")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "seed of the negatives and the split")->capture_default_str();
  cmd->add_option("--validation-npy", a->spec.validation_npy, "the authors' validation_data.npy (used verbatim)");
  cmd->add_option("--test-npy", a->spec.test_npy, "the authors' testing_data.npy (used verbatim)");
  cmd->add_option("--paper-table", a->spec.paper_table, "paper table the report compares with (3, 4; 0 none)")
      ->check(CLI::IsMember({0, 3, 4}));
  cmd->add_flag("--quiet", a->quiet, "no summary table");
  cmd->callback([a, cmd] { run_prepare(*a, cmd); });
}

}  // namespace gener::app
