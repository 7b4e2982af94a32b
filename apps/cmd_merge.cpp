// cmd_merge.cpp — `gener merge`: the shards of a job-array scoring job (`gener score --shard i/n`) → one TSV.
#include <chrono>
#include <cstdio>

#include "apps/commands.h"
#include "engine/scoring/shard_file.h"

namespace gener::app {
namespace {

struct MergeArgs {
  std::vector<std::string> shards;
  long long top_k = 0;
  std::string out = "scores.tsv";
};

void run_merge(const MergeArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> genes;
  long long total = 0;
  const std::vector<scoring::Scored> rows = scoring::merge_shards(a.shards, a.top_k, &genes, &total);
  scoring::write_scores_tsv(a.out, rows, genes);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("merged %zu shards (%lld pairs); wrote %zu to %s in %.2f s\n", a.shards.size(), total, rows.size(),
              a.out.c_str(), s);
}

}  // namespace

void add_merge_command(CLI::App& app) {
  auto a = std::make_shared<MergeArgs>();
  CLI::App* cmd = app.add_subcommand("merge", "merge the shards of `gener score --shard i/n` into one scores TSV");
  cmd->add_option("shards", a->shards, "shard files, one per slice 0..n-1 (any order)")->required();
  cmd->add_option("--top-k", a->top_k, "keep the k best pairs (default: the shards' own top k, or all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", a->out, "output TSV")->capture_default_str();
  cmd->callback([a] { run_merge(*a); });
}

}  // namespace gener::app
