// negatives.cpp — uniform negatives over a gene set and degree-matched negatives by stub rewiring.
#include "engine/data/negatives.h"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <unordered_map>

#include "engine/data/random.h"
#include "kernels/check.h"

namespace gener::data {

NegativeSampling parse_negative_sampling(const std::string& s, const std::string& where) {
  if (s == "uniform") return NegativeSampling::Uniform;
  if (s == "degree_matched") return NegativeSampling::DegreeMatched;
  GENER_THROW(where << ": unknown negative sampling '" << s << "' (expected uniform or degree_matched)");
}

const char* negative_sampling_name(NegativeSampling n) {
  switch (n) {
    case NegativeSampling::Uniform: return "uniform";
    case NegativeSampling::DegreeMatched: return "degree_matched";
  }
  return "?";
}

PairSet sample_negatives_among(const std::vector<int32_t>& genes, size_t count, const PairKeySet& exclude,
                               uint64_t seed) {
  const uint64_t G = genes.size();
  GENER_CHECK(G >= 2 || count == 0, "negative sampling needs at least 2 genes, got " << G);
  const uint64_t total = G * (G > 0 ? G - 1 : 0) / 2;
  std::unordered_map<int32_t, uint32_t> local;  // matrix row -> position in `genes` (identity: skipped)
  const bool identity = G == 0 || (genes.front() == 0 && genes.back() == static_cast<int32_t>(G - 1));
  if (!identity)
    for (uint32_t i = 0; i < G; ++i) local.emplace(genes[i], i);
  auto member = [&](int32_t g) { return identity ? (g >= 0 && static_cast<uint64_t>(g) < G) : local.count(g) > 0; };
  uint64_t excluded = 0;
  for (uint64_t k : exclude) {
    const int32_t a = static_cast<int32_t>(k >> 32), b = static_cast<int32_t>(k & 0xffffffffu);
    if (a < b && member(a) && member(b)) ++excluded;
  }
  const uint64_t free_pairs = total - excluded;
  GENER_CHECK(count <= free_pairs, "cannot sample " << count << " negative pairs: only " << free_pairs << " of the "
                                                    << total << " pairs of " << G
                                                    << " genes are not interactions or already used");
  std::mt19937_64 rng(mix_seed(seed, 0x4e45474154ULL));  // stream "NEGAT"
  PairSet out;
  out.ab.reserve(2 * count);
  out.label.reserve(count);
  if (count == 0) return out;
  if (count * 2 > free_pairs) {  // dense: enumerate the free pairs and pick `count` of them uniformly
    std::vector<uint64_t> pool;
    pool.reserve(free_pairs);
    for (uint64_t i = 0; i < G; ++i)
      for (uint64_t j = i + 1; j < G; ++j) {
        const uint64_t k = pair_key(genes[i], genes[j]);
        if (!exclude.count(k)) pool.push_back(k);
      }
    for (size_t i = 0; i < count; ++i) {  // partial Fisher–Yates
      const size_t j = i + static_cast<size_t>(uniform_below(rng, pool.size() - i));
      std::swap(pool[i], pool[j]);
      out.push(static_cast<int32_t>(pool[i] >> 32), static_cast<int32_t>(pool[i] & 0xffffffffu), 0);
    }
    return out;
  }
  PairKeySet drawn;
  drawn.reserve(count * 2);
  while (out.size() < count) {  // ordered pair of distinct genes, uniform; its unordered pair is uniform too
    const uint64_t i = uniform_below(rng, G);
    uint64_t j = uniform_below(rng, G - 1);
    if (j >= i) ++j;
    const int32_t a = genes[i], b = genes[j];
    const uint64_t k = pair_key(a, b);
    if (exclude.count(k) || !drawn.insert(k).second) continue;
    out.push(std::min(a, b), std::max(a, b), 0);
  }
  return out;
}

nlohmann::json degree_match_to_json(const DegreeMatchStats& s) {
  return {{"target", s.target},           {"placed", s.placed},
          {"genes", s.genes},             {"genes_exact", s.genes_exact},
          {"genes_off_by_more_than_one", s.genes_off_by_more}, {"max_deficit", s.max_deficit},
          {"mean_abs_deviation", s.mean_abs_deviation}};
}

PairSet sample_degree_matched_negatives(const PairSet& positives, const PairKeySet& exclude, uint64_t seed,
                                        DegreeMatchStats* stats) {
  std::vector<int32_t> stubs;  // (2E) endpoints of the positives
  stubs.reserve(2 * positives.size());
  for (size_t i = 0; i < positives.size(); ++i) {
    if (positives.label[i] != 1) continue;
    stubs.push_back(positives.ab[2 * i]);
    stubs.push_back(positives.ab[2 * i + 1]);
  }
  std::mt19937_64 rng(mix_seed(seed, 0x4445474d54ULL));  // stream "DEGMT"
  shuffle_n(stubs.data(), stubs.size(), rng);
  const size_t E = stubs.size() / 2;
  PairKeySet used;
  used.reserve(2 * E);
  auto valid = [&](int32_t x, int32_t y) {
    if (x == y) return false;
    const uint64_t k = pair_key(x, y);
    return !exclude.count(k) && !used.count(k);
  };
  std::vector<std::pair<int32_t, int32_t>> drawn, bad;
  drawn.reserve(E);
  for (size_t i = 0; i < E; ++i) {
    const int32_t x = stubs[2 * i], y = stubs[2 * i + 1];
    if (valid(x, y)) {
      used.insert(pair_key(x, y));
      drawn.emplace_back(x, y);
    } else {
      bad.emplace_back(x, y);
    }
  }
  for (const auto& [x, y] : bad) {  // rewire (x, y) + (u, v) into (x, u) + (y, v)
    bool placed = false;
    for (int t = 0; t < 200 && !drawn.empty() && !placed; ++t) {
      const size_t j = static_cast<size_t>(uniform_below(rng, drawn.size()));
      int32_t u = drawn[j].first, v = drawn[j].second;
      if (rng() & 1) std::swap(u, v);
      const uint64_t old = pair_key(u, v);
      used.erase(old);
      if (valid(x, u) && valid(y, v) && pair_key(x, u) != pair_key(y, v)) {
        drawn[j] = {x, u};
        drawn.emplace_back(y, v);
        used.insert(pair_key(x, u));
        used.insert(pair_key(y, v));
        placed = true;
      } else {
        used.insert(old);
      }
    }
  }
  PairSet out;
  out.ab.reserve(2 * drawn.size());
  out.label.reserve(drawn.size());
  for (const auto& [x, y] : drawn) out.push(std::min(x, y), std::max(x, y), 0);
  if (stats) {
    std::unordered_map<int32_t, int64_t> diff;  // positive minus negative degree
    for (int32_t g : stubs) ++diff[g];
    for (int32_t g : out.ab) --diff[g];
    DegreeMatchStats s;
    s.target = static_cast<int64_t>(E);
    s.placed = static_cast<int64_t>(out.size());
    double sum = 0;
    for (const auto& [g, d] : diff) {
      ++s.genes;
      s.genes_exact += d == 0 ? 1 : 0;
      s.genes_off_by_more += std::llabs(d) > 1 ? 1 : 0;
      s.max_deficit = std::max(s.max_deficit, static_cast<int64_t>(d));
      sum += static_cast<double>(std::llabs(d));
    }
    s.mean_abs_deviation = s.genes ? sum / static_cast<double>(s.genes) : 0.0;
    *stats = s;
  }
  return out;
}

}  // namespace gener::data
