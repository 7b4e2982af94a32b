// realdata_fixtures.h — small hand-made stand-ins of the real files (BioGRID TAB2/TAB3 text, .npy pair splits)
// for the realdata tests of the data and apps suites.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gener::testing {

// One BioGRID interaction: systematic names, organism ids, experimental system type.
struct BiogridRow {
  std::string a, b;
  int64_t org_a = 559292, org_b = 559292;
  std::string system = "physical";
};

// The columns of BioGRID's TAB2 files (release 3.4.x).
inline std::vector<std::string> biogrid_tab2_columns() {
  return {"#BioGRID Interaction ID", "Entrez Gene Interactor A", "Entrez Gene Interactor B",
          "BioGRID ID Interactor A", "BioGRID ID Interactor B", "Systematic Name Interactor A",
          "Systematic Name Interactor B", "Official Symbol Interactor A", "Official Symbol Interactor B",
          "Synonyms Interactor A", "Synonyms Interactor B", "Experimental System", "Experimental System Type",
          "Author", "Pubmed ID", "Organism Interactor A", "Organism Interactor B", "Throughput", "Score",
          "Modification", "Phenotypes", "Qualifications", "Tags", "Source Database"};
}

// The columns of BioGRID's TAB3 files.
inline std::vector<std::string> biogrid_tab3_columns() {
  return {"#BioGRID Interaction ID", "Entrez Gene Interactor A", "Entrez Gene Interactor B",
          "BioGRID ID Interactor A", "BioGRID ID Interactor B", "Systematic Name Interactor A",
          "Systematic Name Interactor B", "Official Symbol Interactor A", "Official Symbol Interactor B",
          "Synonyms Interactor A", "Synonyms Interactor B", "Experimental System", "Experimental System Type",
          "Author", "Publication Source", "Organism ID Interactor A", "Organism ID Interactor B", "Throughput",
          "Score", "Modification", "Qualifications", "Tags", "Source Database", "SWISS-PROT Accessions Interactor A",
          "TREMBL Accessions Interactor A", "REFSEQ Accessions Interactor A", "SWISS-PROT Accessions Interactor B",
          "TREMBL Accessions Interactor B", "REFSEQ Accessions Interactor B", "Ontology Term IDs",
          "Ontology Term Names", "Ontology Term Categories", "Ontology Term Qualifier IDs",
          "Ontology Term Qualifier Names", "Ontology Term Types", "Organism Name Interactor A",
          "Organism Name Interactor B"};
}

// A BioGRID file's text with `columns` as header; each row fills the named columns and "-" elsewhere
// (free-text fields get values with blanks, as in the real files).
inline std::string biogrid_text(const std::vector<std::string>& columns, const std::vector<BiogridRow>& rows) {
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) out += (c ? "\t" : "") + columns[c];
  out += "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const BiogridRow& r = rows[i];
    for (size_t c = 0; c < columns.size(); ++c) {
      std::string h = columns[c], v = "-";
      if (h == "#BioGRID Interaction ID") v = std::to_string(1000 + i);
      if (h == "Systematic Name Interactor A") v = r.a;
      if (h == "Systematic Name Interactor B") v = r.b;
      if (h == "Organism Interactor A" || h == "Organism ID Interactor A") v = std::to_string(r.org_a);
      if (h == "Organism Interactor B" || h == "Organism ID Interactor B") v = std::to_string(r.org_b);
      if (h == "Experimental System Type") v = r.system;
      if (h == "Experimental System") v = r.system == "physical" ? "Affinity Capture-MS" : "Synthetic Lethality";
      if (h == "Author") v = "Doe J (2016)";
      if (h == "Organism Name Interactor A" || h == "Organism Name Interactor B")
        v = "Saccharomyces cerevisiae (S288c)";
      out += (c ? "\t" : "") + v;
    }
    out += "\n";
  }
  return out;
}
inline std::string biogrid_tab2(const std::vector<BiogridRow>& rows) { return biogrid_text(biogrid_tab2_columns(), rows); }
inline std::string biogrid_tab3(const std::vector<BiogridRow>& rows) { return biogrid_text(biogrid_tab3_columns(), rows); }

// A version-1 .npy file as numpy.save writes it: `descr` dtype, `shape` as numpy prints it, raw little-endian data.
inline std::string npy_bytes(const std::string& descr, const std::string& shape, const std::string& data) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t total = 10 + dict.size() + 1;
  std::string header = dict + std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

// The authors' split layout: float64 (N, 3) rows (index a, index b, label).
inline std::string npy_pairs(const std::vector<std::vector<double>>& rows) {
  std::string data;
  for (const auto& r : rows)
    for (double v : r) data.append(reinterpret_cast<const char*>(&v), sizeof(double));
  return npy_bytes("<f8", "(" + std::to_string(rows.size()) + ", 3)", data);
}

}  // namespace gener::testing
