// fuzz_npy.cpp — .npy arrays and the authors' (N, 3) split files.
#include "engine/data/pairs.h"
#include "engine/io/npy.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "split.npy");
  gener::fuzz::expect_clean([&] { gener::io::read_npy(p); });
  gener::fuzz::expect_clean([&] { gener::data::read_pairs_npy(p, 10); });
  return 0;
}
