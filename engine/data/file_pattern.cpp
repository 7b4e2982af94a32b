// file_pattern.cpp — glob patterns that must name exactly one file.
#include "engine/data/file_pattern.h"

#include <glob.h>

#include <vector>

#include "kernels/check.h"

namespace gener::data {

std::string resolve_file_pattern(const std::string& pattern, const std::string& what) {
  if (pattern.find_first_of("*?[") == std::string::npos) return pattern;
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> found;
  for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) found.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  GENER_CHECK(!found.empty(), pattern << ": no file matches this " << what << " pattern");
  if (found.size() > 1) {
    std::string list;
    for (const std::string& f : found) list += (list.empty() ? "" : ", ") + f;
    GENER_THROW(pattern << ": " << found.size() << " files match this " << what << " pattern (" << list
                        << "); name one");
  }
  return found[0];
}

}  // namespace gener::data
