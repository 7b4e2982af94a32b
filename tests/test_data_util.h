// test_data_util.h — helpers for the io/data tests: a scratch directory, file writing, error-message checks.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "engine/data/expression.h"
#include "kernels/check.h"
#include "tests/test_util.h"

namespace gener::testing {

// A fresh directory under the system temp dir, removed with its contents at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gener_data_test_XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    if (!made) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline void write_gzip(const std::string& path, const std::string& text) {
  gzFile gz = gzopen(path.c_str(), "wb");
  if (!gz) throw std::runtime_error("cannot write " + path);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Run `fn`, expect a gener::Error whose message contains every string in `parts`.
using gener::test::expect_error;  // tests/test_util.h

// Five genes G1..G5 (DREAM5-style ids), L = 2, all values 0: enough to resolve names in pair readers.
inline gener::data::Expression five_genes() {
  gener::data::Expression e;
  e.genes = {"G1", "G2", "G3", "G4", "G5"};
  e.L = 2;
  e.values.assign(10, 0.0f);
  e.build_index();
  return e;
}

}  // namespace gener::testing
