// test_scoring_pair_space.cpp — the all-pairs triangle's linear index (both ways, every boundary) and filling any
// range of a pair space without enumerating the pairs before it.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/scoring/pair_space.h"
#include "kernels/check.h"

namespace gener::scoring {
namespace {

TEST(Triangle, IndexAndPairAreInversesInRowMajorOrder) {
  for (int g : {2, 3, 7, 64, 301}) {
    long long k = 0;
    for (int i = 0; i < g; ++i)
      for (int j = i + 1; j < g; ++j, ++k) {
        ASSERT_EQ(triangle_index(i, j, g), k) << "(" << i << ", " << j << ") of " << g;
        ASSERT_EQ(triangle_pair(k, g), std::make_pair(i, j)) << "index " << k << " of " << g;
      }
    EXPECT_EQ(k, static_cast<long long>(g) * (g - 1) / 2);
  }
}

TEST(Triangle, LargeGenomesRoundTripAtRowBoundaries) {
  // 20,000 human genes: 199,990,000 pairs; row starts are where rounding in the closed form could slip.
  const int g = 20000;
  std::mt19937 rng(3);
  for (int t = 0; t < 2000; ++t) {
    const int i = static_cast<int>(rng() % (g - 1));
    const int j = i + 1 + static_cast<int>(rng() % static_cast<unsigned>(g - 1 - i));
    const long long k = triangle_index(i, j, g);
    ASSERT_EQ(triangle_pair(k, g), std::make_pair(i, j));
    ASSERT_EQ(triangle_pair(triangle_index(i, i + 1, g), g), std::make_pair(i, i + 1)) << "first of row " << i;
    ASSERT_EQ(triangle_pair(triangle_index(i, g - 1, g), g), std::make_pair(i, g - 1)) << "last of row " << i;
  }
  EXPECT_EQ(triangle_pair(199'989'999, g), std::make_pair(g - 2, g - 1));
  EXPECT_THROW(triangle_pair(199'990'000, g), Error);
  EXPECT_THROW(triangle_pair(-1, g), Error);
}

TEST(PairSpace, FillMatchesFullEnumerationFromAnyStart) {
  const int g = 37;
  const PairSpace s = PairSpace::all_pairs(g);
  ASSERT_EQ(s.size(), 37 * 36 / 2);
  std::vector<int32_t> all(2 * static_cast<size_t>(s.size()));
  s.fill(0, s.size(), all.data());
  long long k = 0;
  for (int i = 0; i < g; ++i)
    for (int j = i + 1; j < g; ++j, ++k) {
      ASSERT_EQ(all[2 * k], i);
      ASSERT_EQ(all[2 * k + 1], j);
    }
  for (long long first : {0LL, 1LL, 35LL, 36LL, 100LL, 665LL}) {
    const long long n = std::min<long long>(50, s.size() - first);
    std::vector<int32_t> part(2 * static_cast<size_t>(n));
    s.fill(first, n, part.data());
    for (long long q = 0; q < 2 * n; ++q) ASSERT_EQ(part[q], all[2 * first + q]) << "from " << first;
  }
  EXPECT_THROW(s.fill(660, 7, all.data()), Error);
  EXPECT_THROW(PairSpace::all_pairs(1), Error);
}

TEST(PairSpace, ListIsAddressedByPosition) {
  const std::vector<int32_t> ab{4, 1, 0, 2, 3, 3, 2, 0};
  const PairSpace s = PairSpace::pair_list(ab.data(), 4);
  EXPECT_EQ(s.kind(), SpaceKind::PairList);
  EXPECT_EQ(s.size(), 4);
  std::vector<int32_t> out(4);
  s.fill(1, 2, out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{0, 2, 3, 3}));
  EXPECT_STREQ(space_name(s.kind()), "pairs");
  EXPECT_STREQ(space_name(SpaceKind::AllPairs), "all-pairs");
}

}  // namespace
}  // namespace gener::scoring
