// cmd_score.cpp — `gener score`: a pair list or all N(N-1)/2 pairs → TSV gene_a gene_b score, best first; across
// the ranks of an MPI job, and as one slice of a job array (`--shard i/n`, merged later by `gener merge`).
#include <cstdio>
#include <cstdlib>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "engine/scoring/digest.h"
#include "engine/scoring/score_job.h"
#include "engine/scoring/shard_file.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct ScoreArgs {
  ExpressionArgs expr;
  ComputeArgs compute;
  std::string model, pairs, out = "scores.tsv", shard;
  bool all_pairs = false, quiet = false, out_given = false;
  long long top_k = 0;
  double threshold = -1;
  int batch = 4096;
};

struct Slice {
  int index = 0, count = 1;
};

Slice parse_shard(const std::string& s) {
  Slice sl;
  const size_t slash = s.find('/');
  char* end = nullptr;
  bool ok = slash != std::string::npos && slash > 0 && slash + 1 < s.size();
  if (ok) {
    sl.index = static_cast<int>(std::strtol(s.c_str(), &end, 10));
    ok = end == s.c_str() + slash;
    sl.count = static_cast<int>(std::strtol(s.c_str() + slash + 1, &end, 10));
    ok = ok && *end == '\0';
  }
  GENER_CHECK(ok, "--shard: expected i/n (slice i of n, 0-based), got '" << s << "'");
  GENER_CHECK(sl.count >= 1, "--shard " << s << ": the slice count n must be at least 1");
  GENER_CHECK(sl.index >= 0 && sl.index < sl.count, "--shard " << s << ": slice i must be in [0, " << sl.count
                                                               << ") (job arrays: --array=0-" << sl.count - 1 << ")");
  return sl;
}

void run_score(ScoreArgs& a, parallel::Comm& world) {
  GENER_CHECK(a.all_pairs != !a.pairs.empty(), "score: give exactly one of --pairs FILE or --all-pairs");
  const bool sharded = !a.shard.empty();
  const Slice sl = sharded ? parse_shard(a.shard) : Slice{};
  if (sharded && !a.out_given) a.out = "shard-" + std::to_string(sl.index) + "-of-" + std::to_string(sl.count) + ".gshard";
  const RankCompute rc = setup_rank_compute(a.compute, world);
  core::Checkpoint ck = core::load_checkpoint(a.model);
  data::Expression e = load_model_expression(a.expr, ck, a.model, a.quiet).expr;  // the model's preprocessing
  data::PairSet p;
  if (!a.all_pairs) p = data::read_pairs(a.pairs, e);
  const scoring::PairSpace space =
      a.all_pairs ? scoring::PairSpace::all_pairs(e.n_genes()) : scoring::PairSpace::pair_list(p.ab.data(), p.size());
  GENER_CHECK(!a.all_pairs || a.top_k > 0 || a.threshold >= 0 || space.size() <= 50'000'000,
              "score --all-pairs: " << space.size() << " pairs; give --top-k or --threshold to bound the output");

  scoring::ShardHeader h;
  if (sharded || world.size() > 1) {  // digests say which job this is (ranks and shards must agree)
    h.model_sha256 = scoring::sha256_file(a.model);
    h.expression_sha256 = scoring::expression_digest(e);
    h.pairs_sha256 = a.all_pairs ? "" : scoring::pairs_digest(p.ab.data(), p.size());
  }
  const parallel::Range range =
      parallel::split_range({0, space.size()}, sl.count, sl.index, a.batch);  // the whole space without --shard
  if (sharded) {
    h.space = scoring::space_name(space.kind());
    h.total = space.size();
    h.slices = sl.count;
    h.top_k = a.top_k;
    h.threshold = a.threshold;
    h.genes = e.genes;
    h.slice = sl.index;
    h.begin = range.begin;
    h.end = range.end;
    // A rerun of a finished task (a preempted array job resubmitted) has nothing to do.
    scoring::ShardHeader done;
    char complete = 0;
    if (world.is_root() && scoring::read_complete_shard_header(a.out, &done)) {
      const std::string diff = scoring::job_difference(h, done);
      GENER_CHECK(diff.empty() && done.slice == h.slice,
                  a.out << ": exists and holds slice " << done.slice << "/" << done.slices << " of another job ("
                        << (diff.empty() ? "another slice" : diff) << "); remove it or choose another --out");
      complete = 1;
    }
    world.broadcast(&complete, 1, 0);
    if (complete) {
      if (world.is_root())
        std::printf("shard %d/%d already complete in %s; nothing to do\n", sl.index, sl.count, a.out.c_str());
      return;
    }
  }
  auto short_hash = [](const std::string& d) { return d.substr(0, 12) + "…"; };
  scoring::check_same_job(world, {{"model", short_hash(h.model_sha256)},
                                  {"expression matrix", short_hash(h.expression_sha256)},
                                  {"pair list", a.all_pairs ? "all pairs" : short_hash(h.pairs_sha256)},
                                  {"pair count", std::to_string(space.size())},
                                  {"--batch", std::to_string(a.batch)},
                                  {"--top-k", std::to_string(a.top_k)},
                                  {"--threshold", std::to_string(a.threshold)},
                                  {"--shard", sharded ? a.shard : "none"}});
  if (!a.quiet && world.is_root() && (world.size() > 1 || sharded))
    std::fprintf(stderr, "[score] %s, %d thread(s) per rank, device %s%s: pairs [%lld, %lld) of %lld\n",
                 world.name().c_str(), rc.threads, core::device_name(rc.device),
                 sharded ? (", slice " + a.shard).c_str() : "", range.begin, range.end, space.size());
  auto net = inference_network(ck, rc.device, a.batch, e, a.model, &a.compute, rc.gpu);
  scoring::ScoreJobOptions so;
  so.top_k = a.top_k;
  so.threshold = a.threshold;
  so.progress = !a.quiet;
  so.label = a.all_pairs ? "score all pairs" : "score";
  scoring::ScoreJobResult r = scoring::score_across_ranks(world, *net, space, range, so);
  if (!world.is_root()) return;
  if (sharded) {
    scoring::write_shard(a.out, h, r.rows);
    std::printf("scored slice %d/%d (%lld pairs); wrote %zu to shard %s\n", sl.index, sl.count, r.scored,
                r.rows.size(), a.out.c_str());
  } else {
    scoring::write_scores_tsv(a.out, r.rows, e.genes);
    std::printf("scored %lld pairs; wrote %zu to %s\n", r.scored, r.rows.size(), a.out.c_str());
  }
}

}  // namespace

void add_score_command(CLI::App& app, parallel::Comm& world) {
  auto a = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand("score", "score gene pairs with a trained model (TSV gene_a gene_b score, best first)");
  cmd->add_option("--model", a->model, "model.safetensors from `gener train`")->required();
  add_expression_options(cmd, a->expr, false);  // optional when the model records its files
  cmd->add_option("--pairs", a->pairs, "pair list: gene_a gene_b [label]");
  cmd->add_flag("--all-pairs", a->all_pairs, "score all N(N-1)/2 pairs of the expression matrix (streamed)");
  CLI::Option* out = cmd->add_option("--out", a->out, "output TSV (with --shard: the shard file, default "
                                                       "shard-I-of-N.gshard)")->capture_default_str();
  cmd->add_option("--top-k", a->top_k, "keep only the k best pairs (DREAM5 submissions keep 100000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threshold", a->threshold, "keep only pairs with score >= threshold");
  cmd->add_option("--shard", a->shard, "score slice i of n (0-based) into a shard file for `gener merge`; a "
                                       "complete shard is not scored again (job arrays)");
  cmd->add_option("--batch", a->batch, "pairs per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  add_precision_option(cmd, a->compute);
  cmd->callback([a, out, &world] {
    a->out_given = out->count() > 0;
    run_score(*a, world);
  });
}

}  // namespace gener::app
