// test_io_safetensors.cpp — safetensors round trip, exact byte layout, corrupt files, atomic writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/safetensors.h"
#include "kernels/check.h"

namespace fs = std::filesystem;
using gener::io::read_safetensors;
using gener::io::require_tensor;
using gener::io::SafeTensors;
using gener::io::write_safetensors;

namespace {

class SafeTensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("gener_st_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void dump_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string u64_le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = char((v >> (8 * i)) & 0xff);
  return s;
}

std::string f32_le(std::initializer_list<float> values) {
  std::string s;
  for (float f : values) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i) s += char((u >> (8 * i)) & 0xff);
  }
  return s;
}

// A file from a header text (padded to 8 with spaces) and raw data bytes.
std::string make_file(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  return u64_le(header.size()) + header + data;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Reading `file` must throw gener::Error mentioning the path and `needle`.
void expect_read_error(const std::string& file, const std::string& needle) {
  try {
    read_safetensors(file);
    ADD_FAILURE() << "no error for " << file << " (expected: " << needle << ")";
  } catch (const gener::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "expected '" << needle << "' in: " << msg;
  }
}

SafeTensors sample() {
  SafeTensors st;
  st.tensors["conv1.weight"] = {{16, 1, 2, 2}, {}};
  for (int i = 0; i < 64; ++i) st.tensors["conv1.weight"].data.push_back(std::sin(0.37f * float(i)) * 3.0f);
  st.tensors["bn.running_var"] = {{7}, {1e-38f, -0.0f, std::numeric_limits<float>::infinity(),
                                        std::numeric_limits<float>::denorm_min(),
                                        std::numeric_limits<float>::max(), -1.5f, 0.1f}};
  uint32_t nan_bits = 0x7fc01234u;  // NaN with a payload must survive bit for bit
  std::memcpy(&st.tensors["bn.running_var"].data[5], &nan_bits, 4);
  st.tensors["step"] = {{}, {42.0f}};
  st.tensors["empty"] = {{0, 3}, {}};
  st.metadata["format"] = "pt";
  st.metadata["config"] = "{\"L\": 536, \"name\": \"quote\\\" tab\t\"}\nline2";
  st.metadata["gene"] = "Gén-β";
  return st;
}

TEST_F(SafeTensorsTest, RoundTripIsBitIdentical) {
  const SafeTensors st = sample();
  write_safetensors(path("a.safetensors"), st);
  const SafeTensors back = read_safetensors(path("a.safetensors"));
  EXPECT_EQ(back.metadata, st.metadata);
  ASSERT_EQ(back.tensors.size(), st.tensors.size());
  for (const auto& [name, t] : st.tensors) {
    ASSERT_TRUE(back.tensors.count(name)) << name;
    const auto& b = back.tensors.at(name);
    EXPECT_EQ(b.shape, t.shape) << name;
    ASSERT_EQ(b.data.size(), t.data.size()) << name;
    for (size_t i = 0; i < t.data.size(); ++i) EXPECT_EQ(bits(b.data[i]), bits(t.data[i])) << name << "[" << i << "]";
  }
  const std::string bytes = slurp(path("a.safetensors"));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[i]);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 4 * (64 + 7 + 1 + 0));
  // Deterministic: writing again gives the same bytes.
  write_safetensors(path("b.safetensors"), back);
  EXPECT_EQ(slurp(path("b.safetensors")), bytes);
}

TEST_F(SafeTensorsTest, ExactByteLayoutOfATinyFile) {
  SafeTensors st;
  st.tensors["a"] = {{2}, {1.0f, -2.0f}};
  st.metadata["k"] = "v";
  write_safetensors(path("t.safetensors"), st);
  // 79 bytes of JSON, one space to reach 80 = 0x50; then 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian.
  const std::string json = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_EQ(json.size(), 79u);
  const std::string expected = std::string("\x50\0\0\0\0\0\0\0", 8) + json + " " +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8);
  EXPECT_EQ(slurp(path("t.safetensors")), expected);
}

TEST_F(SafeTensorsTest, EmptyFileAndSortedOrder) {
  write_safetensors(path("e.safetensors"), SafeTensors{});
  EXPECT_EQ(slurp(path("e.safetensors")), std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  EXPECT_TRUE(read_safetensors(path("e.safetensors")).tensors.empty());

  SafeTensors st;
  st.tensors["b"] = {{1}, {3.0f}};
  st.tensors["a"] = {{1}, {2.0f}};
  st.tensors["B"] = {{1}, {1.0f}};
  write_safetensors(path("s.safetensors"), st);
  const std::string bytes = slurp(path("s.safetensors"));
  const auto header = nlohmann::json::parse(bytes.substr(8, uint8_t(bytes[0])));
  EXPECT_FALSE(header.contains("__metadata__"));  // omitted when empty, like the reference
  EXPECT_EQ(header["B"]["data_offsets"], nlohmann::json({0, 4}));  // byte order: 'B' < 'a' < 'b'
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::json({4, 8}));
  EXPECT_EQ(header["b"]["data_offsets"], nlohmann::json({8, 12}));
  EXPECT_EQ(bytes.substr(bytes.size() - 12), f32_le({1.0f, 2.0f, 3.0f}));
}

TEST_F(SafeTensorsTest, ReadsOtherFloatDtypes) {
  // F64 0.5, -3; F16 1.0 (0x3c00), -2.0 (0xc000), smallest subnormal (0x0001), inf (0x7c00); BF16 1.0 (0x3f80).
  std::string f64;
  for (double d : {0.5, -3.0}) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    f64 += u64_le(u);
  }
  const std::string f16("\x00\x3c\x00\xc0\x01\x00\x00\x7c", 8), bf16("\x80\x3f", 2);
  const std::string file = make_file(
      R"({"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]},)"
      R"("z":{"dtype":"BF16","shape":[1],"data_offsets":[24,26]}})",
      f64 + f16 + bf16);
  dump_bytes(path("x.safetensors"), file);
  const SafeTensors st = read_safetensors(path("x.safetensors"));
  EXPECT_EQ(st.tensors.at("d").data, (std::vector<float>{0.5f, -3.0f}));
  EXPECT_EQ(st.tensors.at("h").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(st.tensors.at("h").data,
            (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24), std::numeric_limits<float>::infinity()}));
  EXPECT_EQ(st.tensors.at("z").data, (std::vector<float>{1.0f}));
}

TEST_F(SafeTensorsTest, EveryCorruptionIsAnErrorNamingTheFile) {
  const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string d8 = f32_le({1.0f, 2.0f});
  struct Case {
    const char* label;
    std::string bytes;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"empty", "", "shorter than the 8-byte"},
      {"short", "\x10\0\0", "shorter than the 8-byte"},
      {"header_too_long", u64_le(1000) + "{}      ", "header length 1000 is larger"},
      {"huge_header_len", u64_le(~uint64_t{0}) + "{}", "is larger than the rest"},
      {"bad_json", make_file(R"({"w":{"dtype":"F32",,}})", ""), "not valid JSON at byte 20 of the header (file offset 28)"},
      {"not_object", make_file("[1,2]", ""), "must be a JSON object"},
      {"unknown_dtype", make_file(R"({"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", d8), "unknown dtype \"F33\""},
      {"unsupported_dtype", make_file(R"({"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", d8), "not supported"},
      {"shape_offset_mismatch", make_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8),
       "tensor 'w': shape/offset mismatch"},
      {"overlap", make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            d8 + d8.substr(0, 4)),
       "overlap tensor 'a'"},
      {"gap", make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8), "gap of 4 bytes before tensor 'w'"},
      {"out_of_range", make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"v":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8),
       "tensor 'w' data_offsets [8, 16] go past the end"},
      {"trailing_garbage", make_file(ok, d8 + "junk"), "4 trailing bytes"},
      {"shape_overflow", make_file(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,2],"data_offsets":[0,8]}})", d8),
       "overflows 64 bits"},
      {"bytes_overflow", make_file(R"({"w":{"dtype":"F32","shape":[4611686018427387904,2],"data_offsets":[0,8]}})", d8),
       "overflows 64 bits"},
      {"negative_dim", make_file(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8), "not a non-negative integer"},
      {"float_dim", make_file(R"({"w":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", d8), "not a non-negative integer"},
      {"reversed_offsets", make_file(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", d8), "end before they begin"},
      {"missing_offsets", make_file(R"({"w":{"dtype":"F32","shape":[2]}})", d8), "data_offsets"},
      {"extra_field", make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}})", d8), "unexpected header field \"x\""},
      {"duplicate_tensor", make_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8),
       "duplicate key \"w\""},
      {"metadata_not_string", make_file(R"({"__metadata__":{"n":5}})", ""), "metadata \"n\" must be a string"},
      {"truncated_header", make_file(ok, d8).substr(0, 20), "is larger than the rest"},
      {"truncated_data", make_file(ok, d8).substr(0, 8 + 56 + 5), "go past the end of the data section"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    const std::string file = path(std::string(c.label) + ".safetensors");
    dump_bytes(file, c.bytes);
    expect_read_error(file, c.needle);
  }
  // The well-formed base case reads, so the errors above come from the corruption alone.
  dump_bytes(path("ok.safetensors"), make_file(ok, d8));
  EXPECT_EQ(read_safetensors(path("ok.safetensors")).tensors.at("w").data, (std::vector<float>{1.0f, 2.0f}));
  expect_read_error(path("missing.safetensors"), "no such file");
  expect_read_error(dir_.string(), "not a regular file");
}

TEST_F(SafeTensorsTest, TruncatingARealFileAnywhereIsAnError) {
  write_safetensors(path("full.safetensors"), sample());
  const std::string bytes = slurp(path("full.safetensors"));
  for (size_t cut : {size_t{0}, size_t{7}, size_t{8}, size_t{40}, bytes.size() - 300, bytes.size() - 1}) {
    SCOPED_TRACE(cut);
    dump_bytes(path("cut.safetensors"), bytes.substr(0, cut));
    EXPECT_THROW(read_safetensors(path("cut.safetensors")), gener::Error);
  }
}

TEST_F(SafeTensorsTest, FailedWriteLeavesNoFile) {
  SafeTensors st = sample();
  const std::string in_proc = "/proc/gener_no_such_dir/x.safetensors";
  EXPECT_THROW(write_safetensors(in_proc, st), gener::Error);
  EXPECT_FALSE(fs::exists(in_proc));
  dump_bytes(path("plain_file"), "x");
  EXPECT_THROW(write_safetensors(path("plain_file") + "/x.safetensors", st), gener::Error);

  // Invalid input over an existing file: error naming the path, the old file intact, no temporary left.
  write_safetensors(path("w.safetensors"), st);
  const std::string before = slurp(path("w.safetensors"));
  st.tensors["bad"] = {{2, 3}, {1.0f}};
  try {
    write_safetensors(path("w.safetensors"), st);
    ADD_FAILURE() << "no error for a shape/data mismatch";
  } catch (const gener::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path("w.safetensors")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("tensor 'bad' has shape [2, 3]"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path("w.safetensors")), before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 2);  // plain_file, w

  EXPECT_THROW(write_safetensors(path("n.safetensors"), SafeTensors{{{"w", {{-1}, {}}}}, {}}), gener::Error);
  EXPECT_THROW(write_safetensors(path("n.safetensors"), SafeTensors{{{"__metadata__", {{1}, {1.0f}}}}, {}}),
               gener::Error);
  EXPECT_THROW(write_safetensors(path("n.safetensors"), SafeTensors{{}, {{"k", std::string("\xff", 1)}}}),
               gener::Error);
  EXPECT_FALSE(fs::exists(path("n.safetensors")));
}

TEST_F(SafeTensorsTest, RequireTensorNamesTensorAndShapes) {
  const SafeTensors st = sample();
  EXPECT_EQ(require_tensor(st, "conv1.weight", {16, 1, 2, 2}).data.size(), 64u);
  EXPECT_EQ(require_tensor(st, "step", {}).data, (std::vector<float>{42.0f}));
  try {
    require_tensor(st, "conv1.weight", {16, 2, 2});
    ADD_FAILURE() << "no error for a wrong shape";
  } catch (const gener::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'conv1.weight'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[16, 1, 2, 2]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[16, 2, 2]"), std::string::npos) << msg;
  }
  try {
    require_tensor(st, "fc.bias", {2});
    ADD_FAILURE() << "no error for a missing tensor";
  } catch (const gener::Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'fc.bias' is missing"), std::string::npos) << e.what();
  }
}

}  // namespace
