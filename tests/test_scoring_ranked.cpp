// test_scoring_ranked.cpp — what a scoring job keeps: top k and thresholds with ties, any split into runs merged
// back equal to one collection (the property that makes rank counts and shards not change the output), digests.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/scoring/digest.h"
#include "engine/scoring/ranked.h"
#include "kernels/check.h"

namespace gener::scoring {
namespace {

bool same(const std::vector<Scored>& x, const std::vector<Scored>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].score != y[i].score || x[i].a != y[i].a || x[i].b != y[i].b) return false;
  return true;
}

// n pairs with scores drawn from few distinct values: many ties, broken by the gene indices.
void random_scores(size_t n, uint32_t seed, std::vector<int32_t>* ab, std::vector<float>* s) {
  std::mt19937 rng(seed);
  ab->resize(2 * n);
  s->resize(n);
  for (size_t i = 0; i < n; ++i) {
    (*ab)[2 * i] = static_cast<int32_t>(i / 97);
    (*ab)[2 * i + 1] = static_cast<int32_t>(i % 97 + 1000);
    (*s)[i] = static_cast<float>(rng() % 13) / 13.f;
  }
}

TEST(Collector, KeepsTheTopKInRankOrderWithTiesByIndex) {
  std::vector<int32_t> ab;
  std::vector<float> s;
  random_scores(5000, 1, &ab, &s);
  Collector c(100, -1);
  for (size_t i = 0; i < 5000; i += 333) c.add(ab.data() + 2 * i, s.data() + i, std::min<size_t>(333, 5000 - i));
  const std::vector<Scored> top = c.finish();
  std::vector<Scored> all;
  for (size_t i = 0; i < 5000; ++i) all.push_back({s[i], ab[2 * i], ab[2 * i + 1]});
  std::sort(all.begin(), all.end(), better);
  all.resize(100);
  EXPECT_TRUE(same(top, all));
  for (size_t i = 1; i < top.size(); ++i) EXPECT_TRUE(better(top[i - 1], top[i])) << i;
}

TEST(Collector, ThresholdKeepsEveryPairAtOrAbove) {
  const std::vector<int32_t> ab{0, 1, 0, 2, 1, 2, 1, 3};
  const std::vector<float> s{0.5f, 0.49f, 0.9f, 0.5f};
  Collector c(0, 0.5);
  c.add(ab.data(), s.data(), 4);
  const auto kept = c.finish();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].score, 0.9f);
  EXPECT_EQ(kept[1].a, 0);  // 0.5 tie: (0, 1) before (1, 3)
  EXPECT_EQ(kept[2].b, 3);
}

TEST(MergeRanked, AnySplitIntoRunsMergesToTheSingleCollection) {
  std::vector<int32_t> ab;
  std::vector<float> s;
  const size_t n = 20000;
  random_scores(n, 2, &ab, &s);
  for (long long k : {0LL, 1LL, 500LL, 20000LL, 30000LL}) {
    Collector one(k, -1);
    one.add(ab.data(), s.data(), n);
    const std::vector<Scored> want = one.finish();
    for (size_t parts : {1u, 2u, 3u, 7u}) {
      std::vector<std::vector<Scored>> runs;
      for (size_t p = 0; p < parts; ++p) {
        const size_t b = n * p / parts, e = n * (p + 1) / parts;
        Collector c(k, -1);
        c.add(ab.data() + 2 * b, s.data() + b, e - b);
        runs.push_back(c.finish());
      }
      EXPECT_TRUE(same(merge_ranked(runs, k), want)) << "k " << k << ", " << parts << " runs";
    }
  }
  EXPECT_TRUE(merge_ranked({}, 5).empty());
  EXPECT_TRUE(merge_ranked({{}, {}}, 0).empty());
}

TEST(MergeRanked, PackedRowsRoundTrip) {
  const std::vector<Scored> rows{{0.75f, 3, 9}, {0.25f, 0, 1}};
  EXPECT_TRUE(same(unpack_rows(pack_rows(rows), "test"), rows));
  EXPECT_THROW(unpack_rows(std::vector<char>(13), "rank 1"), Error);
}

TEST(Digest, Sha256MatchesTheStandardVectorsAndSeesEveryByte) {
  EXPECT_EQ(sha256_bytes("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_bytes("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  data::Expression e;
  e.genes = {"G1", "G2"};
  e.L = 2;
  e.values = {1.f, 2.f, 3.f, 4.f};
  const std::string d = expression_digest(e);
  EXPECT_EQ(d.size(), 64u);
  data::Expression f = e;
  f.values[3] = 4.0000005f;
  EXPECT_NE(expression_digest(f), d) << "one value's last bit";
  f = e;
  f.genes[1] = "G3";
  EXPECT_NE(expression_digest(f), d) << "a gene name";
  const std::vector<int32_t> ab{0, 1}, ba{1, 0};
  EXPECT_NE(pairs_digest(ab.data(), 1), pairs_digest(ba.data(), 1));
}

}  // namespace
}  // namespace gener::scoring
