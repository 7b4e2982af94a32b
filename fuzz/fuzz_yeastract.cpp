// fuzz_yeastract.cpp — YEASTRACT regulation matrices (TF x gene).
#include "engine/data/regulation.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "regulation.csv");
  gener::fuzz::expect_clean([&] { gener::data::read_regulation_matrix(p); });
  return 0;
}
