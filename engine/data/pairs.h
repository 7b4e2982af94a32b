// pairs.h — labelled gene pairs: TSV/CSV reader (by name or index), writer, and the authors' .npy split files.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/expression.h"

namespace gener::data {

struct PairSet {
  std::vector<int32_t> ab;    // (N, 2) gene rows of the expression matrix
  std::vector<int8_t> label;  // (N) 1 = interacting, 0 = not, -1 = unlabelled

  size_t size() const { return label.size(); }
  void push(int32_t a, int32_t b, int8_t y) {
    ab.push_back(a);
    ab.push_back(b);
    label.push_back(y);
  }
  // True when every pair has a 0/1 label (and the set is not empty).
  bool labelled() const;
  // Number of pairs labelled 1.
  size_t n_positive() const;
};

// Pairs left out because a gene has no data (not in the expression matrix): counted per label, genes named.
struct DroppedPairs {
  int64_t pairs = 0, positives = 0, negatives = 0;  // negatives: label 0 (unlabelled pairs count in pairs only)
  int64_t genes = 0;                                // distinct genes without data
  std::vector<std::string> examples;                // the first few of them, as the file names them
  void add(int8_t label) {
    ++pairs;
    positives += label == 1 ? 1 : 0;
    negatives += label == 0 ? 1 : 0;
  }
};

// Read "gene_a gene_b [label]" rows (TSV, CSV or blank separated; plain or gzip). Genes are names looked up in
// `expr`, or 0-based row indices when by_index. Line 1 is a header when it cannot be a pair: both gene fields
// unresolvable, or a label field that is not a number (e.g. "gene_a\tgene_b\tlabel"). Labels are 0 or 1; all
// rows must have the same column count (2 = unlabelled, label -1). Errors name file, line and the bad field.
// A gene name not in `expr` is an error, or with `dropped` the pair is left out and counted there.
PairSet read_pairs(const std::string& path, const Expression& expr, bool by_index = false,
                   DroppedPairs* dropped = nullptr);

// Write atomically as TSV with header "gene_a\tgene_b\tlabel" (just "gene_a\tgene_b" when every pair is unlabelled).
void write_pairs_tsv(const std::string& path, const PairSet& pairs, const Expression& expr);

// The authors' split files (testing_data.npy, validation_data.npy): shape (N, 3) rows (a, b, label) with
// 0-based gene indices (index i is gene G{i+1}). Indices must be integers in [0, n_genes), labels 0 or 1.
PairSet read_pairs_npy(const std::string& path, int n_genes);
// The same file resolved by gene id: index i names gene G{i+1}, found in `expr` by that id (or by its name
// under `id_to_name`, e.g. net4_gene_ids.tsv), whatever the matrix's row order. An index whose gene is not in
// the matrix is an error naming the file, row and id — or, with `dropped`, its pair is left out and counted there
// (examples "G371 (decoy39)"); `file_rows` (when given) gets each kept pair's row in the file.
PairSet read_pairs_npy_by_id(const std::string& path, const Expression& expr,
                             const std::unordered_map<std::string, std::string>& id_to_name = {},
                             DroppedPairs* dropped = nullptr, std::vector<int64_t>* file_rows = nullptr);

// JSON of a DroppedPairs: pairs, positives, negatives, genes, examples.
nlohmann::json dropped_to_json(const DroppedPairs& d);

}  // namespace gener::data
