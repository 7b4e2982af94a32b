// pair_space.h — the index space of a scoring job, addressed by a linear index so that a rank or shard can start
// anywhere without enumerating the pairs before it: a pair list (index = position in the list) or all N(N-1)/2
// pairs of N genes (index = position in the row-major upper triangle: (0,1), (0,2), ..., (0,N-1), (1,2), ...).
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

namespace gener::scoring {

enum class SpaceKind { PairList, AllPairs };
const char* space_name(SpaceKind k);  // "pairs" | "all-pairs"

class PairSpace {
 public:
  // A view of pairs ab (n, 2); the list must outlive the space.
  static PairSpace pair_list(const int32_t* ab, size_t n);
  static PairSpace all_pairs(int genes);

  SpaceKind kind() const { return kind_; }
  long long size() const { return size_; }
  // Pairs [first, first + n) of the space into ab (n, 2).
  void fill(long long first, long long n, int32_t* ab) const;

 private:
  SpaceKind kind_ = SpaceKind::PairList;
  long long size_ = 0;
  const int32_t* list_ = nullptr;
  int genes_ = 0;
};

// All-pairs index of (i, j), i < j, among `genes` genes, and back.
long long triangle_index(int i, int j, int genes);
std::pair<int, int> triangle_pair(long long index, int genes);

}  // namespace gener::scoring
