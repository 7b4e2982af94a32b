// expression.h — the gene expression matrix (one row per gene), its TSV/CSV reader and writer, gene-id maps,
// quantile normalisation and per-gene z-scores.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

namespace gener::data {

struct Expression {
  std::vector<std::string> genes;              // (G) gene ids, row order
  std::vector<std::string> samples;            // (L) sample names; may be empty (DREAM5 has none)
  int L = 0;                                   // values per gene (samples / chips)
  std::vector<float> values;                   // (G, L) row-major: one row per gene
  std::unordered_map<std::string, int> index;  // gene id -> row

  int n_genes() const { return static_cast<int>(genes.size()); }
  // Row of `name`, or -1 when absent.
  int find(const std::string& name) const;
  const float* row(int g) const { return values.data() + static_cast<size_t>(g) * static_cast<size_t>(L); }
  // Rebuild `index` from `genes`; throws on a duplicate id.
  void build_index();
};

// Layout of a table on disk.
//  GenesBySamples: header row of sample names, then one row per gene: gene id, L values.
//  SamplesByGenes: header row of gene ids, then one row per sample of G values, no row-name column
//                  (DREAM5 net4_expression_data.tsv).
//  Auto: genes x samples when the header's first field is empty or a row-label word ("gene", "id", ...)
//        or the first data row's first field is not a number; samples x genes otherwise.
enum class Orientation { Auto, GenesBySamples, SamplesByGenes };

// Read a plain or gzip TSV/CSV (tab if the header has a tab, else comma). Errors name the file and line:
// missing/empty file, ragged row (expected vs got column count), non-numeric / NaN / inf value, duplicate
// gene id. A genes x samples header may omit the row-label column (R's write.table layout).
Expression read_expression(const std::string& path, Orientation orient = Orientation::Auto);

// Write atomically as TSV. GenesBySamples: header "gene\t<samples or S1..SL>"; SamplesByGenes: header of gene
// ids. Values in the shortest form that reads back bit-identical (precision > 0: %.{precision}g).
void write_expression_tsv(const std::string& path, const Expression& expr,
                          Orientation orient = Orientation::GenesBySamples, int precision = 0);

// Two-column id -> name map (net4_gene_ids.tsv: "#ID\tName", "G1\tYHR084W", ...). Lines starting with '#'
// are skipped; a first line whose first field is "id"/"gene"/"gene_id" (any case) is taken as a header;
// columns beyond the second are ignored. Duplicate id -> error.
std::unordered_map<std::string, std::string> read_gene_map(const std::string& path);

// Quantile normalisation across samples (each sample = one column of length G): every column is replaced by
// the mean of the sorted columns at each value's rank; tied values get the average of the rank means over
// their tie group.
void quantile_normalize(Expression& expr);

// Per-gene standardisation: each row minus its mean, divided by its population standard deviation
// (ddof = 0, like scipy.stats.zscore); constant rows become all zeros.
void zscore_per_gene(Expression& expr);

}  // namespace gener::data
