// regulation.h — the YEASTRACT regulation matrix (TF x gene, 0/1) read as per-gene feature vectors.
#pragma once
#include <string>

#include "engine/data/expression.h"

namespace gener::data {

// A TF x gene table (CSV, TSV or ';'-separated, plain or gzip), as the authors' notebook reads it with pandas
// (index_col = 0): the first row names the genes (its first cell is the TFs' column label, possibly empty), every
// further row is one TF: its name, then one value per gene (0/1 in YEASTRACT; any finite number is accepted).
// Returns genes as rows: gene g's vector is its column, of length #TFs (1,012 in the paper), and `samples` holds
// the TF names. Errors name the file and line: ragged row, non-numeric / NaN / inf value (with its column),
// duplicate gene or TF name, no TF rows.
Expression read_regulation_matrix(const std::string& path);

}  // namespace gener::data
