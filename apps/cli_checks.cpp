// cli_checks.cpp — the range validator behind every numeric option.
#include "apps/cli_checks.h"

#include <cerrno>
#include <cstdlib>

#include "base/show.h"

namespace gener::app {

CLI::Validator in_range(const Bounds& b, bool integer) {
  const std::string want = b.describe(integer);
  return CLI::Validator(
      [b, integer, want](std::string& text) -> std::string {
        const char* s = text.c_str();
        char* end = nullptr;
        errno = 0;
        double v = 0;
        if (integer) {
          const long long i = std::strtoll(s, &end, 10);
          v = static_cast<double>(i);
        } else {
          v = std::strtod(s, &end);
        }
        const bool parsed = !text.empty() && end == s + text.size() && errno == 0;
        if (!parsed || !b.admits(v)) return "must be " + want + ", got '" + show(text) + "'";
        return std::string();
      },
      want);
}

}  // namespace gener::app
