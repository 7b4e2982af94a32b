// interactions.h — interactions by gene name: name resolution (through a gene-id map), edge lists, positives
// (undirected, deduplicated, self-pairs dropped, missing genes counted) and uniformly sampled negatives.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/data/expression.h"
#include "engine/data/pairs.h"

namespace gener::data {

// Interactions as a file names them, before the genes are looked up.
struct NamePairs {
  std::vector<std::string> a, b;  // (N) gene names
  std::vector<int8_t> label;      // (N) 1 interacting, 0 not, -1 unlabelled (taken as interacting)
  void push(std::string x, std::string y, int8_t l) {
    a.push_back(std::move(x));
    b.push_back(std::move(y));
    label.push_back(l);
  }
  size_t size() const { return label.size(); }
};

// Looks gene names up in an expression matrix: the name itself, or (with a gene-id map such as DREAM5's
// net4_gene_ids.tsv, id -> name) the id whose name it is, so ORF names resolve to G-ids.
class GeneResolver {
 public:
  // `id_to_name` may be empty. Two ids sharing one name is an error naming `map_origin`.
  GeneResolver(const Expression& expr, const std::unordered_map<std::string, std::string>& id_to_name,
               const std::string& map_origin = "gene map");
  int find(const std::string& name) const;  // expression row, or -1
  const Expression& expression() const { return expr_; }

 private:
  const Expression& expr_;
  std::unordered_map<std::string, int> by_name_;  // mapped name -> row (only ids present in the matrix)
};

// A plain edge list by gene name: "gene_a gene_b [label]" (TSV, CSV or blanks; plain or gzip), the same layout
// read_pairs takes. Names are not resolved here (missing genes are counted later, not errors); line 1 is a
// header as data::is_pair_header() says. Labels must be 0 or 1 and
// every row must have the same column count; errors name the file, line and field.
NamePairs read_edge_list_names(const std::string& path, const GeneResolver& genes);

// Unordered pair key, a < b.
inline uint64_t pair_key(int32_t a, int32_t b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
using PairKeySet = std::unordered_set<uint64_t>;
PairKeySet pair_keys(const PairSet& p);

// Interactions resolved to expression rows.
struct ResolvedInteractions {
  PairSet positives;     // label 1, a < b, unique, no self-pairs, in first-seen order
  PairSet negatives;     // label 0 rows of a labelled list (same rules; a pair also positive is dropped)
  int64_t input = 0;     // rows read
  int64_t self_pairs = 0, duplicates = 0, conflicting = 0;  // dropped; conflicting = listed as 0 and as 1
  int64_t missing = 0;   // rows with a gene absent from the expression matrix (skipped)
  int64_t missing_genes = 0;                  // distinct absent names
  std::vector<std::string> missing_examples;  // the first few absent names, in file order
};
ResolvedInteractions resolve_interactions(const NamePairs& raw, const GeneResolver& genes, size_t n_examples = 5);

// `count` distinct pairs (a < b, label 0) drawn uniformly from the pairs of distinct genes in [0, n_genes) that
// are not in `exclude`, in draw order. Deterministic for a seed. Throws when fewer than `count` pairs are free.
PairSet sample_negatives(int n_genes, size_t count, const PairKeySet& exclude, uint64_t seed);

}  // namespace gener::data
