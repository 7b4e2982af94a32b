// pairs.cpp — gene pair list reading and writing (TSV/CSV by name or index, and .npy split files).
#include "engine/data/pairs.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/io/text_reader.h"
#include "kernels/check.h"

namespace gener::data {

bool PairSet::labelled() const {
  return !label.empty() && std::all_of(label.begin(), label.end(), [](int8_t y) { return y == 0 || y == 1; });
}

size_t PairSet::n_positive() const { return static_cast<size_t>(std::count(label.begin(), label.end(), int8_t{1})); }

namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Gene row of a field, or -1 when it does not name a gene.
int resolve_gene(std::string_view field, const Expression& expr, bool by_index) {
  if (by_index) {
    int64_t i = 0;
    if (!io::try_parse_int64(field, i) || i < 0 || i >= expr.n_genes()) return -1;
    return static_cast<int>(i);
  }
  return expr.find(std::string(field));
}

}  // namespace

PairSet read_pairs(const std::string& path, const Expression& expr, bool by_index, DroppedPairs* dropped) {
  std::unordered_set<std::string> dropped_genes;
  io::LineReader r(path);
  PairSet pairs;
  std::vector<std::string_view> f;
  std::string_view line;
  char delim = 0;
  size_t ncol = 0;  // column count of the data rows
  while (r.next(line)) {
    if (is_blank(line)) continue;
    int64_t ln = r.line_number();
    bool first = delim == 0;
    if (first) delim = io::detect_delimiter(line);
    io::split_fields(line, delim, f);
    int a = f.size() >= 1 ? resolve_gene(f[0], expr, by_index) : -1;
    int b = f.size() >= 2 ? resolve_gene(f[1], expr, by_index) : -1;
    double y = 0;
    bool label_numeric = f.size() >= 3 && io::try_parse_double(f[2], y);
    if (first && f.size() >= 2 && f.size() <= 3 && ((a < 0 && b < 0) || (f.size() == 3 && !label_numeric))) {
      continue;  // header line
    }
    GENER_CHECK(f.size() == 2 || f.size() == 3, path << ":" << ln << ": expected 2 or 3 columns (gene_a gene_b "
                                                     << "[label]), got " << f.size());
    if (ncol == 0) ncol = f.size();
    GENER_CHECK(f.size() == ncol, path << ":" << ln << ": ragged row: expected " << ncol << " columns, got "
                                       << f.size());
    int8_t label = -1;
    if (ncol == 3) {
      GENER_CHECK(label_numeric && (y == 0.0 || y == 1.0),
                  path << ":" << ln << ": column 3: bad label '" << f[2] << "' (expected 0 or 1)");
      label = static_cast<int8_t>(y);
    }
    if (dropped && !by_index && (a < 0 || b < 0)) {
      dropped->add(label);
      for (int c = 0; c < 2; ++c) {
        if ((c == 0 ? a : b) >= 0 || !dropped_genes.insert(std::string(f[c])).second) continue;
        ++dropped->genes;
        if (dropped->examples.size() < 5) dropped->examples.emplace_back(f[c]);
      }
      continue;
    }
    for (int c = 0; c < 2; ++c) {
      if ((c == 0 ? a : b) >= 0) continue;
      if (by_index) {
        GENER_THROW(path << ":" << ln << ": column " << c + 1 << ": bad gene index '" << f[c]
                         << "' (expected an integer in [0, " << expr.n_genes() << "))");
      }
      GENER_THROW(path << ":" << ln << ": column " << c + 1 << ": unknown gene '" << f[c] << "'");
    }
    pairs.push(a, b, label);
  }
  GENER_CHECK(delim != 0, path << ": empty file");
  return pairs;
}

void write_pairs_tsv(const std::string& path, const PairSet& pairs, const Expression& expr) {
  const size_t n = pairs.size();
  GENER_CHECK(pairs.ab.size() == 2 * n, path << ": pair set has " << pairs.ab.size() << " indices for " << n
                                             << " labels");
  bool any_label = std::any_of(pairs.label.begin(), pairs.label.end(), [](int8_t y) { return y >= 0; });
  GENER_CHECK(!any_label || pairs.labelled(), path << ": pair set mixes labelled and unlabelled pairs");
  io::AtomicFile out(path);
  std::string buf = any_label ? "gene_a\tgene_b\tlabel\n" : "gene_a\tgene_b\n";
  buf.reserve(1 << 20);
  for (size_t i = 0; i < n; ++i) {
    int32_t a = pairs.ab[2 * i], b = pairs.ab[2 * i + 1];
    GENER_CHECK(a >= 0 && a < expr.n_genes() && b >= 0 && b < expr.n_genes(),
                path << ": pair " << i << " (" << a << ", " << b << ") out of range for " << expr.n_genes() << " genes");
    buf += expr.genes[static_cast<size_t>(a)];
    buf += '\t';
    buf += expr.genes[static_cast<size_t>(b)];
    if (any_label) {
      buf += '\t';
      buf += static_cast<char>('0' + pairs.label[i]);
    }
    buf += '\n';
    if (buf.size() > (1u << 20)) {
      out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.commit();
}

PairSet read_pairs_npy(const std::string& path, int n_genes) {
  io::NpyArray arr = io::read_npy(path);
  GENER_CHECK(arr.shape.size() == 2 && arr.shape[1] == 3,
              path << ": expected a pair array of shape (N, 3), got " << io::shape_string(arr.shape) << " " << arr.descr);
  const int64_t n = arr.shape[0];
  PairSet pairs;
  pairs.ab.resize(static_cast<size_t>(2 * n));
  pairs.label.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double* row = arr.values.data() + 3 * i;  // (a, b, label)
    for (int c = 0; c < 2; ++c) {
      double v = row[c];
      GENER_CHECK(v == std::floor(v) && v >= 0 && v < n_genes,
                  path << ": row " << i << ", column " << c << ": gene index " << v << " is not an integer in [0, "
                       << n_genes << ")");
      pairs.ab[static_cast<size_t>(2 * i + c)] = static_cast<int32_t>(v);
    }
    GENER_CHECK(row[2] == 0.0 || row[2] == 1.0,
                path << ": row " << i << ", column 2: bad label " << row[2] << " (expected 0 or 1)");
    pairs.label[static_cast<size_t>(i)] = static_cast<int8_t>(row[2]);
  }
  return pairs;
}

// The authors' split: index i is gene G{i+1}; rows of the matrix are found by that id (or its mapped name).
PairSet read_pairs_npy_by_id(const std::string& path, const Expression& e,
                             const std::unordered_map<std::string, std::string>& id_to_name, DroppedPairs* dropped,
                             std::vector<int64_t>* file_rows) {
  PairSet p = read_pairs_npy(path, 1 << 30);
  PairSet kept;
  std::unordered_set<std::string> dropped_genes;
  for (size_t i = 0; i < p.size(); ++i) {
    int32_t rows[2];
    bool ok = true;
    for (int c = 0; c < 2; ++c) {
      const std::string gid = "G" + std::to_string(p.ab[2 * i + c] + 1);
      int row = e.find(gid);
      auto it = id_to_name.find(gid);
      if (row < 0 && it != id_to_name.end()) row = e.find(it->second);
      rows[c] = row;
      if (row >= 0) continue;
      ok = false;
      GENER_CHECK(dropped, path << ": row " << i << ", column " << c << ": gene index " << p.ab[2 * i + c] << " ("
                                << gid << ") is not a gene of the expression matrix (" << e.n_genes()
                                << " genes; the authors' splits need the DREAM5 matrix with ids G1..G5950)");
      if (!dropped_genes.insert(gid).second) continue;
      ++dropped->genes;
      if (dropped->examples.size() < 5)
        dropped->examples.push_back(it == id_to_name.end() ? gid : gid + " (" + it->second + ")");
    }
    if (!ok) {
      dropped->add(p.label[i]);
      continue;
    }
    kept.push(rows[0], rows[1], p.label[i]);
    if (file_rows) file_rows->push_back(static_cast<int64_t>(i));
  }
  return kept;
}

nlohmann::json dropped_to_json(const DroppedPairs& d) {
  return {{"pairs", d.pairs}, {"positives", d.positives}, {"negatives", d.negatives}, {"genes", d.genes},
          {"examples", d.examples}};
}

}  // namespace gener::data
