// fuzz_cache.cpp — the dataset cache `gener prepare` writes.
#include "engine/data/dataset_cache.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "dataset.gcache");
  gener::fuzz::expect_clean([&] { gener::data::read_dataset_cache(p); });
  return 0;
}
