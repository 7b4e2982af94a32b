// embedding.cpp — row normalisation, concatenation, expression features, the embeddings TSV.
#include "engine/embed/embedding.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "engine/data/normalize.h"
#include "engine/io/atomic_file.h"
#include "kernels/check.h"

namespace gener::embed {

void normalize_rows(Embedding& e) {
  for (int i = 0; i < e.n; ++i) {
    float* r = e.row(i);
    double s = 0;
    for (int k = 0; k < e.dim; ++k) s += static_cast<double>(r[k]) * r[k];
    if (s <= 0) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (int k = 0; k < e.dim; ++k) r[k] *= inv;
  }
}

Embedding concat_columns(const Embedding& a, const Embedding& b) {
  GENER_CHECK(a.n == b.n, "concat_columns: " << a.n << " rows vs " << b.n);
  Embedding out(a.n, a.dim + b.dim);
  for (int i = 0; i < a.n; ++i) {
    std::memcpy(out.row(i), a.row(i), sizeof(float) * static_cast<size_t>(a.dim));
    std::memcpy(out.row(i) + a.dim, b.row(i), sizeof(float) * static_cast<size_t>(b.dim));
  }
  return out;
}

Embedding expression_features(const data::Expression& expr, const std::string& normalize) {
  GENER_CHECK(normalize == "zscore" || normalize == "none",
              "expression features: normalize must be zscore or none, got '" << normalize << "'");
  data::Expression copy = expr;
  if (normalize == "zscore") data::zscore_per_gene(copy);
  Embedding e(copy.n_genes(), copy.L);
  e.values = std::move(copy.values);
  return e;
}

void write_embedding_tsv(const std::string& path, const Embedding& e, const std::vector<std::string>& genes,
                         io::CommitGroup* group) {
  GENER_CHECK(static_cast<int>(genes.size()) == e.n, path << ": " << genes.size() << " gene names for " << e.n
                                                          << " embedding rows");
  io::ensure_parent_dir(path);
  io::AtomicFile f(path, false, group);
  std::ostream& os = f.stream();
  os << "gene";
  for (int k = 0; k < e.dim; ++k) os << "\tdim" << (k + 1);
  os << '\n';
  char buf[32];
  for (int i = 0; i < e.n; ++i) {
    os << genes[i];
    const float* r = e.row(i);
    for (int k = 0; k < e.dim; ++k) {
      std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(r[k]));
      os << '\t' << buf;
    }
    os << '\n';
  }
  f.commit();
}

}  // namespace gener::embed
