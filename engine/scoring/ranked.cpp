// ranked.cpp — collection, k-way merge and output of ranked scores.
#include "engine/scoring/ranked.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <queue>

#include "engine/io/atomic_file.h"
#include "kernels/check.h"

namespace gener::scoring {

void Collector::add(const int32_t* ab, const float* s, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (t_ < 0 || s[i] >= t_) kept_.push_back({s[i], ab[2 * i], ab[2 * i + 1]});
  if (k_ > 0 && kept_.size() > static_cast<size_t>(2 * k_) + 65536) trim();
}

std::vector<Scored> Collector::finish() {
  if (k_ > 0) trim();
  std::sort(kept_.begin(), kept_.end(), better);
  return std::move(kept_);
}

void Collector::trim() {
  if (kept_.size() <= static_cast<size_t>(k_)) return;
  std::nth_element(kept_.begin(), kept_.begin() + k_, kept_.end(), better);
  kept_.resize(static_cast<size_t>(k_));
}

std::vector<Scored> merge_ranked(const std::vector<std::vector<Scored>>& runs, long long k) {
  size_t total = 0;
  for (const auto& r : runs) total += r.size();
  const size_t want = k > 0 ? std::min(total, static_cast<size_t>(k)) : total;
  std::vector<Scored> out;
  out.reserve(want);
  // Heap of the runs' heads: (run, position); the best head on top.
  using Head = std::pair<size_t, size_t>;
  auto worse = [&](const Head& x, const Head& y) { return better(runs[y.first][y.second], runs[x.first][x.second]); };
  std::priority_queue<Head, std::vector<Head>, decltype(worse)> heap(worse);
  for (size_t r = 0; r < runs.size(); ++r)
    if (!runs[r].empty()) heap.push({r, 0});
  while (out.size() < want) {
    const Head h = heap.top();
    heap.pop();
    out.push_back(runs[h.first][h.second]);
    if (h.second + 1 < runs[h.first].size()) heap.push({h.first, h.second + 1});
  }
  return out;
}

std::vector<char> pack_rows(const std::vector<Scored>& rows) {
  std::vector<char> b(rows.size() * sizeof(Scored));
  if (!rows.empty()) std::memcpy(b.data(), rows.data(), b.size());
  return b;
}

std::vector<Scored> unpack_rows(const std::vector<char>& bytes, const std::string& origin) {
  GENER_CHECK(bytes.size() % sizeof(Scored) == 0,
              origin << ": " << bytes.size() << " bytes of scored pairs, not a multiple of " << sizeof(Scored));
  std::vector<Scored> rows(bytes.size() / sizeof(Scored));
  if (!rows.empty()) std::memcpy(rows.data(), bytes.data(), bytes.size());
  return rows;
}

void write_scores_tsv(const std::string& path, const std::vector<Scored>& rows,
                      const std::vector<std::string>& genes) {
  io::AtomicFile f(path);
  f.stream() << "gene_a\tgene_b\tscore\n";
  char buf[32];
  const int32_t g = static_cast<int32_t>(genes.size());
  for (const Scored& r : rows) {
    GENER_CHECK(r.a >= 0 && r.a < g && r.b >= 0 && r.b < g,
                path << ": pair (" << r.a << ", " << r.b << ") outside the " << g << " genes");
    std::snprintf(buf, sizeof buf, "%.9g", r.score);  // round-trips the float: ranks stay distinct
    f.stream() << genes[static_cast<size_t>(r.a)] << '\t' << genes[static_cast<size_t>(r.b)] << '\t' << buf << '\n';
  }
  f.commit();
}

}  // namespace gener::scoring
