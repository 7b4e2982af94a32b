// npy.cpp — .npy header parsing and little-endian payload conversion to double.
#include "engine/io/npy.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include "base/check.h"
#include "base/resources.h"
#include "base/show.h"
#include "engine/io/input_file.h"

namespace gener::io {

int64_t NpyArray::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // read_npy checked that the product fits
  return n;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) os << ",";
  os << ")";
  return os.str();
}

namespace {

// Value of `key` in the header dict: the text after "'key':" up to the matching end
// (a quoted string, a tuple in parentheses, or a bare word).
std::string dict_value(const std::string& header, const std::string& key, const std::string& path, size_t hdr_off) {
  std::string pat = "'" + key + "'";
  size_t k = header.find(pat);
  if (k == std::string::npos) {
    pat = "\"" + key + "\"";
    k = header.find(pat);
  }
  GENER_CHECK(k != std::string::npos,
              path << ": byte " << hdr_off << ": npy header has no '" << key << "': '" << show(header) << "'");
  size_t p = header.find(':', k + pat.size());
  GENER_CHECK(p != std::string::npos, path << ": byte " << hdr_off + k << ": malformed npy header: '" << show(header)
                                           << "'");
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  GENER_CHECK(p < header.size(), path << ": byte " << hdr_off + p << ": malformed npy header: '" << show(header)
                                      << "'");
  char c = header[p];
  size_t e;
  if (c == '\'' || c == '"') {
    e = header.find(c, p + 1);
    GENER_CHECK(e != std::string::npos, path << ": byte " << hdr_off + p << ": unterminated string in npy header");
    return header.substr(p + 1, e - p - 1);
  }
  if (c == '(') {
    e = header.find(')', p);
    GENER_CHECK(e != std::string::npos, path << ": byte " << hdr_off + p << ": unterminated shape tuple in npy header");
    return header.substr(p, e - p + 1);
  }
  e = header.find_first_of(",}", p);
  if (e == std::string::npos) e = header.size();
  std::string v = header.substr(p, e - p);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

std::vector<int64_t> parse_shape(const std::string& tuple, const std::string& path, size_t off) {
  std::vector<int64_t> shape;
  GENER_CHECK(tuple.size() >= 2 && tuple.front() == '(' && tuple.back() == ')',
              path << ": byte " << off << ": npy shape must be a tuple like (3, 4), got '" << show(tuple) << "'");
  std::string inner = tuple.substr(1, tuple.size() - 2);
  std::istringstream is(inner);
  std::string tok;
  while (std::getline(is, tok, ',')) {
    size_t a = tok.find_first_not_of(' ');
    if (a == std::string::npos) continue;  // "(5,)" leaves an empty last token
    size_t b = tok.find_last_not_of(" L");  // python2 wrote 5L
    std::string t = tok.substr(a, b - a + 1);
    char* end = nullptr;
    errno = 0;
    long long d = std::strtoll(t.c_str(), &end, 10);
    GENER_CHECK(end && *end == '\0' && !t.empty() && d >= 0 && errno == 0,
                path << ": byte " << off << ": bad dimension '" << show(t) << "' in npy shape " << show(tuple));
    shape.push_back(d);
  }
  return shape;
}

template <typename T>
void convert(const char* src, int64_t n, std::vector<double>& out) {
  out.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, src + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
    out[static_cast<size_t>(i)] = static_cast<double>(v);
  }
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  const std::string bytes = read_whole_file(path, "a .npy file");
  static const char kMagic[] = "\x93NUMPY";
  GENER_CHECK(bytes.size() >= 10 && std::memcmp(bytes.data(), kMagic, 6) == 0,
              path << ": byte 0: not a .npy file (bad magic)");
  int major = static_cast<unsigned char>(bytes[6]);
  GENER_CHECK(major >= 1 && major <= 3, path << ": byte 6: unsupported npy format version " << major);
  size_t hdr_len = 0, hdr_off = 0;
  if (major == 1) {
    hdr_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    hdr_off = 10;
  } else {
    GENER_CHECK(bytes.size() >= 12, path << ": byte " << bytes.size() << ": truncated npy header");
    for (int i = 0; i < 4; ++i) hdr_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    hdr_off = 12;
  }
  GENER_CHECK(hdr_off + hdr_len <= bytes.size(), path << ": byte " << bytes.size() << ": truncated npy header (needs "
                                                      << hdr_off + hdr_len << " bytes)");
  std::string header = bytes.substr(hdr_off, hdr_len);

  NpyArray arr;
  arr.descr = dict_value(header, "descr", path, hdr_off);
  std::string fortran = dict_value(header, "fortran_order", path, hdr_off);
  GENER_CHECK(fortran == "False", path << ": byte " << hdr_off << ": fortran_order " << show(fortran) << " not supported");
  arr.shape = parse_shape(dict_value(header, "shape", path, hdr_off), path, hdr_off);

  size_t item = 0;
  const std::string& d = arr.descr;
  if (d == "<f8" || d == "<f4" || d == "<i8" || d == "<i4") {
    item = static_cast<size_t>(d[2] - '0');
  } else {
    GENER_THROW(path << ": byte " << hdr_off << ": unsupported npy dtype '" << show(d)
                     << "' (expected <f8, <f4, <i8 or <i4)");
  }
  // The shape's element and byte counts must fit the size arithmetic and the file before anything is allocated.
  uint64_t n_u = 1, need_u = 0;
  for (int64_t dim : arr.shape)
    GENER_CHECK(!__builtin_mul_overflow(n_u, static_cast<uint64_t>(dim), &n_u) && n_u <= (uint64_t{1} << 62),
                path << ": byte " << hdr_off << ": npy shape " << shape_string(arr.shape)
                     << " has more elements than any file can hold");
  GENER_CHECK(!__builtin_mul_overflow(n_u, static_cast<uint64_t>(item), &need_u),
              path << ": byte " << hdr_off << ": npy shape " << shape_string(arr.shape) << " of " << d
                   << " overflows the byte count");
  const int64_t n = static_cast<int64_t>(n_u);
  size_t data_off = hdr_off + hdr_len;
  size_t need = static_cast<size_t>(need_u);
  GENER_CHECK(bytes.size() - data_off >= need,
              path << ": byte " << bytes.size() << ": truncated npy data: shape " << shape_string(arr.shape) << " of "
                   << d << " needs " << need << " bytes from offset " << data_off << ", file has "
                   << bytes.size() - data_off);
  const char* src = bytes.data() + data_off;
  with_memory_context(path, [&] {
    check_memory(n_u * sizeof(double), "the array's values as float64");
    if (d == "<f8") convert<double>(src, n, arr.values);
    else if (d == "<f4") convert<float>(src, n, arr.values);
    else if (d == "<i8") convert<int64_t>(src, n, arr.values);
    else convert<int32_t>(src, n, arr.values);
  });
  return arr;
}

}  // namespace gener::io
