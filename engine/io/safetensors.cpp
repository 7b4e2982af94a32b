// safetensors.cpp — safetensors writer (F32) and validating reader (F32, F64, F16, BF16 → float).
#include "engine/io/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/io/atomic_file.h"
#include "engine/io/input_file.h"
#include "kernels/check.h"

namespace gener::io {
namespace {

using json = nlohmann::json;
constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

enum class DType { F32, F64, F16, BF16 };
struct DTypeInfo {
  const char* name;
  DType dtype;
  uint64_t bytes;
};

// The readable dtypes; nullptr for others. `known` tells whether the name is a safetensors dtype at all.
const DTypeInfo* find_dtype(const std::string& name, bool* known) {
  static constexpr DTypeInfo kReadable[] = {
      {"F32", DType::F32, 4}, {"F64", DType::F64, 8}, {"F16", DType::F16, 2}, {"BF16", DType::BF16, 2}};
  static constexpr const char* kOther[] = {"BOOL", "U8",  "I8",  "I16", "U16",     "I32",
                                           "U32",  "I64", "U64", "F8_E4M3", "F8_E5M2"};
  for (const DTypeInfo& d : kReadable)
    if (name == d.name) return *known = true, &d;
  *known = std::any_of(std::begin(kOther), std::end(kOther), [&](const char* o) { return name == o; });
  return nullptr;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

bool mul_overflows(uint64_t a, uint64_t b, uint64_t* out) { return __builtin_mul_overflow(a, b, out); }

uint64_t load_le(const unsigned char* p, int nbytes) {
  uint64_t v = 0;
  for (int i = nbytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24
    const float f = std::ldexp(float(mant), -24);
    return sign ? -f : f;
  }
  if (exp == 31) return bits_to_float(sign | 0x7f800000u | (mant << 13));  // inf / nan
  return bits_to_float(sign | ((exp + 112) << 23) | (mant << 13));
}

// Decode `n` little-endian values of dtype `dt` from `src` into `dst`.
void decode(const DTypeInfo& dt, const unsigned char* src, uint64_t n, float* dst) {
  for (uint64_t i = 0; i < n; ++i) {
    const unsigned char* p = src + i * dt.bytes;
    switch (dt.dtype) {
      case DType::F32: dst[i] = bits_to_float(uint32_t(load_le(p, 4))); break;
      case DType::F64: {
        const uint64_t u = load_le(p, 8);
        double d;
        std::memcpy(&d, &u, sizeof d);
        dst[i] = float(d);
        break;
      }
      case DType::F16: dst[i] = half_to_float(uint16_t(load_le(p, 2))); break;
      case DType::BF16: dst[i] = bits_to_float(uint32_t(load_le(p, 2)) << 16); break;
    }
  }
}

// One header entry, validated on its own (offsets are checked against each other later).
struct Entry {
  std::string name;
  const DTypeInfo* dt = nullptr;
  std::vector<int64_t> shape;
  uint64_t numel = 1, begin = 0, end = 0;
};

// Parse the header text; duplicate keys at any level are an error (nlohmann would keep the last).
json parse_header(const std::string& path, const std::string& text) {
  std::vector<std::set<std::string>> open_objects;
  auto on_event = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start) open_objects.emplace_back();
    if (ev == json::parse_event_t::object_end) open_objects.pop_back();
    if (ev == json::parse_event_t::key) {
      const std::string key = parsed.get<std::string>();
      GENER_CHECK(open_objects.back().insert(key).second,
                  path << ": safetensors header has a duplicate key \"" << key << "\"");
    }
    return true;
  };
  try {
    return json::parse(text, on_event);
  } catch (const json::parse_error& e) {
    const size_t at = e.byte ? e.byte - 1 : 0;  // nlohmann counts from 1; report the 0-based offset
    GENER_THROW(path << ": safetensors header is not valid JSON at byte " << at << " of the header (file offset "
                     << at + 8 << "): " << e.what());
  }
}

Entry parse_entry(const std::string& path, const std::string& name, const json& v) {
  const std::string where = path + ": tensor '" + name + "'";
  GENER_CHECK(v.is_object(), where << ": header entry must be a JSON object, got " << v.dump());
  for (const auto& field : v.items())
    GENER_CHECK(field.key() == "dtype" || field.key() == "shape" || field.key() == "data_offsets",
                where << ": unexpected header field \"" << field.key() << "\"");
  Entry e;
  e.name = name;
  GENER_CHECK(v.contains("dtype") && v["dtype"].is_string(), where << ": missing or non-string \"dtype\"");
  const std::string dtype = v["dtype"].get<std::string>();
  bool known = false;
  e.dt = find_dtype(dtype, &known);
  GENER_CHECK(e.dt || known, where << ": unknown dtype \"" << dtype << "\"");
  GENER_CHECK(e.dt, where << ": dtype " << dtype << " is not supported (readable: F32, F64, F16, BF16)");

  GENER_CHECK(v.contains("shape") && v["shape"].is_array(), where << ": missing or non-array \"shape\"");
  for (const json& d : v["shape"]) {
    GENER_CHECK(d.is_number_unsigned() && d.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max()),
                where << ": shape " << v["shape"].dump() << " has an entry that is not a non-negative integer");
    e.shape.push_back(int64_t(d.get<uint64_t>()));
    GENER_CHECK(!mul_overflows(e.numel, d.get<uint64_t>(), &e.numel),
                where << ": product of shape " << v["shape"].dump() << " overflows 64 bits");
  }
  uint64_t nbytes = 0;
  GENER_CHECK(!mul_overflows(e.numel, e.dt->bytes, &nbytes),
              where << ": byte size of shape " << v["shape"].dump() << " overflows 64 bits");

  const json* off = v.contains("data_offsets") ? &v["data_offsets"] : nullptr;
  GENER_CHECK(off && off->is_array() && off->size() == 2 && (*off)[0].is_number_unsigned() &&
                  (*off)[1].is_number_unsigned(),
              where << ": \"data_offsets\" must be [begin, end] with non-negative integers");
  e.begin = (*off)[0].get<uint64_t>();
  e.end = (*off)[1].get<uint64_t>();
  GENER_CHECK(e.begin <= e.end, where << ": data_offsets " << off->dump() << " end before they begin");
  GENER_CHECK(e.end - e.begin == nbytes, where << ": shape/offset mismatch: shape " << shape_str(e.shape) << " of "
                                               << dtype << " needs " << nbytes << " bytes but data_offsets "
                                               << off->dump() << " span " << e.end - e.begin);
  return e;
}

// Tensors must tile [0, data_size) exactly: no overlap, no gap, nothing past the end, nothing after.
void check_layout(const std::string& path, std::vector<Entry>& entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    GENER_CHECK(e.begin >= pos, path << ": tensor '" << e.name << "' data_offsets [" << e.begin << ", " << e.end
                                     << "] overlap tensor '" << prev->name << "' ending at " << pos);
    GENER_CHECK(e.begin == pos, path << ": gap of " << e.begin - pos << " bytes before tensor '" << e.name
                                     << "' (data_offsets [" << e.begin << ", " << e.end << "])");
    GENER_CHECK(e.end <= data_size, path << ": tensor '" << e.name << "' data_offsets [" << e.begin << ", " << e.end
                                         << "] go past the end of the data section (" << data_size
                                         << " bytes): offsets out of range or file truncated");
    pos = e.end;
    prev = &e;
  }
  GENER_CHECK(pos == data_size, path << ": " << data_size - pos << " trailing bytes after the last tensor (data section "
                                     << data_size << " bytes, tensors end at " << pos << ")");
}

void read_exact(std::istream& in, void* dst, uint64_t n, const std::string& path, const char* what) {
  in.read(static_cast<char*>(dst), std::streamsize(n));
  GENER_CHECK(in && uint64_t(in.gcount()) == n, path << ": file truncated while reading " << what);
}

}  // namespace

void write_safetensors(const std::string& path, const SafeTensors& st, CommitGroup* group) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!st.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [key, value] : st.metadata) meta[key] = value;
    header[kMetadataKey] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : st.tensors) {  // std::map order = sorted by name, like the reference
    GENER_CHECK(!name.empty() && name != kMetadataKey, path << ": invalid tensor name \"" << name << "\"");
    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      GENER_CHECK(d >= 0, path << ": tensor '" << name << "' has a negative dimension in shape " << shape_str(t.shape));
      GENER_CHECK(!mul_overflows(numel, uint64_t(d), &numel), path << ": tensor '" << name << "' shape overflows");
    }
    GENER_CHECK(numel == t.data.size(), path << ": tensor '" << name << "' has shape " << shape_str(t.shape) << " ("
                                             << numel << " values) but " << t.data.size() << " values");
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + 4 * numel}}};
    offset += 4 * numel;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error& e) {
    GENER_THROW(path << ": cannot encode the safetensors header (names and metadata must be UTF-8): " << e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');

  AtomicFile file(path, /*binary=*/true, group);
  std::ostream& out = file.stream();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));
  out.write(reinterpret_cast<const char*>(len), 8);
  out.write(text.data(), std::streamsize(text.size()));
  std::vector<unsigned char> buf;
  for (const auto& entry : st.tensors) {
    const std::vector<float>& v = entry.second.data;
    buf.resize(4 * v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      uint32_t u;
      std::memcpy(&u, &v[i], 4);
      for (int b = 0; b < 4; ++b) buf[4 * i + b] = static_cast<unsigned char>(u >> (8 * b));
    }
    out.write(reinterpret_cast<const char*>(buf.data()), std::streamsize(buf.size()));
  }
  file.commit();
}

SafeTensors read_safetensors(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  GENER_CHECK(fs::exists(path, ec), path << ": no such file (expected a safetensors file)");
  check_input_file(path, "a safetensors file");
  GENER_CHECK(fs::is_regular_file(path, ec), path << ": not a regular file (expected a safetensors file)");
  const uint64_t file_size = fs::file_size(path, ec);
  GENER_CHECK(!ec, path << ": cannot get the file size: " << ec.message());
  GENER_CHECK(file_size >= 8, path << ": not a safetensors file: " << file_size
                                   << " bytes, shorter than the 8-byte header length field");
  std::ifstream in(path, std::ios::binary);
  GENER_CHECK(in.is_open(), path << ": cannot open for reading");

  unsigned char len[8];
  read_exact(in, len, 8, path, "the header length");
  const uint64_t header_len = load_le(len, 8);
  GENER_CHECK(header_len <= file_size - 8, path << ": header length " << header_len
                                                << " is larger than the rest of the file (" << file_size - 8
                                                << " bytes): not a safetensors file or truncated");
  GENER_CHECK(header_len <= kMaxHeaderBytes, path << ": header length " << header_len << " exceeds the "
                                                  << kMaxHeaderBytes << "-byte limit");
  std::string text(header_len, '\0');
  read_exact(in, text.data(), header_len, path, "the header");
  const json header = parse_header(path, text);
  GENER_CHECK(header.is_object(), path << ": safetensors header must be a JSON object");

  SafeTensors st;
  std::vector<Entry> entries;
  for (const auto& item : header.items()) {
    if (item.key() != kMetadataKey) {
      entries.push_back(parse_entry(path, item.key(), item.value()));
      continue;
    }
    GENER_CHECK(item.value().is_object(), path << ": \"__metadata__\" must be an object of strings");
    for (const auto& kv : item.value().items()) {
      GENER_CHECK(kv.value().is_string(), path << ": metadata \"" << kv.key() << "\" must be a string, got "
                                               << kv.value().dump());
      st.metadata[kv.key()] = kv.value().get<std::string>();
    }
  }
  check_layout(path, entries, file_size - 8 - header_len);

  std::vector<unsigned char> buf;
  for (const Entry& e : entries) {  // in offset order, so the reads are sequential
    buf.resize(e.end - e.begin);
    read_exact(in, buf.data(), buf.size(), path, ("tensor '" + e.name + "'").c_str());
    TensorEntry& t = st.tensors[e.name];
    t.shape = e.shape;
    t.data.resize(e.numel);
    decode(*e.dt, buf.data(), e.numel, t.data.data());
  }
  return st;
}

const TensorEntry& require_tensor(const SafeTensors& st, const std::string& name,
                                  const std::vector<int64_t>& expected_shape) {
  const auto it = st.tensors.find(name);
  if (it == st.tensors.end()) {
    std::ostringstream names;
    for (const auto& kv : st.tensors) names << (names.tellp() > 0 ? ", " : "") << kv.first;
    GENER_THROW("tensor '" << name << "' is missing (have " << st.tensors.size() << ": " << names.str() << ")");
  }
  const TensorEntry& t = it->second;
  GENER_CHECK(t.shape == expected_shape, "tensor '" << name << "' has shape " << shape_str(t.shape) << ", expected "
                                                    << shape_str(expected_shape));
  uint64_t numel = 1;
  for (int64_t d : t.shape) numel *= uint64_t(d);
  GENER_CHECK(numel == t.data.size(), "tensor '" << name << "' has shape " << shape_str(t.shape) << " but "
                                                 << t.data.size() << " values");
  return t;
}

}  // namespace gener::io
