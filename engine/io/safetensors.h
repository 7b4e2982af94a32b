// safetensors.h — read and write safetensors files (u64 LE header length, JSON header, raw LE tensor bytes).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gener::io {

class CommitGroup;

// One tensor: row-major values, shape may be empty (a scalar, 1 element) and may contain 0.
struct TensorEntry {
  std::vector<int64_t> shape;
  std::vector<float> data;  // product(shape) values
};

// A whole file: tensors by name (kept sorted, which is the on-disk order) and the "__metadata__" strings.
struct SafeTensors {
  std::map<std::string, TensorEntry> tensors;
  std::map<std::string, std::string> metadata;
};

// Writes F32 tensors, sorted by name, contiguous from offset 0; header padded with spaces to a multiple
// of 8 bytes; "__metadata__" is omitted when empty. Atomic: on any error no file (or the old file) remains.
// Throws gener::Error (naming `path`) for invalid input: shape/data size mismatch, negative dimension,
// an empty name or "__metadata__" as a tensor name, names/metadata that are not valid UTF-8.
// With `group`, the file is committed with the run's other outputs (io::CommitGroup).
void write_safetensors(const std::string& path, const SafeTensors& st, CommitGroup* group = nullptr);

// Reads and validates a file: F32 as is, F64/F16/BF16 converted to float. Throws gener::Error naming
// `path` and the problem (short file, header length, JSON syntax with byte offset, unknown dtype,
// shape/offset mismatch with the tensor name, overlaps, gaps, out-of-range offsets, trailing bytes).
SafeTensors read_safetensors(const std::string& path);

// Returns the tensor `name`; throws gener::Error naming it if missing, or if its shape differs from
// `expected_shape` (both shapes in the message), or if its data size does not match its shape.
const TensorEntry& require_tensor(const SafeTensors& st, const std::string& name,
                                  const std::vector<int64_t>& expected_shape);

}  // namespace gener::io
