// experiment_common.cpp — experiment-file loading and dataset-cache plumbing for the subcommands.
#include "apps/experiment_common.h"

#include <cctype>
#include <cstdio>
#include <filesystem>

#include "apps/config_paths.h"
#include "engine/core/progress.h"
#include "kernels/check.h"

namespace gener::app {

core::ExperimentConfig load_experiment(const std::string& path, const std::string& data_root) {
  const std::string repo = (std::filesystem::path(config_dir()) / "..").lexically_normal().string();
  return core::load_experiment_config(path, data_root, {"", repo});
}

data::PreparedDataset prepare_and_cache(const data::PrepareSpec& spec, const std::string& cache_path, bool quiet) {
  core::Progress clock("prepare", 0, false);
  data::PreparedDataset d = data::prepare_dataset(spec);
  data::write_dataset_cache(cache_path, d.expr, d.splits, d.summary);
  if (!quiet) std::printf("%s", data::format_prepare_summary(d.summary).c_str());
  std::printf("wrote %s (%.2f MB) in %s\n", cache_path.c_str(),
              static_cast<double>(std::filesystem::file_size(cache_path)) / 1e6,
              core::Progress::format_duration(clock.elapsed_s()).c_str());
  return d;
}

data::DatasetCache load_cache(const std::string& path, bool quiet) {
  data::DatasetCache c = data::read_dataset_cache(path);
  if (!quiet)
    std::fprintf(stderr, "[dataset] %s: %s, %d genes x %d values; %zu train / %zu validation / %zu test pairs\n",
                 path.c_str(), c.meta.value("name", std::string("?")).c_str(), c.expr.n_genes(), c.expr.L,
                 c.splits.train.size(), c.splits.val.size(), c.splits.test.size());
  return c;
}

std::map<std::string, std::string> model_metadata(const nlohmann::json& expression_spec, const data::Expression& e,
                                                  const data::PairSet& train) {
  std::map<std::string, std::string> m;
  if (expression_spec.is_object()) m["expression"] = expression_spec.dump();
  if (!e.samples.empty()) m["expression_samples"] = nlohmann::json(e.samples).dump();
  m["training_pairs"] = eval::training_pairs_to_json(eval::training_pairs_table(e, train)).dump();
  return m;
}

std::optional<eval::TrainingPairsTable> recorded_training_pairs(const core::Checkpoint& ck, const std::string& path) {
  auto it = ck.info.find("training_pairs");
  if (it == ck.info.end()) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(path << ": metadata 'training_pairs' is not valid JSON: " << e.what());
  }
  return eval::training_pairs_from_json(j, path + " (metadata training_pairs)");
}

std::string slug(const std::string& label) {
  std::string s;
  for (char c : label) s += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  return s.empty() ? "model" : s;
}

}  // namespace gener::app
