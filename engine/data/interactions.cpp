// interactions.cpp — gene-name resolution, name edge lists, positive-set cleaning and negative sampling.
#include "engine/data/interactions.h"

#include <algorithm>
#include <string_view>

#include "engine/data/negatives.h"
#include "engine/io/text_reader.h"
#include "kernels/check.h"

namespace gener::data {

GeneResolver::GeneResolver(const Expression& expr, const std::unordered_map<std::string, std::string>& id_to_name,
                           const std::string& map_origin)
    : expr_(expr) {
  std::unordered_map<std::string, std::string> first_id;  // name -> the id that claimed it
  for (const auto& [id, name] : id_to_name) {
    auto [it, fresh] = first_id.emplace(name, id);
    if (!fresh) {
      const std::string& x = std::min(it->second, id);
      const std::string& y = std::max(it->second, id);
      GENER_THROW(map_origin << ": name '" << name << "' is given to two ids, '" << x << "' and '" << y << "'");
    }
    int row = expr.find(id);
    if (row >= 0) by_name_.emplace(name, row);
  }
}

int GeneResolver::find(const std::string& name) const {
  int row = expr_.find(name);
  if (row >= 0) return row;
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

namespace {

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

NamePairs read_edge_list_names(const std::string& path, const GeneResolver& genes) {
  io::LineReader r(path);
  NamePairs out;
  std::vector<std::string_view> f;
  std::string_view line;
  char delim = 0;
  size_t ncol = 0;
  while (r.next(line)) {
    if (is_blank(line)) continue;
    const int64_t ln = r.line_number();
    const bool first = delim == 0;
    if (first) delim = io::detect_delimiter(line);
    io::split_fields(line, delim, f);
    double y = 0;
    const bool label_numeric = f.size() >= 3 && io::try_parse_double(f[2], y);
    if (first && f.size() >= 2 && f.size() <= 3) {
      const bool none_resolves = genes.find(std::string(f[0])) < 0 && genes.find(std::string(f[1])) < 0;
      if ((f.size() == 3 && !label_numeric) || (f.size() == 2 && none_resolves)) continue;  // header line
    }
    GENER_CHECK(f.size() == 2 || f.size() == 3, path << ":" << ln << ": expected 2 or 3 columns (gene_a gene_b "
                                                     << "[label]), got " << f.size() << " in '" << line << "'");
    if (ncol == 0) ncol = f.size();
    GENER_CHECK(f.size() == ncol, path << ":" << ln << ": ragged row: expected " << ncol << " columns, got "
                                       << f.size() << " in '" << line << "'");
    for (int c = 0; c < 2; ++c)
      GENER_CHECK(!f[c].empty(), path << ":" << ln << ": column " << c + 1 << ": empty gene name");
    int8_t label = -1;
    if (ncol == 3) {
      GENER_CHECK(label_numeric && (y == 0.0 || y == 1.0),
                  path << ":" << ln << ": column 3: bad label '" << f[2] << "' (expected 0 or 1)");
      label = static_cast<int8_t>(y);
    }
    out.push(std::string(f[0]), std::string(f[1]), label);
  }
  GENER_CHECK(delim != 0, path << ": empty file");
  return out;
}

PairKeySet pair_keys(const PairSet& p) {
  PairKeySet keys;
  keys.reserve(p.size() * 2);
  for (size_t i = 0; i < p.size(); ++i) keys.insert(pair_key(p.ab[2 * i], p.ab[2 * i + 1]));
  return keys;
}

ResolvedInteractions resolve_interactions(const NamePairs& raw, const GeneResolver& genes, size_t n_examples) {
  ResolvedInteractions out;
  out.input = static_cast<int64_t>(raw.size());
  std::unordered_set<std::string> missing_seen;
  std::unordered_map<uint64_t, int8_t> seen;  // pair -> label it was first taken with
  seen.reserve(raw.size() * 2);
  PairKeySet conflicts;
  for (size_t i = 0; i < raw.size(); ++i) {
    const int a = genes.find(raw.a[i]), b = genes.find(raw.b[i]);
    if (a < 0 || b < 0) {
      ++out.missing;
      for (const std::string* name : {&raw.a[i], &raw.b[i]}) {
        if (genes.find(*name) >= 0 || !missing_seen.insert(*name).second) continue;
        if (out.missing_examples.size() < n_examples) out.missing_examples.push_back(*name);
      }
      continue;
    }
    if (a == b) {
      ++out.self_pairs;
      continue;
    }
    const int8_t y = raw.label[i] == 0 ? 0 : 1;
    const uint64_t k = pair_key(a, b);
    auto [it, fresh] = seen.emplace(k, y);
    if (!fresh) {
      if (it->second != y) conflicts.insert(k);
      ++out.duplicates;
      continue;
    }
    (y == 1 ? out.positives : out.negatives).push(std::min(a, b), std::max(a, b), y);
  }
  out.missing_genes = static_cast<int64_t>(missing_seen.size());
  if (!conflicts.empty()) {  // a pair listed both ways counts as interacting
    PairSet kept;
    for (size_t i = 0; i < out.negatives.size(); ++i) {
      const int32_t a = out.negatives.ab[2 * i], b = out.negatives.ab[2 * i + 1];
      if (conflicts.count(pair_key(a, b))) continue;
      kept.push(a, b, 0);
    }
    std::vector<uint64_t> sorted(conflicts.begin(), conflicts.end());  // a platform-independent order
    std::sort(sorted.begin(), sorted.end());
    for (uint64_t k : sorted) {
      if (seen[k] == 0) out.positives.push(static_cast<int32_t>(k >> 32), static_cast<int32_t>(k & 0xffffffffu), 1);
    }
    out.negatives = std::move(kept);
    out.conflicting = static_cast<int64_t>(conflicts.size());
  }
  return out;
}

PairSet sample_negatives(int n_genes, size_t count, const PairKeySet& exclude, uint64_t seed) {
  GENER_CHECK(n_genes >= 2 || count == 0, "negative sampling needs at least 2 genes, got " << n_genes);
  std::vector<int32_t> genes(static_cast<size_t>(std::max(n_genes, 0)));
  for (size_t g = 0; g < genes.size(); ++g) genes[g] = static_cast<int32_t>(g);
  return sample_negatives_among(genes, count, exclude, seed);
}

}  // namespace gener::data
