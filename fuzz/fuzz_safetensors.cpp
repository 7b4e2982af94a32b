// fuzz_safetensors.cpp — safetensors files (the checkpoint format).
#include "engine/io/safetensors.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "model.safetensors");
  gener::fuzz::expect_clean([&] { gener::io::read_safetensors(p); });
  return 0;
}
