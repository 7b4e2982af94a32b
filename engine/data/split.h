// split.h — seeded train/validation/test split of a pair set, and the on-disk dataset directory layout.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/data/expression.h"
#include "engine/data/pairs.h"

namespace gener::data {

struct Splits {
  PairSet train, val, test;
};

// Shuffle the pairs with `seed`, then take the test set, then the validation set from the rest, the way the
// authors did (a test split, then Keras' validation_split on the remainder):
//   n_test = floor(N * test_frac),  n_rest = N - n_test,
//   n_train = floor(n_rest * (1 - val_frac)),  n_val = n_rest - n_train.
// For N = 977,481 and 0.1 / 0.1 this gives the paper's 791,759 / 87,974 / 97,748 (Table 2).
// The three sets are disjoint, cover every pair once, and are identical for the same seed.
Splits split_pairs(const PairSet& pairs, double test_frac = 0.1, double val_frac = 0.1, uint64_t seed = 1);

enum class SplitBy { Pairs, Genes };
// "pairs" | "genes"; anything else is an error naming `where`.
SplitBy parse_split_by(const std::string& s, const std::string& where);
const char* split_by_name(SplitBy s);

// Genes partitioned first (the gene-disjoint protocol): the genes 0..n_genes-1 shuffled with `seed`, then
// floor(n * test_frac) test genes, floor(n * val_frac) validation genes, the rest training genes.
enum class GenePart : uint8_t { Train = 0, Val = 1, Test = 2 };
struct GenePartition {
  std::vector<GenePart> part;  // (n_genes)
  size_t count(GenePart p) const;
  std::vector<int32_t> genes(GenePart p) const;  // ascending
};
GenePartition partition_genes(int n_genes, double test_frac, double val_frac, uint64_t seed);

// Each pair goes to the split of its genes' part when both genes are in one part (so no test or validation pair
// has a training gene); pairs across parts are left out and counted per label in *crossing (when given).
Splits split_by_genes(const PairSet& pairs, const GenePartition& gp, PairSet* crossing = nullptr);

// Dataset directory (what `gener synth` writes and `load_dataset_dir` reads):
//   expression.tsv   samples x genes, DREAM5 orientation (header G1..Gn, one row per sample)
//   gene_ids.tsv     "#ID\tName" map from gene id to a display name
//   train.tsv, val.tsv, test.tsv   "gene_a\tgene_b\tlabel"
// Every file is written atomically.
void write_synth_dataset(const std::string& dir, const Expression& expr, const Splits& splits);

struct LoadedDataset {
  Expression expr;
  std::unordered_map<std::string, std::string> gene_names;  // empty when gene_ids.tsv is absent
  Splits splits;
};

// Read a dataset directory back (expression orientation detected; gene_ids.tsv optional).
LoadedDataset load_dataset_dir(const std::string& dir);

}  // namespace gener::data
