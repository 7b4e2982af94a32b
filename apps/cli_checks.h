// cli_checks.h — numeric command-line options checked against the same ranges as config values (base/range.h):
// "--epochs: must be an integer >= 1, got '-3'"; an option given is never silently replaced by a default.
#pragma once
#include <CLI/CLI.hpp>

#include <string>

#include "base/range.h"

namespace gener::app {

// A CLI11 check: the option's text must parse as a whole (an integer when `integer`) and lie inside `b`; NaN,
// infinities and trailing garbage never pass.
CLI::Validator in_range(const Bounds& b, bool integer);

// Options whose value must lie in `b`; the returned option tells with count() whether the user gave it.
template <typename T>
CLI::Option* add_bounded(CLI::App* cmd, const std::string& name, T& value, const std::string& help, const Bounds& b) {
  return cmd->add_option(name, value, help)->check(in_range(b, std::is_integral<T>::value));
}

}  // namespace gener::app
