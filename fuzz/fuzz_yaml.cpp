// fuzz_yaml.cpp — YAML configs: model, train, experiment and baseline-settings files, each read from the bytes.
#include "engine/core/config.h"
#include "engine/core/experiment_config.h"
#include "engine/embed/options.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "config.yaml");
  gener::fuzz::expect_clean([&] { gener::core::load_model_config(p); });
  gener::fuzz::expect_clean([&] { gener::core::load_train_config(p); });
  gener::fuzz::expect_clean([&] { gener::embed::load_embed_options(p); });
  // Relative files an experiment names resolve under /nonexistent: a missing file is a clean error too.
  gener::fuzz::expect_clean([&] { gener::core::load_experiment_config(p, "/nonexistent", {"/nonexistent"}); });
  gener::fuzz::expect_clean([&] {
    gener::core::model_config_from_yaml(std::string(reinterpret_cast<const char*>(data), size), "checkpoint");
  });
  return 0;
}
