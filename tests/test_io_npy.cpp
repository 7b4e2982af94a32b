// test_io_npy.cpp — .npy reader: versions, dtypes, malformed files, and the authors' real split file if present.
#include <gtest/gtest.h>

#include "tests/shared_data.h"

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/io/npy.h"
#include "test_data_util.h"

namespace {

using gener::testing::expect_error;
using gener::testing::ScratchDir;

// Build a .npy file by hand, the way numpy.save lays it out (header padded so data starts at a multiple of 64).
template <typename T>
std::string make_npy(const std::string& descr, const std::string& shape, const std::vector<T>& data, int version = 1,
                     const std::string& fortran = "False") {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  size_t prefix = version == 1 ? 10 : 12;
  size_t total = prefix + dict.size() + 1;
  size_t pad = (64 - total % 64) % 64;
  std::string header = dict + std::string(pad, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  uint32_t len = static_cast<uint32_t>(header.size());
  if (version == 1) {
    out += static_cast<char>(len & 0xff);
    out += static_cast<char>(len >> 8);
  } else {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
  }
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(T));
  return out;
}

TEST(Npy, ReadsEachDtypeAndVersion) {
  ScratchDir dir;
  gener::testing::write_text(dir.file("f8.npy"), make_npy<double>("<f8", "(2, 3)", {1, 2, 3, 4, 5, 6.5}));
  gener::testing::write_text(dir.file("f4.npy"), make_npy<float>("<f4", "(3,)", {0.5f, -1, 2}, 2));
  gener::testing::write_text(dir.file("i8.npy"), make_npy<int64_t>("<i8", "(1, 2)", {-7, 9000000000LL}));
  gener::testing::write_text(dir.file("i4.npy"), make_npy<int32_t>("<i4", "(2, 1)", {3, -4}, 3));
  auto a = gener::io::read_npy(dir.file("f8.npy"));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.values, (std::vector<double>{1, 2, 3, 4, 5, 6.5}));
  auto b = gener::io::read_npy(dir.file("f4.npy"));
  EXPECT_EQ(b.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(b.values, (std::vector<double>{0.5, -1, 2}));
  auto c = gener::io::read_npy(dir.file("i8.npy"));
  EXPECT_EQ(c.values, (std::vector<double>{-7, 9e9}));
  auto d = gener::io::read_npy(dir.file("i4.npy"));
  EXPECT_EQ(d.shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(d.values, (std::vector<double>{3, -4}));
  EXPECT_EQ(gener::io::shape_string(a.shape), "(2, 3)");
  EXPECT_EQ(gener::io::shape_string(b.shape), "(3,)");
}

TEST(Npy, RejectsBadFiles) {
  ScratchDir dir;
  std::string p = dir.file("bad.npy");
  gener::testing::write_text(p, make_npy<double>(">f8", "(2,)", {1, 2}));
  expect_error([&] { gener::io::read_npy(p); }, {p, "dtype '>f8'"});
  gener::testing::write_text(p, make_npy<int16_t>("<i2", "(2,)", {1, 2}));
  expect_error([&] { gener::io::read_npy(p); }, {p, "dtype '<i2'"});
  gener::testing::write_text(p, make_npy<double>("<f8", "(2, 2)", {1, 2, 3, 4}, 1, "True"));
  expect_error([&] { gener::io::read_npy(p); }, {p, "fortran_order"});
  std::string whole = make_npy<double>("<f8", "(4, 3)", std::vector<double>(12, 1.0));
  gener::testing::write_text(p, whole.substr(0, whole.size() - 5));
  expect_error([&] { gener::io::read_npy(p); }, {p, "truncated", "byte " + std::to_string(whole.size() - 5)});
  gener::testing::write_text(p, "PK\x03\x04 not numpy at all");
  expect_error([&] { gener::io::read_npy(p); }, {p, "byte 0", "magic"});
  gener::testing::write_text(p, whole.substr(0, 40));
  expect_error([&] { gener::io::read_npy(p); }, {p, "truncated npy header"});
  expect_error([&] { gener::io::read_npy(dir.file("missing.npy")); }, {dir.file("missing.npy"), "cannot open"});
}

TEST(Npy, RealTestingSplit) {
  const std::string path = gener::testing::shared_data_file("gener-biogrid-dream5/testing_data.npy");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  auto a = gener::io::read_npy(path);
  EXPECT_EQ(a.descr, "<f8");
  ASSERT_EQ(a.shape, (std::vector<int64_t>{97748, 3}));
  size_t pos = 0;
  for (int64_t i = 0; i < a.shape[0]; ++i) {
    double ga = a.values[3 * i], gb = a.values[3 * i + 1], y = a.values[3 * i + 2];
    ASSERT_TRUE(ga >= 0 && ga < 5950 && gb >= 0 && gb < 5950) << "row " << i;
    ASSERT_TRUE(y == 0 || y == 1) << "row " << i;
    pos += y == 1;
  }
  EXPECT_NEAR(static_cast<double>(pos) / 97748.0, 0.5, 0.01);  // README: balanced 1:1
}

}  // namespace
