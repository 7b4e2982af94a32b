// score_job.cpp — streamed scoring of a rank's share, the gather to rank 0 and its merge.
#include "engine/scoring/score_job.h"

#include <algorithm>
#include <cstring>

#include "engine/core/inference.h"
#include "engine/core/progress.h"
#include "kernels/check.h"

namespace gener::scoring {

ScoreJobResult score_across_ranks(parallel::Comm& comm, core::Network& net, const PairSpace& space,
                                  parallel::Range range, const ScoreJobOptions& opt) {
  const int batch = net.max_batch();  // predict_pairs' batch: shares start on its boundaries
  const parallel::Range mine = parallel::split_range(range, comm.size(), comm.rank(), batch);
  // Rank 0 reports the whole job, extrapolated from its own share (the shares differ by at most one batch).
  const double scale = mine.size() > 0 ? static_cast<double>(range.size()) / static_cast<double>(mine.size()) : 1.0;
  core::Progress prog(opt.label, range.size(), opt.progress && comm.is_root());
  Collector keep(opt.top_k, opt.threshold);
  const long long chunk = static_cast<long long>(batch) * 64;  // a multiple of the batch: same boundaries
  std::vector<int32_t> ab(2 * static_cast<size_t>(std::min(chunk, std::max(mine.size(), 1LL))));
  std::vector<float> s(ab.size() / 2);
  for (long long first = mine.begin; first < mine.end; first += chunk) {
    const long long n = std::min(chunk, mine.end - first);
    space.fill(first, n, ab.data());
    core::predict_pairs(net, ab.data(), static_cast<size_t>(n), s.data(), false);
    keep.add(ab.data(), s.data(), static_cast<size_t>(n));
    prog.update(std::min(range.size(), static_cast<long long>(static_cast<double>(first + n - mine.begin) * scale)));
  }
  ScoreJobResult res;
  res.scored = range.size();
  std::vector<Scored> local = keep.finish();
  if (comm.size() == 1) {
    res.rows = std::move(local);
  } else {
    std::vector<std::vector<char>> all = comm.gather(pack_rows(local));
    if (comm.is_root()) {
      std::vector<std::vector<Scored>> runs;
      runs.reserve(all.size());
      for (size_t r = 0; r < all.size(); ++r) runs.push_back(unpack_rows(all[r], "rank " + std::to_string(r)));
      res.rows = merge_ranked(runs, opt.top_k);
    }
  }
  prog.update(range.size(), "", true);
  return res;
}

void check_same_job(parallel::Comm& comm, const JobIdentity& mine) {
  if (comm.size() == 1) return;
  // Fixed-size record: three 64-char hex digests and the pair count.
  char buf[3 * 64 + 8] = {};
  auto put = [&](int slot, const std::string& h) { std::memcpy(buf + 64 * slot, h.data(), std::min<size_t>(64, h.size())); };
  put(0, mine.model_sha256);
  put(1, mine.expression_sha256);
  put(2, mine.pairs_sha256);
  std::memcpy(buf + 192, &mine.pairs, 8);
  comm.broadcast(buf, sizeof buf, 0);
  auto slot = [&](int k) { return std::string(buf + 64 * k, strnlen(buf + 64 * k, 64)); };
  long long pairs = 0;
  std::memcpy(&pairs, buf + 192, 8);
  GENER_CHECK(slot(0) == mine.model_sha256, "the model differs from rank 0's (sha256 " << mine.model_sha256.substr(0, 12)
                                                                                       << "… vs " << slot(0).substr(0, 12)
                                                                                       << "…)");
  GENER_CHECK(slot(1) == mine.expression_sha256, "the expression matrix differs from rank 0's (sha256 "
                                                     << mine.expression_sha256.substr(0, 12) << "… vs "
                                                     << slot(1).substr(0, 12) << "…)");
  GENER_CHECK(slot(2) == mine.pairs_sha256 && pairs == mine.pairs,
              "the pairs differ from rank 0's (" << mine.pairs << " vs " << pairs << " pairs)");
  comm.barrier();
}

}  // namespace gener::scoring
