// shared_data.h — where the tests find the real data files (licensed by their providers, never in the repo):
// $GENER_SHARED_DATA, else <source>/../shared/data. Tests that need a file skip visibly when it is absent.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

namespace gener::testing {

inline std::string shared_data_dir() {
  if (const char* env = std::getenv("GENER_SHARED_DATA"); env && *env) return env;
  return (std::filesystem::path(GENER_SOURCE_DIR) / ".." / "shared" / "data").lexically_normal().string();
}

// <shared data>/<relative>, e.g. shared_data_file("gener-biogrid-dream5/testing_data.npy").
inline std::string shared_data_file(const std::string& relative) { return shared_data_dir() + "/" + relative; }

}  // namespace gener::testing

// Skip the current test, naming the file, when a shared data file is absent.
#define GENER_SKIP_WITHOUT_FILE(path)                                                              \
  do {                                                                                             \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "shared data file not present: " << (path); \
  } while (0)
