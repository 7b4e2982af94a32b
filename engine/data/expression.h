// expression.h — the gene expression matrix (one row per gene), its TSV/CSV reader (both orientations, a leading
// array-name column, missing values) and writer, and gene-id maps. Normalisations: normalize.h.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace gener::data {

// Where a file's missing values are: how many, and the first one (line, 1-based column, the token as written).
struct MissingValues {
  std::string file;
  int64_t count = 0;
  int64_t first_line = 0;
  int first_column = 0;
  std::string first_token;
};

struct Expression {
  std::vector<std::string> genes;              // (G) gene ids, row order
  std::vector<std::string> samples;            // (L) sample names; may be empty (DREAM5 has none)
  int L = 0;                                   // values per gene (samples / chips)
  std::vector<float> values;                   // (G, L) row-major: one row per gene; NaN = missing (until handled)
  std::unordered_map<std::string, int> index;  // gene id -> row
  MissingValues missing;                       // what the reader found; count 0 once handled (normalize.h)

  int n_genes() const { return static_cast<int>(genes.size()); }
  // Row of `name`, or -1 when absent.
  int find(const std::string& name) const;
  const float* row(int g) const { return values.data() + static_cast<size_t>(g) * static_cast<size_t>(L); }
  // Rebuild `index` from `genes`; throws on a duplicate id.
  void build_index();
};

// Layout of a table on disk.
//  GenesBySamples: header row of sample names, then one row per gene: gene id, L values.
//  SamplesByGenes: header row of gene ids, then one row per sample of G values; a leading array-name column is
//                  detected (the rows' first field is not a number, or the header's first field is a sample word
//                  such as "sample", or the rows have one field more than the header) and kept as sample names.
//  Auto: samples x genes with array names when the header's first field is a sample word ("sample", "array",
//        "chip", "condition", ...); genes x samples when it is empty or a row-label word ("gene", "id", ...) or the
//        first data row's first field is not a number; samples x genes without names otherwise (DREAM5).
enum class Orientation { Auto, GenesBySamples, SamplesByGenes };

// What the reader does with missing values ("NaN", "nan", "NA", "N/A", "null", an empty field).
//  Reject: an error naming the file, the first one's line and column, and how many the file has.
//  Keep:   stored as NaN and counted in Expression::missing (handle_missing in normalize.h deals with them).
enum class MissingRead { Reject, Keep };

// Read a plain or gzip TSV/CSV (tab if the header has a tab, else comma; a UTF-8 BOM is skipped). Errors name
// the file and line: missing/empty file, ragged row (expected vs got column count), non-numeric / inf value,
// duplicate gene id. A genes x samples header may omit the row-label column (R's write.table layout).
Expression read_expression(const std::string& path, Orientation orient = Orientation::Auto,
                           MissingRead missing = MissingRead::Reject);

// The one-line error for missing values in `m` (names the option that reads them); throws when m.count > 0.
void reject_missing(const MissingValues& m, int64_t n_values);

// Write atomically as TSV. GenesBySamples: header "gene\t<samples or S1..SL>"; SamplesByGenes: header of gene
// ids. Values in the shortest form that reads back bit-identical (precision > 0: %.{precision}g).
void write_expression_tsv(const std::string& path, const Expression& expr,
                          Orientation orient = Orientation::GenesBySamples, int precision = 0);

// Two-column id -> name map (net4_gene_ids.tsv: "#ID\tName", "G1\tYHR084W", ...). Lines starting with '#'
// are skipped; a first line whose first field is "id"/"gene"/"gene_id" (any case) is taken as a header;
// columns beyond the second are ignored. A duplicate id, or a name given to two ids, is an error naming the
// file and both lines.
std::unordered_map<std::string, std::string> read_gene_map(const std::string& path);

}  // namespace gener::data
