// embedding.h — one vector per gene (row-major, the dataset's gene order), the helpers the methods share
// (row L2 normalisation, concatenation with the expression vector for the "+" variants) and the TSV writer.
#pragma once
#include <string>
#include <vector>

#include "engine/data/expression.h"
#include "engine/io/atomic_file.h"

namespace gener::embed {

struct Embedding {
  int n = 0, dim = 0;
  std::vector<float> values;  // (n, dim)

  Embedding() = default;
  Embedding(int n_, int dim_) : n(n_), dim(dim_), values(static_cast<size_t>(n_) * static_cast<size_t>(dim_), 0.0f) {}
  float* row(int i) { return values.data() + static_cast<size_t>(i) * static_cast<size_t>(dim); }
  const float* row(int i) const { return values.data() + static_cast<size_t>(i) * static_cast<size_t>(dim); }
};

// Scale each row to unit L2 norm (a zero row stays zero).
void normalize_rows(Embedding& e);

// [a | b] row by row; a.n == b.n.
Embedding concat_columns(const Embedding& a, const Embedding& b);

// The expression matrix as an embedding, per-gene z-scored (population sd, as scikit-learn's scale on each gene)
// when `normalize` is "zscore", copied as is for "none".
Embedding expression_features(const data::Expression& expr, const std::string& normalize);

// TSV: header "gene\tdim1\t...\tdimD", then one row per gene: its id and D values (9 significant digits: they
// read back bit-identical).
// Written atomically.
void write_embedding_tsv(const std::string& path, const Embedding& e, const std::vector<std::string>& genes,
                         io::CommitGroup* group = nullptr);  // with a group: committed with the run's other outputs

}  // namespace gener::embed
