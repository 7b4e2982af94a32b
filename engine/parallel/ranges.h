// ranges.h — contiguous splits of an index range over parts (ranks, shards), aligned to a block size.
#pragma once

namespace gener::parallel {

struct Range {
  long long begin = 0, end = 0;  // [begin, end)
  long long size() const { return end - begin; }
  bool operator==(const Range& o) const { return begin == o.begin && end == o.end; }
};

// Part `part` of `parts` of r: the parts are contiguous, in order, and cover r exactly once. Boundaries fall on
// multiples of `block` counted from r.begin (the end of r excepted), and part sizes differ by at most one block.
Range split_range(Range r, int parts, int part, long long block = 1);

}  // namespace gener::parallel
