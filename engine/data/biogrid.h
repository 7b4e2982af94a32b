// biogrid.h — BioGRID TAB2 / TAB3 interaction files (plain or gzip): systematic-name pairs of one organism.
#pragma once
#include <cstdint>
#include <string>

#include "engine/data/interactions.h"

namespace gener::data {

struct BiogridOptions {
  int64_t organism = 559292;  // NCBI taxonomy id; 559292 = Saccharomyces cerevisiae S288c
  bool physical = true;       // keep rows whose Experimental System Type is "physical"
  bool genetic = true;        // ... and "genetic"
};

struct BiogridStats {
  std::string format;          // "TAB2" or "TAB3"
  int64_t rows = 0;            // data rows read
  int64_t kept = 0;            // rows of the organism (both interactors) and of a kept system type
  int64_t other_organism = 0;  // rows with an interactor of another organism
  int64_t other_system = 0;    // rows of a system type that is not kept
};

// The header is the first non-blank line and starts with "#BioGRID Interaction ID" (or without '#'); columns are
// found by name: "Systematic Name Interactor A/B", "Organism Interactor A/B" (TAB2) or "Organism ID Interactor
// A/B" (TAB3), "Experimental System Type". Pairs come back by systematic name, label 1 (BioGRID's "-" for a
// missing name is kept and later counted as a missing gene). Errors name the file and line: not a BioGRID header,
// a missing column, a ragged row, a non-integer organism id, an unknown system type, and no row at all for
// `organism` (naming it).
NamePairs read_biogrid(const std::string& path, const BiogridOptions& opt, BiogridStats* stats = nullptr);

}  // namespace gener::data
