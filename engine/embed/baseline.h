// baseline.h — one Table 4 baseline end to end on a prepared dataset: the training graph (positives of the
// training split only), the method's gene embedding ("+": with the expression vector appended), the logistic
// regression on Hadamard edge features, and the metrics of the validation and test splits.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/dataset_cache.h"
#include "engine/data/training_graph.h"
#include "engine/embed/embedding.h"
#include "engine/embed/options.h"

namespace gener::embed {

struct BaselineSpec {
  Method method = Method::Node2vec;
  bool with_expression = false;  // the "+" variants (Isomap+, LINE+, node2vec+)
};

// "isomap", "isomap+", "line", "line+", "node2vec", "node2vec+", "gne", "gne-topology" (a trailing "+" is the
// expression variant); anything else is an error naming `where` and the value.
BaselineSpec parse_baseline_spec(const std::string& name, const std::string& where);
// The name parse_baseline_spec reads back: method_name plus "+" for the expression variant.
std::string baseline_spec_name(const BaselineSpec& s);
// The eight baseline rows of the paper's Table 4 in its order: GNE, GNE (topology), node2vec+, LINE+, Isomap+,
// node2vec, LINE, Isomap (GENER and Correlation are the other two rows).
std::vector<BaselineSpec> table4_baselines();

struct BaselineResult {
  std::string label;          // the Table 4 row: "node2vec+", "GNE (topology)", ...
  BaselineSpec spec;
  Embedding embedding;        // (genes, dim): the method's own vectors (without the appended expression)
  std::vector<float> val_scores, test_scores;  // P(interacting) per pair, in split order (empty for an empty split)
  // Test-split metrics under the keys `gener eval` writes (auroc_micro, aupr_micro, auroc, aupr, mcc, accuracy,
  // n_pairs, n_pos), plus: method, label, with_expression, dim, features, "validation" (the same keys, or null),
  // "logistic" {iterations, evaluations, converged, objective}, "training_graph" {genes, edges, isolated},
  // "timing_s" {embedding, classifier, total}, options (the method's settings), seed.
  nlohmann::json metrics;
};

// The graph every method learns from: build_training_graph(ds.splits.train, genes). Never validation or test.
data::TrainingGraph baseline_training_graph(const data::DatasetCache& ds);

// Runs one baseline with the OpenMP thread count in effect (kernels::set_cpu_threads). Errors (one line each):
// the "+" flag on a GNE method, a dataset without expression values for a "+" variant or GNE (alpha > 0), a
// training graph without edges, a training split without both classes, a test split without both classes.
// `progress`: one line per phase on stderr.
BaselineResult run_baseline(const BaselineSpec& spec, const EmbedOptions& o, const data::DatasetCache& ds,
                            bool progress = false);

// DIR/embeddings.tsv (gene dim1..dimD), DIR/test_scores.tsv and DIR/val_scores.tsv ("gene_a gene_b label score"
// in split order), DIR/metrics.json; each written atomically (with `group`: committed with the run's other outputs).
void write_baseline_outputs(const BaselineResult& r, const data::DatasetCache& ds, const std::string& dir,
                            io::CommitGroup* group = nullptr);

}  // namespace gener::embed
