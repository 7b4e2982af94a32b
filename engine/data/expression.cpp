// expression.cpp — expression matrix reading (both orientations), writing, gene maps and normalisations.
#include "engine/data/expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <string_view>

#include "engine/io/atomic_file.h"
#include "engine/io/text_reader.h"
#include "kernels/check.h"

namespace gener::data {

int Expression::find(const std::string& name) const {
  auto it = index.find(name);
  return it == index.end() ? -1 : it->second;
}

void Expression::build_index() {
  index.clear();
  index.reserve(genes.size());
  for (size_t g = 0; g < genes.size(); ++g) {
    auto [it, fresh] = index.emplace(genes[g], static_cast<int>(g));
    GENER_CHECK(fresh, "duplicate gene id '" << genes[g] << "' (rows " << it->second + 1 << " and " << g + 1 << ")");
  }
}

namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// Next non-blank line; false at end of file.
bool next_content_line(io::LineReader& r, std::string_view& line) {
  while (r.next(line)) {
    if (!is_blank(line)) return true;
  }
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_row_label_word(std::string_view s) {
  static const char* const kWords[] = {"gene", "genes", "gene_id", "geneid", "gene_name", "id", "name", "probe",
                                       "probe_id", "#gene", "#id", "orf"};
  std::string l = lower(s);
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return l == w; });
}

void read_genes_by_samples(io::LineReader& r, const std::vector<std::string>& header, std::string_view first_row,
                           char delim, Expression& expr) {
  const std::string& path = r.path();
  std::vector<std::string_view> f;
  io::split_fields(first_row, delim, f);
  size_t ncol = header.size();
  size_t sample_from = 1;  // header[0] labels the gene column
  if (f.size() == header.size() + 1) {  // R write.table: header lacks the row-label column
    ncol = header.size() + 1;
    sample_from = 0;
  }
  GENER_CHECK(ncol >= 2, path << ":" << r.line_number() << ": genes x samples table needs a gene column and at "
                              << "least one sample column, header has " << header.size() << " column(s)");
  expr.samples.assign(header.begin() + static_cast<long>(sample_from), header.end());
  expr.L = static_cast<int>(ncol - 1);
  std::unordered_map<std::string, int64_t> first_line;  // gene -> line where first seen
  std::string_view line = first_row;
  bool have = true;
  while (have) {
    int64_t ln = r.line_number();
    io::split_fields(line, delim, f);
    GENER_CHECK(f.size() == ncol, path << ":" << ln << ": ragged row: expected " << ncol << " columns, got "
                                       << f.size());
    GENER_CHECK(!f[0].empty(), path << ":" << ln << ": column 1: empty gene id");
    std::string name(f[0]);
    auto [it, fresh] = first_line.emplace(name, ln);
    GENER_CHECK(fresh, path << ":" << ln << ": duplicate gene id '" << name << "' (first at line " << it->second
                            << ")");
    expr.genes.push_back(std::move(name));
    for (size_t c = 1; c < ncol; ++c) expr.values.push_back(io::parse_float(f[c], path, ln, static_cast<int>(c + 1)));
    have = next_content_line(r, line);
  }
}

void read_samples_by_genes(io::LineReader& r, const std::vector<std::string>& header, int64_t header_line,
                           std::string_view first_row, char delim, Expression& expr) {
  const std::string& path = r.path();
  size_t G = header.size();
  std::unordered_map<std::string, size_t> seen;
  for (size_t c = 0; c < G; ++c) {
    GENER_CHECK(!header[c].empty(), path << ":" << header_line << ": column " << c + 1 << ": empty gene id");
    auto [it, fresh] = seen.emplace(header[c], c);
    GENER_CHECK(fresh, path << ":" << header_line << ": column " << c + 1 << ": duplicate gene id '" << header[c]
                            << "' (first in column " << it->second + 1 << ")");
  }
  std::vector<float> by_sample;  // (L, G) as read
  std::vector<std::string_view> f;
  std::string_view line = first_row;
  bool have = true;
  int L = 0;
  while (have) {
    int64_t ln = r.line_number();
    io::split_fields(line, delim, f);
    GENER_CHECK(f.size() == G, path << ":" << ln << ": ragged row: expected " << G << " columns (one per gene in "
                                    << "the header), got " << f.size());
    for (size_t c = 0; c < G; ++c) by_sample.push_back(io::parse_float(f[c], path, ln, static_cast<int>(c + 1)));
    ++L;
    have = next_content_line(r, line);
  }
  expr.genes = header;
  expr.L = L;
  expr.values.resize(G * static_cast<size_t>(L));
  for (int j = 0; j < L; ++j) {
    const float* src = by_sample.data() + static_cast<size_t>(j) * G;
    for (size_t g = 0; g < G; ++g) expr.values[g * static_cast<size_t>(L) + static_cast<size_t>(j)] = src[g];
  }
}

}  // namespace

Expression read_expression(const std::string& path, Orientation orient) {
  io::LineReader r(path);
  std::string_view line;
  GENER_CHECK(next_content_line(r, line), path << ": empty file");
  int64_t header_line = r.line_number();
  char delim = io::detect_delimiter(line);
  std::vector<std::string_view> f;
  io::split_fields(line, delim, f);
  std::vector<std::string> header(f.begin(), f.end());

  std::string_view first_row;
  GENER_CHECK(next_content_line(r, first_row), path << ": no data rows after the header (line " << header_line << ")");
  if (orient == Orientation::Auto) {
    io::split_fields(first_row, delim, f);
    float dummy = 0;
    bool label_header = header[0].empty() || is_row_label_word(header[0]);
    bool named_rows = !f.empty() && !io::try_parse_float(f[0], dummy);
    orient = (label_header || named_rows) ? Orientation::GenesBySamples : Orientation::SamplesByGenes;
  }
  Expression expr;
  if (orient == Orientation::GenesBySamples) {
    read_genes_by_samples(r, header, first_row, delim, expr);
  } else {
    read_samples_by_genes(r, header, header_line, first_row, delim, expr);
  }
  expr.build_index();
  return expr;
}

void write_expression_tsv(const std::string& path, const Expression& expr, Orientation orient, int precision) {
  GENER_CHECK(expr.values.size() == expr.genes.size() * static_cast<size_t>(expr.L),
              path << ": expression has " << expr.values.size() << " values, expected " << expr.genes.size() << " x "
                   << expr.L);
  GENER_CHECK(expr.samples.empty() || static_cast<int>(expr.samples.size()) == expr.L,
              path << ": expression has " << expr.samples.size() << " sample names for L = " << expr.L);
  io::AtomicFile out(path);
  std::string buf;
  buf.reserve(1 << 20);
  auto flush_if_big = [&] {
    if (buf.size() > (1u << 20)) {
      out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  };
  const size_t G = expr.genes.size(), L = static_cast<size_t>(expr.L);
  if (orient == Orientation::SamplesByGenes) {
    for (size_t g = 0; g < G; ++g) (buf += g ? "\t" : "") += expr.genes[g];
    buf += '\n';
    for (size_t j = 0; j < L; ++j) {
      for (size_t g = 0; g < G; ++g) {
        if (g) buf += '\t';
        io::append_float(buf, expr.values[g * L + j], precision);
      }
      buf += '\n';
      flush_if_big();
    }
  } else {
    buf += "gene";
    for (size_t j = 0; j < L; ++j) {
      buf += '\t';
      if (expr.samples.empty()) buf += "S" + std::to_string(j + 1);
      else buf += expr.samples[j];
    }
    buf += '\n';
    for (size_t g = 0; g < G; ++g) {
      buf += expr.genes[g];
      for (size_t j = 0; j < L; ++j) {
        buf += '\t';
        io::append_float(buf, expr.values[g * L + j], precision);
      }
      buf += '\n';
      flush_if_big();
    }
  }
  out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.commit();
}

std::unordered_map<std::string, std::string> read_gene_map(const std::string& path) {
  io::LineReader r(path);
  std::unordered_map<std::string, std::string> map;
  std::unordered_map<std::string, int64_t> first_line;
  std::vector<std::string_view> f;
  std::string_view line;
  char delim = 0;
  bool any_line = false;
  while (r.next(line)) {
    if (is_blank(line)) continue;
    bool first = !any_line;
    any_line = true;
    if (line[0] == '#') continue;
    if (!delim) delim = io::detect_delimiter(line);
    io::split_fields(line, delim, f);
    if (first && !f.empty() && (lower(f[0]) == "id" || lower(f[0]) == "gene" || lower(f[0]) == "gene_id")) continue;
    int64_t ln = r.line_number();
    GENER_CHECK(f.size() >= 2 && !f[0].empty(),
                path << ":" << ln << ": expected 2 columns (id, name), got " << f.size() << ": '" << line << "'");
    std::string id(f[0]);
    auto [it, fresh] = first_line.emplace(id, ln);
    GENER_CHECK(fresh, path << ":" << ln << ": duplicate id '" << id << "' (first at line " << it->second << ")");
    map.emplace(std::move(id), std::string(f[1]));
  }
  GENER_CHECK(any_line, path << ": empty file");
  return map;
}

void quantile_normalize(Expression& expr) {
  const size_t G = expr.genes.size(), L = static_cast<size_t>(expr.L);
  if (G == 0 || L == 0) return;
  std::vector<int> order(G * L);        // (L, G): per sample, gene rows in ascending value order
  std::vector<double> rank_mean(G, 0);  // (G) mean over samples of the r-th smallest value
  std::vector<float> col(G);
  for (size_t j = 0; j < L; ++j) {
    for (size_t g = 0; g < G; ++g) col[g] = expr.values[g * L + j];
    int* o = order.data() + j * G;
    std::iota(o, o + G, 0);
    std::stable_sort(o, o + G, [&](int a, int b) { return col[a] < col[b]; });
    for (size_t k = 0; k < G; ++k) rank_mean[k] += col[o[k]];
  }
  for (double& m : rank_mean) m /= static_cast<double>(L);
  for (size_t j = 0; j < L; ++j) {
    const int* o = order.data() + j * G;
    size_t k = 0;
    while (k < G) {
      float v = expr.values[static_cast<size_t>(o[k]) * L + j];
      size_t e = k + 1;
      while (e < G && expr.values[static_cast<size_t>(o[e]) * L + j] == v) ++e;
      double sum = 0;
      for (size_t t = k; t < e; ++t) sum += rank_mean[t];
      float mean = static_cast<float>(sum / static_cast<double>(e - k));
      // Values of this column are rewritten only after the tie group is measured.
      for (size_t t = k; t < e; ++t) expr.values[static_cast<size_t>(o[t]) * L + j] = mean;
      k = e;
    }
  }
}

void zscore_per_gene(Expression& expr) {
  const size_t G = expr.genes.size(), L = static_cast<size_t>(expr.L);
  if (L == 0) return;
  for (size_t g = 0; g < G; ++g) {
    float* x = expr.values.data() + g * L;
    double mean = 0;
    for (size_t j = 0; j < L; ++j) mean += x[j];
    mean /= static_cast<double>(L);
    double var = 0;
    for (size_t j = 0; j < L; ++j) var += (x[j] - mean) * (x[j] - mean);
    double sd = std::sqrt(var / static_cast<double>(L));
    for (size_t j = 0; j < L; ++j) x[j] = sd > 0 ? static_cast<float>((x[j] - mean) / sd) : 0.0f;
  }
}

}  // namespace gener::data
