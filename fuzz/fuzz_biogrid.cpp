// fuzz_biogrid.cpp — BioGRID TAB2/TAB3 files.
#include "engine/data/biogrid.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "biogrid.tab2.txt");
  gener::fuzz::expect_clean([&] { gener::data::read_biogrid(p, gener::data::BiogridOptions{}); });
  return 0;
}
