// fuzz_input.h — libFuzzer plumbing for gener's file parsers: the input bytes become a file (the parsers read
// paths), gener::Error is the expected answer to bad input, anything else escapes and is reported as a finding.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "base/check.h"

namespace gener::fuzz {

// The bytes as a file named `name` (its suffix may matter to a reader) in this process's scratch path.
inline std::string as_file(const uint8_t* data, size_t size, const char* name) {
  const std::string path = "/tmp/gener_fuzz_" + std::to_string(::getpid()) + "_" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
  return path;
}

// Runs fn(); a gener::Error (a clear message) is fine, every other exception is not caught.
template <typename F>
void expect_clean(F&& fn) {
  try {
    fn();
  } catch (const gener::Error&) {
  }
}

}  // namespace gener::fuzz
