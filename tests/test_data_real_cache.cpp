// test_data_real_cache.cpp — the dataset cache: exact round trip, and every corruption (magic, version, size,
// checksum, bad fields under a valid checksum) stops with the file and byte offset.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "engine/data/dataset_cache.h"
#include "test_data_util.h"

namespace gener::data {
namespace {

using gener::testing::expect_error;
using gener::testing::read_bytes;
using gener::testing::ScratchDir;
using gener::testing::write_text;

struct Small {
  Expression expr;
  Splits splits;
  nlohmann::json meta = {{"name", "small"}, {"paper_table", 4}, {"positives", 3}};
};

Small small() {
  Small s;
  s.expr.genes = {"G1", "G2", "G3", "G4"};
  s.expr.samples = {"c1", "c2", "c3"};
  s.expr.L = 3;
  s.expr.values = {0.1f, -2.5f, 3e-8f, 1, 2, 3, -0.0f, 7.25f, 1e30f, 4, 5, 6};
  s.expr.build_index();
  s.splits.train.push(0, 1, 1);
  s.splits.train.push(2, 3, 0);
  s.splits.train.push(1, 3, 1);
  s.splits.val.push(0, 2, 0);
  s.splits.test.push(0, 3, 1);
  s.splits.test.push(1, 2, 0);
  return s;
}

// Overwrite `n` little-endian bytes of `v` at `at`, then (optionally) fix the checksum so only the field is wrong.
std::string patched(std::string b, size_t at, uint64_t v, int n, bool fix_checksum) {
  for (int i = 0; i < n; ++i) b[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  if (fix_checksum) {
    uint64_t h = fnv1a64(b.data() + 32, b.size() - 32);
    for (int i = 0; i < 8; ++i) b[24 + static_cast<size_t>(i)] = static_cast<char>((h >> (8 * i)) & 0xff);
  }
  return b;
}

TEST(RealCache, RoundTripIsExact) {
  ScratchDir dir;
  Small s = small();
  const std::string path = dir.file("sub/d.gcache");
  write_dataset_cache(path, s.expr, s.splits, s.meta);
  DatasetCache c = read_dataset_cache(path);
  EXPECT_EQ(c.expr.genes, s.expr.genes);
  EXPECT_EQ(c.expr.samples, s.expr.samples);
  EXPECT_EQ(c.expr.L, 3);
  ASSERT_EQ(c.expr.values.size(), s.expr.values.size());
  EXPECT_EQ(std::memcmp(c.expr.values.data(), s.expr.values.data(), 4 * s.expr.values.size()), 0);
  EXPECT_EQ(c.expr.find("G3"), 2);
  EXPECT_EQ(c.splits.train.ab, s.splits.train.ab);
  EXPECT_EQ(c.splits.train.label, s.splits.train.label);
  EXPECT_EQ(c.splits.val.ab, s.splits.val.ab);
  EXPECT_EQ(c.splits.test.label, s.splits.test.label);
  EXPECT_EQ(c.meta, s.meta);
  // No temporary is left beside it.
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("sub"))) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(RealCache, CorruptFilesNameTheByteOffset) {
  ScratchDir dir;
  Small s = small();
  const std::string good = dir.file("good.gcache");
  write_dataset_cache(good, s.expr, s.splits, s.meta);
  const std::string b = read_bytes(good);
  const std::string meta_text = s.meta.dump();
  const size_t payload = 32, meta_at = payload + 56, genes_at = meta_at + meta_text.size();
  auto bad = [&](const std::string& name, const std::string& bytes, std::initializer_list<std::string> parts) {
    SCOPED_TRACE(name);
    write_text(dir.file(name), bytes);
    expect_error([&] { read_dataset_cache(dir.file(name)); }, parts);
  };
  bad("empty.gcache", "", {"empty.gcache", "byte 0", "truncated"});
  bad("magic.gcache", "PK" + b.substr(2), {"magic.gcache", "byte 0", "not a gener dataset cache", "'PKNERDSC'"});
  bad("version.gcache", patched(b, 8, 2, 4, false), {"version.gcache", "byte 8", "version 2"});
  bad("cut.gcache", b.substr(0, b.size() - 5), {"cut.gcache", "truncated", std::to_string(b.size() - 5)});
  bad("tail.gcache", b + "xx", {"tail.gcache", "trailing bytes"});
  std::string flipped = b;
  flipped[genes_at + 5] ^= 0x01;  // one bit of a gene name
  bad("flip.gcache", flipped, {"flip.gcache", "byte 24", "checksum mismatch"});
  bad("sum.gcache", patched(b, 24, 0x1234, 8, false), {"sum.gcache", "byte 24", "0x0000000000001234"});
  // Fields wrong under a valid checksum (a writer bug, not bit rot).
  bad("dupname.gcache", patched(b, genes_at + 10, 'G' | ('1' << 8), 2, true),
      {"dupname.gcache", "byte " + std::to_string(genes_at + 6), "duplicate gene name 'G1'"});
  const size_t values_at = genes_at + 4 * 6 + 3 * 6;  // 4 names "Gk", 3 names "ck"
  const size_t train_ab = values_at + 12 * 4, train_y = train_ab + 3 * 8;
  bad("index.gcache", patched(b, train_ab + 4, 9, 4, true),
      {"index.gcache", "byte " + std::to_string(train_ab + 4), "gene index 9", "[0, 4)"});
  bad("label.gcache", patched(b, train_y + 1, 5, 1, true),
      {"label.gcache", "byte " + std::to_string(train_y + 1), "label 5"});
  bad("nan.gcache", patched(b, values_at + 8, 0x7fc00000u, 4, true),
      {"nan.gcache", "byte " + std::to_string(values_at + 8), "non-finite"});
  bad("count.gcache", patched(b, payload, 1ull << 40, 8, true), {"count.gcache", "byte 32", "gene count"});
  expect_error([&] { read_dataset_cache(dir.file("absent.gcache")); }, {"absent.gcache", "cannot open"});
}

TEST(RealCache, FailedWriteLeavesNoFile) {
  ScratchDir dir;
  Small s = small();
  s.splits.val.ab.pop_back();  // inconsistent pair set: the writer refuses before committing
  expect_error([&] { write_dataset_cache(dir.file("x.gcache"), s.expr, s.splits, s.meta); }, {"x.gcache"});
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace gener::data
