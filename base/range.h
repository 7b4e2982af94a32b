// range.h — the one description of an allowed numeric range, shared by command-line options (apps/cli_checks.h)
// and config values (engine/core/yaml_reader.h): bounds printed as people write them, NaN never inside.
#pragma once
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace gener {

struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;  // (lo, ...] / [..., hi)

  static Bounds at_least(double lo) { return {lo, std::numeric_limits<double>::infinity(), false, false}; }
  static Bounds above(double lo) { return {lo, std::numeric_limits<double>::infinity(), true, false}; }
  static Bounds closed(double lo, double hi) { return {lo, hi, false, false}; }
  static Bounds half_open(double lo, double hi) { return {lo, hi, false, true}; }  // [lo, hi)
  static Bounds open_closed(double lo, double hi) { return {lo, hi, true, false}; }  // (lo, hi]

  // True when v is a finite number inside (NaN and infinities are never admitted).
  bool admits(double v) const {
    if (!std::isfinite(v)) return false;
    if (lo_open ? !(v > lo) : !(v >= lo)) return false;
    if (hi_open ? !(v < hi) : !(v <= hi)) return false;
    return true;
  }

  // "an integer >= 1", "a number > 0", "a number in [0, 1)", "an integer in [1, 16777216]".
  std::string describe(bool integer) const {
    const std::string kind = integer ? "an integer" : "a number";
    const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
    if (has_lo && has_hi)
      return kind + " in " + (lo_open ? "(" : "[") + number(lo) + ", " + number(hi) + (hi_open ? ")" : "]");
    if (has_lo) return kind + (lo_open ? " > " : " >= ") + number(lo);
    if (has_hi) return kind + (hi_open ? " < " : " <= ") + number(hi);
    return "a finite number";
  }

  // A bound as people write it: 1, 0.5, 1e-07, 16777216 (never 309 digits).
  static std::string number(double v) {
    char buf[32];
    if (v == std::floor(v) && std::fabs(v) < 1e16) std::snprintf(buf, sizeof buf, "%.0f", v);
    else std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
  }
};

}  // namespace gener
