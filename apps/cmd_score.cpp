// cmd_score.cpp — `gener score`: a pair list or all N(N-1)/2 pairs → TSV gene_a gene_b score, best first.
#include <algorithm>
#include <cstdio>

#include "apps/app_common.h"
#include "apps/commands.h"
#include "engine/core/progress.h"
#include "engine/io/atomic_file.h"
#include "kernels/check.h"

namespace gener::app {
namespace {

struct ScoreArgs {
  ExpressionArgs expr;
  ComputeArgs compute;
  std::string model, pairs, out = "scores.tsv";
  bool all_pairs = false, quiet = false;
  long long top_k = 0;
  double threshold = -1;
  int batch = 4096;
};

struct Scored {
  float score;
  int32_t a, b;
};
bool better(const Scored& x, const Scored& y) {
  if (x.score != y.score) return x.score > y.score;
  return x.a != y.a ? x.a < y.a : x.b < y.b;
}

// Keeps what the output asks for (everything, the top k, or those above a threshold) with bounded memory.
class Collector {
 public:
  Collector(long long top_k, double threshold) : k_(top_k), t_(threshold) {}
  void add(const int32_t* ab, const float* s, size_t n) {
    for (size_t i = 0; i < n; ++i)
      if (t_ < 0 || s[i] >= t_) kept_.push_back({s[i], ab[2 * i], ab[2 * i + 1]});
    if (k_ > 0 && kept_.size() > static_cast<size_t>(2 * k_) + 65536) trim();
  }
  std::vector<Scored> finish() {
    if (k_ > 0) trim();
    std::sort(kept_.begin(), kept_.end(), better);
    return std::move(kept_);
  }

 private:
  void trim() {
    if (kept_.size() <= static_cast<size_t>(k_)) return;
    std::nth_element(kept_.begin(), kept_.begin() + k_, kept_.end(), better);
    kept_.resize(static_cast<size_t>(k_));
  }
  long long k_;
  double t_;
  std::vector<Scored> kept_;
};

void run_score(ScoreArgs& a) {
  GENER_CHECK(a.all_pairs != !a.pairs.empty(), "score: give exactly one of --pairs FILE or --all-pairs");
  core::DeviceKind dev = setup_compute(a.compute);
  core::Checkpoint ck = core::load_checkpoint(a.model);
  data::Expression e = load_expression(a.expr);
  auto net = inference_network(ck, dev, a.batch, e, a.model, &a.compute);
  Collector keep(a.top_k, a.threshold);
  size_t total = 0;
  if (!a.all_pairs) {
    data::PairSet p = data::read_pairs(a.pairs, e);
    std::vector<float> s(p.size());
    core::predict_pairs(*net, p.ab.data(), p.size(), s.data(), !a.quiet);
    keep.add(p.ab.data(), s.data(), p.size());
    total = p.size();
  } else {
    // Genome-wide: stream every unordered pair (i < j) in chunks with constant memory.
    const long long G = e.n_genes();
    const long long n_all = G * (G - 1) / 2;
    GENER_CHECK(a.top_k > 0 || a.threshold >= 0 || n_all <= 50'000'000,
                "score --all-pairs: " << n_all << " pairs; give --top-k or --threshold to bound the output");
    core::Progress prog("score all pairs", n_all, !a.quiet);
    const size_t chunk = static_cast<size_t>(std::max(a.batch, 1)) * 64;
    std::vector<int32_t> ab;
    ab.reserve(2 * chunk);
    std::vector<float> s(chunk);
    long long done = 0;
    auto flush = [&] {
      size_t n = ab.size() / 2;
      core::predict_pairs(*net, ab.data(), n, s.data(), false);
      keep.add(ab.data(), s.data(), n);
      done += static_cast<long long>(n);
      ab.clear();
      prog.update(done);
    };
    for (int32_t i = 0; i < G; ++i)
      for (int32_t j = i + 1; j < G; ++j) {
        ab.push_back(i);
        ab.push_back(j);
        if (ab.size() == 2 * chunk) flush();
      }
    if (!ab.empty()) flush();
    prog.update(done, "", true);
    total = static_cast<size_t>(n_all);
  }
  std::vector<Scored> out = keep.finish();
  io::AtomicFile f(a.out);
  f.stream() << "gene_a\tgene_b\tscore\n";
  char buf[32];
  for (const Scored& r : out) {
    std::snprintf(buf, sizeof buf, "%.9g", r.score);  // round-trips the float: ranks stay distinct
    f.stream() << e.genes[r.a] << '\t' << e.genes[r.b] << '\t' << buf << '\n';
  }
  f.commit();
  std::printf("scored %zu pairs; wrote %zu to %s\n", total, out.size(), a.out.c_str());
}

}  // namespace

void add_score_command(CLI::App& app) {
  auto a = std::make_shared<ScoreArgs>();
  CLI::App* cmd = app.add_subcommand("score", "score gene pairs with a trained model (TSV gene_a gene_b score, best first)");
  cmd->add_option("--model", a->model, "model.safetensors from `gener train`")->required();
  add_expression_options(cmd, a->expr, true);
  cmd->add_option("--pairs", a->pairs, "pair list: gene_a gene_b [label]");
  cmd->add_flag("--all-pairs", a->all_pairs, "score all N(N-1)/2 pairs of the expression matrix (streamed)");
  cmd->add_option("--out", a->out, "output TSV")->capture_default_str();
  cmd->add_option("--top-k", a->top_k, "keep only the k best pairs (DREAM5 submissions keep 100000)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threshold", a->threshold, "keep only pairs with score >= threshold");
  cmd->add_option("--batch", a->batch, "pairs per forward pass")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  add_compute_options(cmd, a->compute);
  add_precision_option(cmd, a->compute);
  cmd->callback([a] { run_score(*a); });
}

}  // namespace gener::app
