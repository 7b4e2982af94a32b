// dataset_cache.h — one binary file holding a prepared dataset (genes, matrix, train/val/test pairs, summary),
// checksummed, written atomically, loaded in well under a second at the paper's size.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/data/expression.h"
#include "engine/data/split.h"

namespace gener::data {

// Layout (all integers little-endian):
//   header, 32 bytes:  magic "GENERDSC" | u32 version (1) | u32 header size (32) | u64 payload bytes |
//                      u64 FNV-1a 64 of the payload
//   payload:           u64 G, L, S (number of sample names: 0 or L), n_train, n_val, n_test, meta bytes |
//                      meta (JSON text: the prepare summary) | G x (u32 length, gene name) |
//                      S x (u32 length, sample name) | G*L f32 values (one row per gene) |
//                      for train, val, test: n x (i32 a, i32 b), then n x i8 label
constexpr uint32_t kDatasetCacheVersion = 1;

struct DatasetCache {
  Expression expr;
  Splits splits;
  nlohmann::json meta;  // what prepare recorded (sources, counts); an object, possibly empty
};

// Write atomically (a temporary beside `path`, renamed at the end); creates the parent directory.
void write_dataset_cache(const std::string& path, const Expression& expr, const Splits& splits,
                         const nlohmann::json& meta);

// Read and verify: size, magic, version, checksum, then every field (lengths within the file, unique gene
// names, finite values, gene indices in [0, G), labels 0/1). Errors name the file and the byte offset.
DatasetCache read_dataset_cache(const std::string& path);

// 64-bit FNV-1a of `n` bytes, continuing from `h`.
uint64_t fnv1a64(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ULL);

}  // namespace gener::data
