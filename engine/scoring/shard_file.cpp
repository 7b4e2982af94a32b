// shard_file.cpp — shard files: writer, verifying reader, and the merge of a job's shards.
#include "engine/scoring/shard_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "engine/io/atomic_file.h"
#include "kernels/check.h"

namespace gener::scoring {
namespace {

constexpr char kMagic[8] = {'G', 'E', 'N', 'E', 'R', 'S', 'H', 'D'};
constexpr char kEnd[8] = {'G', 'E', 'N', 'E', 'R', 'E', 'N', 'D'};
constexpr size_t kRowBytes = 12;

void put_u32(std::string& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t get_u(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string short_hash(const std::string& h) { return h.size() > 12 ? h.substr(0, 12) + "…" : h; }

nlohmann::json to_json(const ShardHeader& h) {
  return {{"format", "gener-shard-1"}, {"model_sha256", h.model_sha256}, {"expression_sha256", h.expression_sha256},
          {"space", h.space},          {"pairs_sha256", h.pairs_sha256}, {"total", h.total},
          {"slices", h.slices},        {"top_k", h.top_k},               {"threshold", h.threshold},
          {"genes", h.genes},          {"slice", h.slice},               {"begin", h.begin},
          {"end", h.end},              {"rows", h.rows}};
}

ShardHeader from_json(const nlohmann::json& j, const std::string& path) {
  ShardHeader h;
  try {
    GENER_CHECK(j.value("format", std::string()) == "gener-shard-1",
                path << ": not a gener shard (format '" << j.value("format", std::string()) << "')");
    h.model_sha256 = j.at("model_sha256").get<std::string>();
    h.expression_sha256 = j.at("expression_sha256").get<std::string>();
    h.space = j.at("space").get<std::string>();
    h.pairs_sha256 = j.at("pairs_sha256").get<std::string>();
    h.total = j.at("total").get<long long>();
    h.slices = j.at("slices").get<int>();
    h.top_k = j.at("top_k").get<long long>();
    h.threshold = j.at("threshold").get<double>();
    h.genes = j.at("genes").get<std::vector<std::string>>();
    h.slice = j.at("slice").get<int>();
    h.begin = j.at("begin").get<long long>();
    h.end = j.at("end").get<long long>();
    h.rows = j.at("rows").get<long long>();
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(path << ": shard header: " << e.what());
  }
  GENER_CHECK(h.slices >= 1 && h.slice >= 0 && h.slice < h.slices && 0 <= h.begin && h.begin <= h.end &&
                  h.end <= h.total && h.rows >= 0,
              path << ": shard header is inconsistent (slice " << h.slice << "/" << h.slices << ", pairs [" << h.begin
                   << ", " << h.end << ") of " << h.total << ", " << h.rows << " rows)");
  return h;
}

std::vector<char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  GENER_CHECK(in, path << ": cannot open the shard file");
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Header and row count from the file's bytes; throws naming the file when anything is off.
ShardHeader parse(const std::string& path, const std::vector<char>& b, size_t* rows_at) {
  GENER_CHECK(b.size() >= 32 && std::memcmp(b.data(), kMagic, 8) == 0,
              path << ": not a gener shard file (no GENERSHD signature)");
  const uint64_t hlen = get_u(b.data() + 8, 8);
  GENER_CHECK(hlen <= b.size() - 16, path << ": truncated shard header (" << hlen << " bytes announced)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(b.begin() + 16, b.begin() + 16 + static_cast<long>(hlen));
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(path << ": shard header is not JSON: " << e.what());
  }
  ShardHeader h = from_json(j, path);
  const size_t at = 16 + static_cast<size_t>(hlen);
  const size_t want = at + static_cast<size_t>(h.rows) * kRowBytes + 16;
  GENER_CHECK(b.size() == want, path << ": incomplete shard: " << b.size() << " bytes, " << want << " expected for "
                                     << h.rows << " rows (was the task interrupted?)");
  GENER_CHECK(std::memcmp(b.data() + want - 16, kEnd, 8) == 0 &&
                  get_u(b.data() + want - 8, 8) == static_cast<uint64_t>(h.rows),
              path << ": incomplete shard: no completion marker");
  *rows_at = at;
  return h;
}

}  // namespace

std::string job_difference(const ShardHeader& a, const ShardHeader& b) {
  if (a.model_sha256 != b.model_sha256)
    return "model sha256 " + short_hash(a.model_sha256) + " vs " + short_hash(b.model_sha256);
  if (a.expression_sha256 != b.expression_sha256)
    return "expression sha256 " + short_hash(a.expression_sha256) + " vs " + short_hash(b.expression_sha256);
  if (a.space != b.space) return "pair space " + a.space + " vs " + b.space;
  if (a.pairs_sha256 != b.pairs_sha256)
    return "pair list sha256 " + short_hash(a.pairs_sha256) + " vs " + short_hash(b.pairs_sha256);
  if (a.total != b.total) return "pairs " + std::to_string(a.total) + " vs " + std::to_string(b.total);
  if (a.slices != b.slices) return "slices " + std::to_string(a.slices) + " vs " + std::to_string(b.slices);
  if (a.top_k != b.top_k) return "top k " + std::to_string(a.top_k) + " vs " + std::to_string(b.top_k);
  if (a.threshold != b.threshold)
    return "threshold " + std::to_string(a.threshold) + " vs " + std::to_string(b.threshold);
  if (a.genes != b.genes) return "gene names differ";
  return "";
}

void write_shard(const std::string& path, ShardHeader h, const std::vector<Scored>& rows) {
  h.rows = static_cast<long long>(rows.size());
  const std::string header = to_json(h).dump();
  std::string b(kMagic, 8);
  put_u64(b, header.size());
  b += header;
  b.reserve(b.size() + rows.size() * kRowBytes + 16);
  for (const Scored& r : rows) {
    uint32_t s;
    std::memcpy(&s, &r.score, 4);
    put_u32(b, static_cast<uint32_t>(r.a));
    put_u32(b, static_cast<uint32_t>(r.b));
    put_u32(b, s);
  }
  b.append(kEnd, 8);
  put_u64(b, rows.size());
  io::AtomicFile f(path, /*binary=*/true);
  f.stream().write(b.data(), static_cast<std::streamsize>(b.size()));
  f.commit();
}

Shard read_shard(const std::string& path) {
  const std::vector<char> b = slurp(path);
  size_t at = 0;
  Shard s;
  s.header = parse(path, b, &at);
  const int32_t g = static_cast<int32_t>(s.header.genes.size());
  s.rows.resize(static_cast<size_t>(s.header.rows));
  for (size_t i = 0; i < s.rows.size(); ++i) {
    const char* p = b.data() + at + i * kRowBytes;
    Scored& r = s.rows[i];
    r.a = static_cast<int32_t>(get_u(p, 4));
    r.b = static_cast<int32_t>(get_u(p + 4, 4));
    const uint32_t bits = static_cast<uint32_t>(get_u(p + 8, 4));
    std::memcpy(&r.score, &bits, 4);
    GENER_CHECK(r.a >= 0 && r.a < g && r.b >= 0 && r.b < g,
                path << ": row " << i << ": pair (" << r.a << ", " << r.b << ") outside the " << g << " genes");
    GENER_CHECK(i == 0 || !better(r, s.rows[i - 1]), path << ": row " << i << " is out of rank order");
  }
  return s;
}

bool read_complete_shard_header(const std::string& path, ShardHeader* h) {
  std::ifstream probe(path, std::ios::binary);
  if (!probe) return false;
  probe.close();
  try {
    const std::vector<char> b = slurp(path);
    size_t at = 0;
    *h = parse(path, b, &at);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<Scored> merge_shards(const std::vector<std::string>& paths, long long top_k,
                                 std::vector<std::string>* genes, long long* total) {
  GENER_CHECK(!paths.empty(), "merge: no shard files given");
  std::vector<Shard> shards;
  shards.reserve(paths.size());
  for (const std::string& p : paths) shards.push_back(read_shard(p));
  const ShardHeader& first = shards[0].header;
  const int n = first.slices;
  std::vector<int> owner(static_cast<size_t>(n), -1);
  for (size_t i = 0; i < shards.size(); ++i) {
    const ShardHeader& h = shards[i].header;
    const std::string diff = job_difference(first, h);
    GENER_CHECK(diff.empty(), paths[i] << ": belongs to another job than " << paths[0] << " (" << diff << ")");
    int& o = owner[static_cast<size_t>(h.slice)];
    GENER_CHECK(o < 0, paths[i] << ": holds slice " << h.slice << "/" << n << ", as " << paths[static_cast<size_t>(o)]
                                << " does (each slice once)");
    o = static_cast<int>(i);
  }
  long long expect = 0;
  for (int s = 0; s < n; ++s) {
    const int o = owner[static_cast<size_t>(s)];
    GENER_CHECK(o >= 0, "merge: slice " << s << "/" << n << " is missing (" << shards.size() << " of " << n
                                        << " shards given; the first is " << paths[0] << ")");
    const ShardHeader& h = shards[static_cast<size_t>(o)].header;
    GENER_CHECK(h.begin == expect, paths[static_cast<size_t>(o)]
                                       << ": slice " << s << "/" << n << " covers pairs [" << h.begin << ", " << h.end
                                       << ") but the slices before it end at " << expect << " (overlap or gap)");
    expect = h.end;
  }
  GENER_CHECK(expect == first.total, "merge: the slices end at pair " << expect << " of " << first.total);
  if (top_k <= 0) top_k = first.top_k;
  GENER_CHECK(first.top_k <= 0 || top_k <= first.top_k,
              "--top-k: " << top_k << " exceeds the " << first.top_k << " best rows each shard kept (" << paths[0]
                          << ")");
  std::vector<std::vector<Scored>> runs;
  runs.reserve(shards.size());
  for (Shard& s : shards) runs.push_back(std::move(s.rows));
  *genes = first.genes;
  *total = first.total;
  return merge_ranked(runs, top_k);
}

}  // namespace gener::scoring
