// biogrid.cpp — BioGRID TAB2/TAB3 reader: header-driven columns, organism and system-type filters.
#include "engine/data/biogrid.h"

#include <string_view>
#include <vector>

#include "engine/io/text_reader.h"
#include "kernels/check.h"

namespace gener::data {
namespace {

constexpr std::string_view kHeaderStart = "BioGRID Interaction ID";

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// Tab split, keeping empty fields (split_fields trims blanks, which BioGRID values do not carry).
void split_tabs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  for (;;) {
    size_t t = line.find('\t', start);
    std::string_view f = line.substr(start, t == std::string_view::npos ? std::string_view::npos : t - start);
    while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.remove_suffix(1);
    while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
    out.push_back(f);
    if (t == std::string_view::npos) break;
    start = t + 1;
  }
}

int column_of(const std::vector<std::string_view>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    std::string_view h = header[i];
    if (i == 0 && !h.empty() && h.front() == '#') h.remove_prefix(1);
    if (h == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

NamePairs read_biogrid(const std::string& path, const BiogridOptions& opt, BiogridStats* stats) {
  io::LineReader r(path);
  std::string_view line;
  std::vector<std::string_view> f;
  while (r.next(line) && is_blank(line)) {
  }
  GENER_CHECK(r.line_number() > 0 && !is_blank(line), path << ": empty file");
  const int64_t header_line = r.line_number();
  {
    std::string_view h = line;
    if (!h.empty() && h.front() == '#') h.remove_prefix(1);
    if (h.substr(0, kHeaderStart.size()) != kHeaderStart) {
      std::string shown(line.substr(0, 60));
      GENER_THROW(path << ":" << header_line << ": not a BioGRID TAB2/TAB3 file: expected a header line starting "
                       << "with '#BioGRID Interaction ID', got '" << shown << (line.size() > 60 ? "...'" : "'"));
    }
  }
  std::string header_text(line);  // the views into the reader's buffer die with the next line
  std::vector<std::string_view> header;
  split_tabs(header_text, header);
  BiogridStats st;
  const char* org_a = "Organism ID Interactor A";
  const char* org_b = "Organism ID Interactor B";
  st.format = "TAB3";
  if (column_of(header, org_a) < 0) {
    org_a = "Organism Interactor A";
    org_b = "Organism Interactor B";
    st.format = "TAB2";
  }
  auto need = [&](const char* name) {
    int c = column_of(header, name);
    if (c < 0) {
      if (std::string_view(name).rfind("Organism", 0) == 0)
        GENER_THROW(path << ":" << header_line << ": BioGRID header lacks column '" << name
                         << "' (TAB2) or 'Organism ID Interactor " << name[std::string_view(name).size() - 1]
                         << "' (TAB3)");
      GENER_THROW(path << ":" << header_line << ": BioGRID header lacks column '" << name << "'");
    }
    return c;
  };
  const int c_a = need("Systematic Name Interactor A"), c_b = need("Systematic Name Interactor B");
  const int c_oa = need(org_a), c_ob = need(org_b);
  const int c_sys = need("Experimental System Type");
  const size_t ncol = header.size();

  NamePairs out;
  while (r.next(line)) {
    if (is_blank(line)) continue;
    const int64_t ln = r.line_number();
    split_tabs(line, f);
    GENER_CHECK(f.size() == ncol, path << ":" << ln << ": ragged row: expected " << ncol
                                       << " tab-separated columns (as the header), got " << f.size());
    ++st.rows;
    int64_t oa = 0, ob = 0;
    GENER_CHECK(io::try_parse_int64(f[c_oa], oa), path << ":" << ln << ": column " << c_oa + 1 << " ("
                                                       << header[c_oa] << "): bad organism id '" << f[c_oa] << "'");
    GENER_CHECK(io::try_parse_int64(f[c_ob], ob), path << ":" << ln << ": column " << c_ob + 1 << " ("
                                                       << header[c_ob] << "): bad organism id '" << f[c_ob] << "'");
    const std::string_view sys = f[c_sys];
    const bool physical = sys == "physical", genetic = sys == "genetic";
    GENER_CHECK(physical || genetic, path << ":" << ln << ": column " << c_sys + 1
                                          << " (Experimental System Type): expected 'physical' or 'genetic', got '"
                                          << sys << "'");
    if (oa != opt.organism || ob != opt.organism) {
      ++st.other_organism;
      continue;
    }
    if ((physical && !opt.physical) || (genetic && !opt.genetic)) {
      ++st.other_system;
      continue;
    }
    ++st.kept;
    out.push(std::string(f[c_a]), std::string(f[c_b]), 1);
  }
  GENER_CHECK(st.rows > 0, path << ": no interactions after the header (line " << header_line << ")");
  GENER_CHECK(st.kept + st.other_system > 0,
              path << ": no interaction of organism " << opt.organism << " (column '" << header[c_oa] << "'; "
                   << st.rows << " rows read, none with both interactors of that organism)");
  if (stats) *stats = st;
  return out;
}

}  // namespace gener::data
