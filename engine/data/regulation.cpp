// regulation.cpp — YEASTRACT TF x gene matrix reader, transposed into one row per gene.
#include "engine/data/regulation.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/io/text_reader.h"
#include "kernels/check.h"

namespace gener::data {
namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

Expression read_regulation_matrix(const std::string& path) {
  io::LineReader r(path);
  std::string_view line;
  std::vector<std::string_view> f;
  bool any = false;
  while (r.next(line)) {
    if (!is_blank(line)) {
      any = true;
      break;
    }
  }
  GENER_CHECK(any, path << ": empty file");
  const int64_t header_line = r.line_number();
  // As detect_delimiter, plus ';' (YEASTRACT's own downloads separate fields with semicolons).
  const bool semicolon = line.find_first_of("\t,") == std::string_view::npos && line.find(';') != std::string_view::npos;
  const char delim = semicolon ? ';' : io::detect_delimiter(line);
  io::split_fields(line, delim, f);
  GENER_CHECK(f.size() >= 2, path << ":" << header_line << ": the header needs a TF-name column and at least one "
                                  << "gene, got " << f.size() << " field(s)");
  Expression e;
  std::unordered_map<std::string, size_t> gene_col;
  for (size_t c = 1; c < f.size(); ++c) {
    GENER_CHECK(!f[c].empty(), path << ":" << header_line << ": column " << c + 1 << ": empty gene name");
    auto [it, fresh] = gene_col.emplace(std::string(f[c]), c);
    GENER_CHECK(fresh, path << ":" << header_line << ": column " << c + 1 << ": duplicate gene '" << f[c]
                            << "' (first in column " << it->second + 1 << ")");
    e.genes.emplace_back(f[c]);
  }
  const size_t ncol = f.size(), G = e.genes.size();
  std::vector<float> tf_major;  // (T, G) as the file stores it
  std::unordered_map<std::string, int64_t> tf_line;
  while (r.next(line)) {
    if (is_blank(line)) continue;
    const int64_t ln = r.line_number();
    io::split_fields(line, delim, f);
    GENER_CHECK(f.size() == ncol, path << ":" << ln << ": ragged row: expected " << ncol << " columns (a TF name and "
                                       << G << " genes), got " << f.size());
    GENER_CHECK(!f[0].empty(), path << ":" << ln << ": column 1: empty TF name");
    auto [it, fresh] = tf_line.emplace(std::string(f[0]), ln);
    GENER_CHECK(fresh, path << ":" << ln << ": duplicate TF '" << f[0] << "' (first at line " << it->second << ")");
    e.samples.emplace_back(f[0]);
    for (size_t c = 1; c < ncol; ++c) tf_major.push_back(io::parse_float(f[c], path, ln, static_cast<int>(c + 1)));
  }
  const size_t T = e.samples.size();
  GENER_CHECK(T > 0, path << ": no TF rows after the header (line " << header_line << ")");
  e.L = static_cast<int>(T);
  e.values.resize(G * T);  // (G, T): transpose
  for (size_t t = 0; t < T; ++t)
    for (size_t g = 0; g < G; ++g) e.values[g * T + t] = tf_major[t * G + g];
  e.build_index();
  return e;
}

}  // namespace gener::data
