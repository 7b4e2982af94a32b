// shard_file.h — one slice of a scoring job, as a Slurm job-array task writes it (`gener score --shard i/n`): a
// header saying which job and slice it holds, the slice's ranked rows, and a completion marker; `gener merge`
// checks that shards belong together and merges them into the job's ranked result.
#pragma once
#include <string>
#include <vector>

#include "engine/scoring/ranked.h"

namespace gener::scoring {

struct ShardHeader {
  // The job: every shard of one job agrees on these.
  std::string model_sha256, expression_sha256;
  std::string space;         // "pairs" | "all-pairs"
  std::string pairs_sha256;  // the pair list's digest ("" for all pairs)
  long long total = 0;       // pairs in the whole space
  int slices = 1;
  long long top_k = 0;       // 0: all rows kept
  double threshold = -1;     // < 0: none
  std::vector<std::string> genes;  // the expression matrix's genes, in row order (names for the output)
  // This shard.
  int slice = 0;
  long long begin = 0, end = 0;  // the slice's pair indices
  long long rows = 0;
};

// What differs between two shards' jobs, as "model sha256 ab12… vs cd34…" ("" when they are of one job).
std::string job_difference(const ShardHeader& a, const ShardHeader& b);

// File layout: "GENERSHD", u64 header length, JSON header, rows × (u32 a, u32 b, f32 score) little-endian, then
// the completion marker "GENEREND" + u64 rows. Written atomically.
void write_shard(const std::string& path, ShardHeader h, const std::vector<Scored>& rows);

struct Shard {
  ShardHeader header;
  std::vector<Scored> rows;
};
// Reads and verifies (magic, header, size, marker, row count); errors name the file and what is wrong.
Shard read_shard(const std::string& path);
// The header of a complete shard file, or nothing when the file is absent, unreadable or incomplete.
bool read_complete_shard_header(const std::string& path, ShardHeader* h);

// Shards of one job covering slices 0..n-1 exactly once, merged into the best `top_k` rows (0: the shards' own
// k, or all rows). Errors name the offending file. `genes` and `total` receive the job's.
std::vector<Scored> merge_shards(const std::vector<std::string>& paths, long long top_k,
                                 std::vector<std::string>* genes, long long* total);

}  // namespace gener::scoring
