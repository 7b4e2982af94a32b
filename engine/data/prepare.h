// prepare.h — raw files to a training-ready dataset: read, handle missing values in, normalise and stack the
// compendia; clean the interactions; sample negatives (uniform or degree-matched); split by pairs or by genes (or
// take the authors' .npy splits verbatim, pairs without data dropped and counted).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/biogrid.h"
#include "engine/data/compendium.h"
#include "engine/data/file_pattern.h"
#include "engine/data/negatives.h"
#include "engine/data/split.h"

namespace gener::data {

struct PrepareSpec {
  std::string name = "dataset";
  int paper_table = 0;  // the table of the paper this dataset reproduces (3 or 4), 0 for none

  ExpressionSpec expr;                       // the matrix file(s) and how to prepare them

  std::string interactions;                  // a file, or a glob pattern that must match exactly one file
  std::string interactions_format = "biogrid";  // biogrid (TAB2/TAB3) | edges (gene_a gene_b [label])
  bool by_index = false;                     // edges: 0-based matrix rows instead of names
  BiogridOptions biogrid;

  NegativeSampling negatives = NegativeSampling::Uniform;
  double negative_ratio = 1.0;               // sampled negatives per positive (uniform; degree_matched needs 1)
  SplitBy split_by = SplitBy::Pairs;
  double test_frac = 0.1, val_frac = 0.1;    // of the pairs (split by pairs) or of the genes (split by genes)
  uint64_t seed = 1;                         // negatives and split
  std::string validation_npy, test_npy;      // the authors' splits (both or neither), used verbatim
};

struct PreparedDataset {
  Expression expr;
  Splits splits;
  // The counts of the paper's Tables 1/2, what was dropped and why, the C1/C2/C3 make-up of the test split, and
  // "expression_spec" (the resolved ExpressionSpec) so a model can record its preprocessing; stored in the cache.
  nlohmann::json summary;
};

// Positives: the interactions among genes of the matrix (names through the gene map), undirected (a < b),
// deduplicated, self-pairs dropped; rows naming a gene absent from the matrix are counted and skipped.
// Negatives: the list's 0-labelled rows when it has them, else sampled: `uniform` draws round(ratio * positives)
// pairs uniformly from the non-interacting pairs; `degree_matched` draws one per positive so each gene's negative
// degree follows its positive degree. Split by pairs: split_pairs(test_frac, val_frac, seed). Split by genes: the
// genes are partitioned first (partition_genes) and each split takes the positives within its genes, plus its own
// negatives among them: no test or validation pair has a training gene. With validation_npy / test_npy, those are
// the validation and test sets (pairs with a gene without data dropped and counted per label), and the training
// set is the remaining positives plus as many negatives, none in the validation or test set. Every split must hold
// both classes (an error names the split and the key to change).
PreparedDataset prepare_dataset(const PrepareSpec& spec);

// The summary as a Table 1/2-style block of lines for the terminal.
std::string format_prepare_summary(const nlohmann::json& summary);

}  // namespace gener::data
