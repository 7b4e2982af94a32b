// score_job.cpp — streamed scoring of a rank's share, the gather to rank 0 and its merge.
#include "engine/scoring/score_job.h"

#include <algorithm>

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
  // Rank 0's fields as "what\x1fvalue\x1e..." : its length first, then the bytes.
  std::string text;
  for (const auto& [what, value] : mine) text += what + '\x1f' + value + '\x1e';
  unsigned long long n = text.size();
  comm.broadcast(&n, sizeof n, 0);
  std::string root(static_cast<size_t>(n), '\0');
  if (comm.is_root()) root = text;
  comm.broadcast(root.data(), root.size(), 0);
  JobIdentity theirs;
  for (size_t at = 0; at < root.size();) {
    const size_t sep = root.find('\x1f', at), end = root.find('\x1e', at);
    GENER_CHECK(sep != std::string::npos && end != std::string::npos && sep < end, "job identity from rank 0 is garbled");
    theirs.emplace_back(root.substr(at, sep - at), root.substr(sep + 1, end - sep - 1));
    at = end + 1;
  }
  GENER_CHECK(theirs.size() == mine.size(), "rank 0 describes its job with " << theirs.size() << " fields, this rank with "
                                                                             << mine.size());
  for (size_t i = 0; i < mine.size(); ++i)
    GENER_CHECK(mine[i] == theirs[i], "the " << mine[i].first << " differs from rank 0's (" << mine[i].second
                                             << " vs " << theirs[i].second << ")");
  comm.barrier();
}

}  // namespace gener::scoring
