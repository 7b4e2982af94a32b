// test_io_text_reader.cpp — LineReader (plain, gzip, truncated gzip), field splitting, strict number parsing.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "engine/io/text_reader.h"
#include "test_data_util.h"

namespace {

using gener::io::LineReader;
using gener::testing::expect_error;
using gener::testing::ScratchDir;

std::vector<std::string> read_all(const std::string& path, std::vector<int64_t>* line_numbers = nullptr) {
  LineReader r(path);
  std::vector<std::string> lines;
  std::string_view line;
  while (r.next(line)) {
    lines.emplace_back(line);
    if (line_numbers) line_numbers->push_back(r.line_number());
  }
  return lines;
}

TEST(TextReader, PlainLinesCrlfAndMissingFinalNewline) {
  ScratchDir dir;
  gener::testing::write_text(dir.file("a.txt"), "first\r\n\nthird line\nlast");
  std::vector<int64_t> nums;
  std::vector<std::string> lines = read_all(dir.file("a.txt"), &nums);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "first");
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines[2], "third line");
  EXPECT_EQ(lines[3], "last");
  EXPECT_EQ(nums, (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(TextReader, EmptyFileHasNoLines) {
  ScratchDir dir;
  gener::testing::write_text(dir.file("e.txt"), "");
  EXPECT_TRUE(read_all(dir.file("e.txt")).empty());
}

TEST(TextReader, GzipEqualsPlainIncludingLongLines) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "row " + std::to_string(i) + "\t" + std::to_string(i * 7) + "\n";
  text += std::string(3 << 20, 'x') + "\n";  // one line longer than the read buffer
  text += "tail\n";
  gener::testing::write_text(dir.file("p.tsv"), text);
  gener::testing::write_gzip(dir.file("p.tsv.gz"), text);
  LineReader probe(dir.file("p.tsv.gz"));
  EXPECT_TRUE(probe.is_gzip());
  std::vector<std::string> plain = read_all(dir.file("p.tsv")), gz = read_all(dir.file("p.tsv.gz"));
  ASSERT_EQ(plain.size(), 20002u);
  EXPECT_EQ(plain, gz);
  EXPECT_EQ(plain[20000].size(), size_t(3) << 20);
  EXPECT_EQ(plain[12345], "row 12345\t86415");
}

TEST(TextReader, TruncatedGzipNamesTheFile) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i * 2654435761u) + "\n";
  std::string path = dir.file("cut.tsv.gz");
  gener::testing::write_gzip(path, text);
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  expect_error([&] { read_all(path); }, {path, "gzip"});
}

TEST(TextReader, MissingFile) {
  ScratchDir dir;
  std::string path = dir.file("nope.tsv");
  expect_error([&] { LineReader r(path); }, {path + ": cannot open (No such file or directory)"});
}

TEST(TextReader, DelimiterDetection) {
  EXPECT_EQ(gener::io::detect_delimiter("a\tb,c"), '\t');
  EXPECT_EQ(gener::io::detect_delimiter("a,b"), ',');
  EXPECT_EQ(gener::io::detect_delimiter("a b"), ' ');
}

TEST(TextReader, SplitFields) {
  std::vector<std::string_view> f;
  gener::io::split_fields("\tS1\t\"S 2\"\t", '\t', f);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], "");
  EXPECT_EQ(f[1], "S1");
  EXPECT_EQ(f[2], "S 2");
  EXPECT_EQ(f[3], "");
  gener::io::split_fields("a, b ,c", ',', f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[1], "b");
  gener::io::split_fields("  x   y z ", ' ', f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], "x");
  EXPECT_EQ(f[2], "z");
}

TEST(TextReader, StrictFloatParsing) {
  float v = 0;
  EXPECT_TRUE(gener::io::try_parse_float("1.5", v));
  EXPECT_EQ(v, 1.5f);
  EXPECT_TRUE(gener::io::try_parse_float("-3e-2", v));
  EXPECT_EQ(v, -0.03f);
  EXPECT_TRUE(gener::io::try_parse_float("+2", v));
  EXPECT_EQ(v, 2.0f);
  EXPECT_TRUE(gener::io::try_parse_float("1e-60", v));  // underflows to zero, still a number
  EXPECT_EQ(v, 0.0f);
  for (const char* bad : {"", "nan", "NaN", "inf", "-inf", "Infinity", "NA", "1.5x", "x1", "1e400", "1e39", "+-1",
                          "--1", "0x10", " "}) {
    EXPECT_FALSE(gener::io::try_parse_float(bad, v)) << "'" << bad << "'";
  }
  int64_t i = 0;
  EXPECT_TRUE(gener::io::try_parse_int64("+42", i));
  EXPECT_EQ(i, 42);
  EXPECT_FALSE(gener::io::try_parse_int64("4.0", i));
  expect_error([] { gener::io::parse_float("NaN", "data.tsv", 7, 3); }, {"data.tsv:7: column 3: bad value 'NaN'"});
}

TEST(TextReader, AppendFloatRoundTrips) {
  std::string s;
  const float values[] = {0.0f, -1.0f, 3.14159274f, 1e-7f, 123456.789f, -2.5e30f, 0.1f};
  for (float x : values) {
    s.clear();
    gener::io::append_float(s, x);
    float back = 0;
    ASSERT_TRUE(gener::io::try_parse_float(s, back)) << s;
    EXPECT_EQ(back, x) << s;
  }
  s.clear();
  gener::io::append_float(s, 3.14159274f, 5);
  EXPECT_EQ(s, "3.1416");
}

}  // namespace
