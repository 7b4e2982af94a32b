// ranges.cpp — block-aligned contiguous range splits.
#include "engine/parallel/ranges.h"

#include <algorithm>

#include "kernels/check.h"

namespace gener::parallel {

Range split_range(Range r, int parts, int part, long long block) {
  GENER_CHECK(parts >= 1 && part >= 0 && part < parts, "split_range: part " << part << " of " << parts);
  GENER_CHECK(block >= 1 && r.end >= r.begin, "split_range: block " << block << ", range [" << r.begin << ", "
                                                                      << r.end << ")");
  const long long blocks = (r.size() + block - 1) / block;
  // Part p gets blocks [p*blocks/parts, (p+1)*blocks/parts); products stay far below 2^63 for any pair count.
  const auto first_block = [&](long long p) { return blocks / parts * p + std::min<long long>(blocks % parts, p); };
  Range out;
  out.begin = std::min(r.end, r.begin + first_block(part) * block);
  out.end = std::min(r.end, r.begin + first_block(part + 1) * block);
  return out;
}

}  // namespace gener::parallel
