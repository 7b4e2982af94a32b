// pair_space.cpp — pair lists and the all-pairs triangle behind one linear index.
#include "engine/scoring/pair_space.h"

#include <cmath>
#include <cstring>

#include "kernels/check.h"

namespace gener::scoring {
namespace {

// Index of (i, i + 1): the pairs of rows 0..i-1 come first.
long long row_start(long long i, long long g) { return i * (2 * g - i - 1) / 2; }

}  // namespace

const char* space_name(SpaceKind k) {
  switch (k) {
    case SpaceKind::PairList: return "pairs";
    case SpaceKind::AllPairs: return "all-pairs";
  }
  return "?";
}

PairSpace PairSpace::pair_list(const int32_t* ab, size_t n) {
  PairSpace s;
  s.kind_ = SpaceKind::PairList;
  s.size_ = static_cast<long long>(n);
  s.list_ = ab;
  return s;
}

PairSpace PairSpace::all_pairs(int genes) {
  GENER_CHECK(genes >= 2, "--all-pairs: the expression matrix has " << genes << " gene(s); at least 2 are needed");
  PairSpace s;
  s.kind_ = SpaceKind::AllPairs;
  s.genes_ = genes;
  s.size_ = static_cast<long long>(genes) * (genes - 1) / 2;
  return s;
}

long long triangle_index(int i, int j, int genes) {
  return row_start(i, genes) + (j - i - 1);
}

std::pair<int, int> triangle_pair(long long index, int genes) {
  const long long g = genes;
  GENER_CHECK(index >= 0 && index < g * (g - 1) / 2, "pair index " << index << " outside the triangle of " << genes
                                                                     << " genes");
  // Row i solves row_start(i) <= index < row_start(i + 1); the closed form is exact up to rounding, fixed below.
  const double b = 2.0 * static_cast<double>(g) - 1.0;
  long long i = static_cast<long long>((b - std::sqrt(b * b - 8.0 * static_cast<double>(index))) / 2.0);
  if (i < 0) i = 0;
  if (i > g - 2) i = g - 2;
  while (i > 0 && row_start(i, g) > index) --i;
  while (i < g - 2 && row_start(i + 1, g) <= index) ++i;
  return {static_cast<int>(i), static_cast<int>(i + 1 + (index - row_start(i, g)))};
}

void PairSpace::fill(long long first, long long n, int32_t* ab) const {
  GENER_CHECK(first >= 0 && n >= 0 && first + n <= size_, "pairs [" << first << ", " << first + n
                                                                     << ") outside a space of " << size_);
  if (n == 0) return;
  switch (kind_) {
    case SpaceKind::PairList:
      std::memcpy(ab, list_ + 2 * first, static_cast<size_t>(2 * n) * sizeof(int32_t));
      return;
    case SpaceKind::AllPairs: {
      auto [i, j] = triangle_pair(first, genes_);
      for (long long k = 0; k < n; ++k) {
        ab[2 * k] = i;
        ab[2 * k + 1] = j;
        if (++j == genes_) {
          ++i;
          j = i + 1;
        }
      }
      return;
    }
  }
}

}  // namespace gener::scoring
