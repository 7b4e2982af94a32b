// file_pattern.h — a data file named by a glob pattern (the configs' BioGRID release pattern, say).
#pragma once
#include <string>

namespace gener::data {

// `pattern` itself when it has no glob characters, else the one file it matches; none or several is an error
// naming the pattern (and the matches).
std::string resolve_file_pattern(const std::string& pattern, const std::string& what);

}  // namespace gener::data
