// expression.cpp — expression matrix reading (both orientations, array-name column, missing values), writing and
// gene maps.
#include "engine/data/expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
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

void reject_missing(const MissingValues& m, int64_t n_values) {
  if (m.count == 0) return;
  char pct[32];
  std::snprintf(pct, sizeof(pct), "%.3g%%", 100.0 * static_cast<double>(m.count) / std::max<double>(1, n_values));
  GENER_THROW(m.file << ":" << m.first_line << ": column " << m.first_column << ": missing value '" << m.first_token
                     << "' (the file has " << m.count << " missing value" << (m.count == 1 ? "" : "s") << ", " << pct
                     << " of " << n_values << "); read them with --missing impute (a gene's mean within its file) or "
                     << "--missing drop-genes (expression.missing in an experiment file)");
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

bool is_one_of(std::string_view s, std::initializer_list<const char*> words) {
  const std::string l = lower(s);
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return l == w; });
}

bool is_row_label_word(std::string_view s) {
  return is_one_of(s, {"gene", "genes", "gene_id", "geneid", "gene_name", "id", "name", "probe", "probe_id", "#gene",
                       "#id", "orf"});
}

bool is_sample_word(std::string_view s) {
  return is_one_of(s, {"sample", "samples", "sample_id", "sampleid", "#sample", "array", "arrays", "array_id", "chip",
                       "chips", "condition", "conditions", "experiment", "gsm", "geo_accession"});
}

bool is_missing_token(std::string_view s) {
  return s.empty() || is_one_of(s, {"nan", "na", "n/a", "null"});
}

bool is_number(std::string_view s) {
  double d = 0;
  return io::try_parse_double(s, d);
}

// One value: a number, or NaN for a missing token (counted, the first one's place kept).
float read_value(std::string_view f, const std::string& path, int64_t ln, int col, MissingValues& m) {
  if (is_missing_token(f)) {
    if (m.count++ == 0) {
      m.first_line = ln;
      m.first_column = col;
      m.first_token = std::string(f);
    }
    return std::numeric_limits<float>::quiet_NaN();
  }
  return io::parse_float(f, path, ln, col);
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
    for (size_t c = 1; c < ncol; ++c)
      expr.values.push_back(read_value(f[c], path, ln, static_cast<int>(c + 1), expr.missing));
    have = next_content_line(r, line);
  }
}

void read_samples_by_genes(io::LineReader& r, const std::vector<std::string>& header, int64_t header_line,
                           std::string_view first_row, char delim, Expression& expr) {
  const std::string& path = r.path();
  std::vector<std::string_view> f;
  io::split_fields(first_row, delim, f);
  // A leading array-name column: one field more than the header (no corner label), or a corner label that names
  // samples, or rows that start with a name.
  const bool extra = f.size() == header.size() + 1;
  const bool names = extra || (f.size() == header.size() && header.size() >= 2 &&
                               (is_sample_word(header[0]) || (!f.empty() && !is_number(f[0]))));
  const size_t gene_from = names && !extra ? 1 : 0;
  const size_t G = header.size() - gene_from;
  const size_t ncol = G + (names ? 1 : 0);
  std::unordered_map<std::string, size_t> seen;
  for (size_t c = gene_from; c < header.size(); ++c) {
    GENER_CHECK(!header[c].empty(), path << ":" << header_line << ": column " << c + 1 << ": empty gene id");
    auto [it, fresh] = seen.emplace(header[c], c);
    GENER_CHECK(fresh, path << ":" << header_line << ": column " << c + 1 << ": duplicate gene id '" << header[c]
                            << "' (first in column " << it->second + 1 << ")");
  }
  std::vector<float> by_sample;  // (L, G) as read
  std::string_view line = first_row;
  bool have = true;
  int L = 0;
  while (have) {
    int64_t ln = r.line_number();
    io::split_fields(line, delim, f);
    GENER_CHECK(f.size() == ncol, path << ":" << ln << ": ragged row: expected " << ncol << " columns ("
                                       << (names ? "an array name and " : "") << "one per gene in the header), got "
                                       << f.size());
    if (names) {
      GENER_CHECK(!f[0].empty(), path << ":" << ln << ": column 1: empty array name");
      expr.samples.emplace_back(f[0]);
    }
    for (size_t c = names ? 1 : 0; c < ncol; ++c)
      by_sample.push_back(read_value(f[c], path, ln, static_cast<int>(c + 1), expr.missing));
    ++L;
    have = next_content_line(r, line);
  }
  expr.genes.assign(header.begin() + static_cast<long>(gene_from), header.end());
  expr.L = L;
  expr.values.resize(G * static_cast<size_t>(L));
  for (int j = 0; j < L; ++j) {
    const float* src = by_sample.data() + static_cast<size_t>(j) * G;
    for (size_t g = 0; g < G; ++g) expr.values[g * static_cast<size_t>(L) + static_cast<size_t>(j)] = src[g];
  }
}

}  // namespace

Expression read_expression(const std::string& path, Orientation orient, MissingRead missing) {
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
    const bool label_header = header[0].empty() || is_row_label_word(header[0]);
    const bool named_rows = !f.empty() && !is_number(f[0]);
    orient = is_sample_word(header[0])            ? Orientation::SamplesByGenes
             : (label_header || named_rows)       ? Orientation::GenesBySamples
                                                  : Orientation::SamplesByGenes;
  }
  Expression expr;
  expr.missing.file = path;
  switch (orient) {
    case Orientation::GenesBySamples:
      read_genes_by_samples(r, header, first_row, delim, expr);
      break;
    case Orientation::SamplesByGenes:
    case Orientation::Auto:
      read_samples_by_genes(r, header, header_line, first_row, delim, expr);
      break;
  }
  if (missing == MissingRead::Reject) reject_missing(expr.missing, static_cast<int64_t>(expr.values.size()));
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
  std::unordered_map<std::string, int64_t> first_line;       // id -> line
  std::unordered_map<std::string, int64_t> name_line;        // name -> line
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
    std::string id(f[0]), name(f[1]);
    auto [it, fresh] = first_line.emplace(id, ln);
    GENER_CHECK(fresh, path << ":" << ln << ": duplicate id '" << id << "' (first at line " << it->second << ")");
    auto [nt, fresh_name] = name_line.emplace(name, ln);
    GENER_CHECK(fresh_name, path << ":" << ln << ": name '" << name << "' is given to two ids (line " << nt->second
                                 << " and this one, id '" << id << "')");
    map.emplace(std::move(id), std::move(name));
  }
  GENER_CHECK(any_line, path << ": empty file");
  return map;
}

}  // namespace gener::data
