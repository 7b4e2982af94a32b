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
  // blocks = q * parts + extra: every part gets q blocks and the last `extra` parts one more, so the part that
  // ends in the partial last block is among the larger ones and sizes differ by at most one block.
  const long long q = blocks / parts, extra = blocks % parts;
  const auto first_block = [&](long long p) { return q * p + std::max<long long>(0, p - (parts - extra)); };
  Range out;
  out.begin = std::min(r.end, r.begin + first_block(part) * block);
  out.end = std::min(r.end, r.begin + first_block(part + 1) * block);
  return out;
}

}  // namespace gener::parallel
