// prepare.h — raw files to a training-ready dataset, as the paper prepared its data: read and normalise the
// matrix, clean the interactions, sample as many negatives, split (or take the authors' .npy splits verbatim).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/biogrid.h"
#include "engine/data/expression.h"
#include "engine/data/split.h"

namespace gener::data {

struct PrepareSpec {
  std::string name = "dataset";
  int paper_table = 0;  // the table of the paper this dataset reproduces (3 or 4), 0 for none

  std::string expression;                    // the matrix file
  std::string expression_format = "matrix";  // matrix (expression TSV/CSV) | regulation_matrix (YEASTRACT TF x gene)
  Orientation orientation = Orientation::Auto;
  std::string gene_map;                      // optional id -> name file (net4_gene_ids.tsv)
  std::string normalize = "none";            // none | quantile (across samples) | zscore (per gene)

  std::string interactions;                  // a file, or a glob pattern that must match exactly one file
  std::string interactions_format = "biogrid";  // biogrid (TAB2/TAB3) | edges (gene_a gene_b [label])
  bool by_index = false;                     // edges: 0-based matrix rows instead of names
  BiogridOptions biogrid;

  double negative_ratio = 1.0;               // sampled negatives per positive (ignored when the list has 0 labels)
  double test_frac = 0.1, val_frac = 0.1;
  uint64_t seed = 1;                         // negatives and split
  std::string validation_npy, test_npy;      // the authors' splits (both or neither), used verbatim
};

struct PreparedDataset {
  Expression expr;
  Splits splits;
  nlohmann::json summary;  // the counts of the paper's Tables 1/2 and what was dropped; stored in the cache
};

// Positives: the interactions among genes of the matrix (names through the gene map), undirected (a < b),
// deduplicated, self-pairs dropped; rows naming a gene absent from the matrix are counted and skipped.
// Negatives: the list's 0-labelled rows when it has them, else round(ratio * positives) pairs drawn uniformly from
// the non-interacting pairs. Split: split_pairs(test_frac, val_frac, seed). With validation_npy / test_npy, those
// are the validation and test sets verbatim (index i = gene G{i+1}), and the training set is the remaining
// positives plus as many negatives, none of them in the validation or test set.
PreparedDataset prepare_dataset(const PrepareSpec& spec);

// `pattern` itself when it has no glob characters, else the one file it matches; none or several is an error
// naming the pattern (and the matches).
std::string resolve_file_pattern(const std::string& pattern, const std::string& what);

// The summary as a Table 1/2-style block of lines for the terminal.
std::string format_prepare_summary(const nlohmann::json& summary);

}  // namespace gener::data
