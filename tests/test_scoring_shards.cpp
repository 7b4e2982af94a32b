// test_scoring_shards.cpp — shard files (round trip, completion marker, corruption) and merging a job's shards:
// equal to one collection; a missing slice, a slice twice, another job's shard and overlapping slices are errors
// that name the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/parallel/ranges.h"
#include "engine/scoring/shard_file.h"
#include "tests/test_data_util.h"

namespace gener::scoring {
namespace {

using gener::test::expect_error;
using gener::testing::ScratchDir;

// A job over `total` pairs with deterministic scores; shard i of n holds its slice's best k.
struct Job {
  long long total = 5000, k = 300;
  int n = 3;
  std::vector<std::string> genes;
  Job() {
    for (int g = 0; g < 100; ++g) genes.push_back("G" + std::to_string(g + 1));
  }
  Scored row(long long i) const {
    return {static_cast<float>((i * 7919) % 101) / 101.f, static_cast<int32_t>(i / 100), static_cast<int32_t>(i % 100)};
  }
  ShardHeader header(int slice, long long block = 64) const {
    ShardHeader h;
    h.model_sha256 = std::string(64, 'a');
    h.expression_sha256 = std::string(64, 'b');
    h.space = "pairs";
    h.pairs_sha256 = std::string(64, 'c');
    h.total = total;
    h.slices = n;
    h.top_k = k;
    h.genes = genes;
    h.slice = slice;
    const parallel::Range r = parallel::split_range({0, total}, n, slice, block);
    h.begin = r.begin;
    h.end = r.end;
    return h;
  }
  std::vector<Scored> best(long long begin, long long end) const {
    Collector c(k, -1);
    for (long long i = begin; i < end; ++i) {
      const Scored s = row(i);
      const int32_t ab[2] = {s.a, s.b};
      c.add(ab, &s.score, 1);
    }
    return c.finish();
  }
  std::string write(const ScratchDir& d, int slice, const std::string& name, long long block = 64) const {
    const ShardHeader h = header(slice, block);
    write_shard(d.file(name), h, best(h.begin, h.end));
    return d.file(name);
  }
};

bool same(const std::vector<Scored>& x, const std::vector<Scored>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].score != y[i].score || x[i].a != y[i].a || x[i].b != y[i].b) return false;
  return true;
}

TEST(ShardFile, RoundTripsHeaderAndRows) {
  ScratchDir d;
  Job job;
  const std::string p = job.write(d, 1, "s1.gshard");
  const Shard s = read_shard(p);
  EXPECT_EQ(s.header.slice, 1);
  EXPECT_EQ(s.header.slices, 3);
  EXPECT_EQ(s.header.genes, job.genes);
  EXPECT_EQ(s.header.rows, 300);
  EXPECT_EQ(job_difference(s.header, job.header(1)), "");
  EXPECT_TRUE(same(s.rows, job.best(s.header.begin, s.header.end)));
  ShardHeader h;
  EXPECT_TRUE(read_complete_shard_header(p, &h));
  EXPECT_FALSE(read_complete_shard_header(d.file("absent.gshard"), &h));
}

TEST(ShardFile, TruncatedOrForeignFilesAreRejectedNamingTheFile) {
  ScratchDir d;
  Job job;
  const std::string p = job.write(d, 0, "s0.gshard");
  const auto size = std::filesystem::file_size(p);
  std::filesystem::resize_file(p, size - 20);  // an interrupted copy: the completion marker is gone
  expect_error([&] { read_shard(p); }, {p, "incomplete shard"});
  ShardHeader h;
  EXPECT_FALSE(read_complete_shard_header(p, &h));
  gener::testing::write_text(d.file("x.gshard"), "gene_a\tgene_b\tscore\n");
  expect_error([&] { read_shard(d.file("x.gshard")); }, {"x.gshard", "not a gener shard"});
}

TEST(MergeShards, EqualsOneCollectionInAnyOrder) {
  ScratchDir d;
  Job job;
  const std::string s0 = job.write(d, 0, "a"), s1 = job.write(d, 1, "b"), s2 = job.write(d, 2, "c");
  std::vector<std::string> genes;
  long long total = 0;
  const auto merged = merge_shards({s2, s0, s1}, 0, &genes, &total);
  EXPECT_TRUE(same(merged, job.best(0, job.total)));
  EXPECT_EQ(total, job.total);
  EXPECT_EQ(genes, job.genes);
  const auto top10 = merge_shards({s0, s1, s2}, 10, &genes, &total);
  ASSERT_EQ(top10.size(), 10u);
  EXPECT_TRUE(same(top10, std::vector<Scored>(merged.begin(), merged.begin() + 10)));
}

TEST(MergeShards, ShardsThatDoNotBelongTogetherAreErrors) {
  ScratchDir d;
  Job job;
  const std::string s0 = job.write(d, 0, "s0"), s1 = job.write(d, 1, "s1"), s2 = job.write(d, 2, "s2");
  std::vector<std::string> genes;
  long long total = 0;
  auto merge = [&](const std::vector<std::string>& p, long long k = 0) { merge_shards(p, k, &genes, &total); };
  expect_error([&] { merge({s0, s2}); }, {"slice 1/3 is missing"});
  expect_error([&] { merge({s0, s1, s1, s2}); }, {s1, "slice 1/3"});
  expect_error([&] { merge({s0, d.file("deleted"), s2}); }, {d.file("deleted"), "cannot open"});
  ShardHeader other = job.header(1);
  other.model_sha256 = std::string(64, 'f');
  write_shard(d.file("other"), other, {});
  expect_error([&] { merge({s0, d.file("other"), s2}); }, {d.file("other"), "another job", "model sha256"});
  // Slice 1 cut on another block grid: its range overlaps slice 0's.
  const std::string shifted = job.write(d, 1, "shifted", 1000);
  expect_error([&] { merge({s0, shifted, s2}); }, {shifted, "overlap or gap"});
  expect_error([&] { merge({s0, s1, s2}, 301); }, {"--top-k", "301", "300"});
  expect_error([&] { merge({}); }, {"no shard files"});
}

}  // namespace
}  // namespace gener::scoring
