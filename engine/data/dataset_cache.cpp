// dataset_cache.cpp — binary dataset cache writer and verifying reader.
#include "engine/data/dataset_cache.h"

#include <cctype>
#include <cerrno>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "engine/io/atomic_file.h"
#include "base/show.h"
#include "engine/io/input_file.h"
#include "kernels/check.h"

namespace gener::data {
namespace {

constexpr char kMagic[8] = {'G', 'E', 'N', 'E', 'R', 'D', 'S', 'C'};
constexpr size_t kHeaderBytes = 32;

void put_u32(std::string& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& b, const std::string& s) {
  put_u32(b, static_cast<uint32_t>(s.size()));
  b += s;
}

// Bounds-checked little-endian reads over the file's bytes; every error names the file and byte offset.
class Cursor {
 public:
  Cursor(const std::string& path, const std::string& bytes, size_t pos) : path_(path), b_(bytes), pos_(pos) {}
  size_t pos() const { return pos_; }
  void need(size_t n, const char* what) const {
    if (b_.size() - pos_ < n)
      GENER_THROW(path_ << ": byte " << pos_ << ": truncated " << what << " (needs " << n << " bytes, "
                        << b_.size() - pos_ << " left)");
  }
  uint64_t u(int bytes, const char* what) {
    need(static_cast<size_t>(bytes), what);
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(b_[pos_ + i])) << (8 * i);
    pos_ += static_cast<size_t>(bytes);
    return v;
  }
  std::string str(const char* what) {
    const size_t at = pos_;
    const uint64_t n = u(4, what);
    if (b_.size() - pos_ < n)
      GENER_THROW(path_ << ": byte " << at << ": " << what << " of length " << n << " runs past the end of the file ("
                        << b_.size() << " bytes)");
    std::string s(b_.data() + pos_, n);
    pos_ += n;
    return s;
  }
  const char* take(size_t n, const char* what) {
    need(n, what);
    const char* p = b_.data() + pos_;
    pos_ += n;
    return p;
  }

 private:
  const std::string& path_;
  const std::string& b_;
  size_t pos_;
};

uint64_t checked_count(Cursor& c, const std::string& path, const char* what, uint64_t limit) {
  const size_t at = c.pos();
  const uint64_t v = c.u(8, what);
  if (v > limit) GENER_THROW(path << ": byte " << at << ": " << what << " " << v << " is larger than the file allows");
  return v;
}

}  // namespace

uint64_t fnv1a64(const void* data, size_t n, uint64_t h) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

void write_dataset_cache(const std::string& path, const Expression& expr, const Splits& splits,
                         const nlohmann::json& meta) {
  const size_t G = expr.genes.size(), L = static_cast<size_t>(expr.L);
  GENER_CHECK(expr.values.size() == G * L, path << ": expression has " << expr.values.size() << " values for " << G
                                                << " genes x " << L << " samples");
  GENER_CHECK(expr.samples.empty() || expr.samples.size() == L, path << ": " << expr.samples.size()
                                                                     << " sample names for " << L << " samples");
  const PairSet* sets[3] = {&splits.train, &splits.val, &splits.test};
  std::string p;  // payload
  p.reserve(64 + G * (16 + 4 * L) + 9 * (splits.train.size() + splits.val.size() + splits.test.size()));
  const std::string meta_text = meta.is_null() ? std::string("{}") : meta.dump();
  put_u64(p, G);
  put_u64(p, L);
  put_u64(p, expr.samples.size());
  for (const PairSet* s : sets) put_u64(p, s->size());
  put_u64(p, meta_text.size());
  p += meta_text;
  for (const std::string& g : expr.genes) put_str(p, g);
  for (const std::string& s : expr.samples) put_str(p, s);
  for (float v : expr.values) {
    uint32_t bits = 0;
    std::memcpy(&bits, &v, 4);
    put_u32(p, bits);
  }
  for (const PairSet* s : sets) {
    GENER_CHECK(s->ab.size() == 2 * s->size(), path << ": pair set has " << s->ab.size() << " indices for "
                                                    << s->size() << " labels");
    for (int32_t x : s->ab) put_u32(p, static_cast<uint32_t>(x));
    for (int8_t y : s->label) p.push_back(static_cast<char>(y));
  }
  std::string h(kMagic, sizeof(kMagic));
  put_u32(h, kDatasetCacheVersion);
  put_u32(h, static_cast<uint32_t>(kHeaderBytes));
  put_u64(h, p.size());
  put_u64(h, fnv1a64(p.data(), p.size()));
  io::ensure_parent_dir(path);
  io::AtomicFile out(path, true);
  out.stream().write(h.data(), static_cast<std::streamsize>(h.size()));
  out.stream().write(p.data(), static_cast<std::streamsize>(p.size()));
  out.commit();
}

DatasetCache read_dataset_cache(const std::string& path) {
  const std::string b = io::read_whole_file(path, "a dataset cache (.gcache) file");
  GENER_CHECK(b.size() >= kHeaderBytes, path << ": byte " << b.size() << ": truncated dataset cache header (needs "
                                             << kHeaderBytes << " bytes)");
  if (std::memcmp(b.data(), kMagic, sizeof(kMagic)) != 0) {
    std::string shown;
    for (size_t i = 0; i < sizeof(kMagic); ++i) shown += std::isprint(static_cast<unsigned char>(b[i])) ? b[i] : '.';
    GENER_THROW(path << ": byte 0: not a gener dataset cache (magic '" << shown << "', expected 'GENERDSC')");
  }
  Cursor c(path, b, sizeof(kMagic));
  const uint64_t version = c.u(4, "version");
  GENER_CHECK(version == kDatasetCacheVersion, path << ": byte 8: unsupported dataset cache version " << version
                                                    << " (this gener reads version " << kDatasetCacheVersion << ")");
  const uint64_t hdr = c.u(4, "header size");
  GENER_CHECK(hdr == kHeaderBytes, path << ": byte 12: bad header size " << hdr << " (expected " << kHeaderBytes << ")");
  const uint64_t payload = c.u(8, "payload size");
  const uint64_t sum = c.u(8, "checksum");
  const uint64_t have = b.size() - kHeaderBytes;
  GENER_CHECK(payload == have, path << ": byte " << b.size() << ": " << (payload > have ? "truncated" : "trailing bytes")
                                    << ": the header (byte 16) promises " << payload << " payload bytes, the file has "
                                    << have);
  const uint64_t actual = fnv1a64(b.data() + kHeaderBytes, have);
  if (actual != sum) {
    char msg[96];
    std::snprintf(msg, sizeof(msg), "stored 0x%016llx, computed 0x%016llx", static_cast<unsigned long long>(sum),
                  static_cast<unsigned long long>(actual));
    GENER_THROW(path << ": byte 24: checksum mismatch over bytes " << kHeaderBytes << ".." << b.size() << " (" << msg
                     << "): the file is corrupt");
  }
  const uint64_t lim = have;  // no count can exceed the payload's byte count
  DatasetCache d;
  // Every gene and sample name takes at least its 4-byte length, every value 4 bytes: counts are bounded by the
  // file before anything is allocated from them (and fit the int indices of the matrix).
  const uint64_t int_max = static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
  const uint64_t G = checked_count(c, path, "gene count", std::min(lim / 4, int_max));
  const uint64_t L = checked_count(c, path, "sample count", int_max);
  const size_t s_at = c.pos();
  const uint64_t S = checked_count(c, path, "sample-name count", lim / 4);
  GENER_CHECK(S == 0 || S == L, path << ": byte " << s_at << ": " << S << " sample names for " << L << " samples");
  uint64_t n[3];
  for (uint64_t& x : n) x = checked_count(c, path, "pair count", lim);
  const uint64_t meta_len = checked_count(c, path, "summary length", lim);
  const size_t meta_at = c.pos();
  const char* meta = c.take(meta_len, "summary");
  try {
    d.meta = nlohmann::json::parse(meta, meta + meta_len);
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(path << ": byte " << meta_at << ": summary is not valid JSON: " << e.what());
  }
  d.expr.genes.reserve(G);
  for (uint64_t g = 0; g < G; ++g) {
    const size_t at = c.pos();
    d.expr.genes.push_back(c.str("gene name"));
    auto [it, fresh] = d.expr.index.emplace(d.expr.genes.back(), static_cast<int>(g));
    GENER_CHECK(fresh, path << ": byte " << at << ": duplicate gene name '" << show(d.expr.genes.back()) << "'");
  }
  for (uint64_t s = 0; s < S; ++s) d.expr.samples.push_back(c.str("sample name"));
  GENER_CHECK(L == 0 || G <= lim / 4 / L, path << ": byte " << c.pos() << ": " << G << " x " << L
                                                << " values do not fit in the file");
  d.expr.L = static_cast<int>(L);
  const size_t v_at = c.pos();
  const char* v = c.take(G * L * 4, "expression values");
  d.expr.values.resize(G * L);
  for (size_t i = 0; i < G * L; ++i) {
    uint32_t bits = 0;
    for (int k = 0; k < 4; ++k) bits |= static_cast<uint32_t>(static_cast<unsigned char>(v[4 * i + k])) << (8 * k);
    std::memcpy(&d.expr.values[i], &bits, 4);
    GENER_CHECK(std::isfinite(d.expr.values[i]), path << ": byte " << v_at + 4 * i << ": non-finite expression value "
                                                      << d.expr.values[i]);
  }
  PairSet* sets[3] = {&d.splits.train, &d.splits.val, &d.splits.test};
  const char* names[3] = {"train", "val", "test"};
  for (int s = 0; s < 3; ++s) {
    GENER_CHECK(n[s] <= lim / 9, path << ": byte " << c.pos() << ": " << names[s] << " pair count " << n[s]
                                      << " does not fit in the file");
    const size_t ab_at = c.pos();
    const char* ab = c.take(n[s] * 8, "pair indices");
    const size_t y_at = c.pos();
    const char* y = c.take(n[s], "pair labels");
    sets[s]->ab.resize(2 * n[s]);
    sets[s]->label.resize(n[s]);
    for (size_t i = 0; i < 2 * n[s]; ++i) {
      uint32_t u = 0;
      for (int k = 0; k < 4; ++k) u |= static_cast<uint32_t>(static_cast<unsigned char>(ab[4 * i + k])) << (8 * k);
      const int32_t g = static_cast<int32_t>(u);
      GENER_CHECK(g >= 0 && static_cast<uint64_t>(g) < G, path << ": byte " << ab_at + 4 * i << ": " << names[s]
                                                              << " gene index " << g << " not in [0, " << G << ")");
      sets[s]->ab[i] = g;
    }
    for (size_t i = 0; i < n[s]; ++i) {
      const int8_t l = static_cast<int8_t>(y[i]);
      GENER_CHECK(l == 0 || l == 1, path << ": byte " << y_at + i << ": " << names[s] << " label " << int(l)
                                         << " (expected 0 or 1)");
      sets[s]->label[i] = l;
    }
  }
  GENER_CHECK(c.pos() == b.size(), path << ": byte " << c.pos() << ": " << b.size() - c.pos()
                                        << " unexpected bytes after the test pairs");
  return d;
}

}  // namespace gener::data
