// npy.h — minimal NumPy .npy reader (format v1/v2/v3; little-endian f8/f4/i8/i4, C order) returning doubles.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gener::io {

struct NpyArray {
  std::string descr;            // dtype as written in the header, e.g. "<f8"
  std::vector<int64_t> shape;   // e.g. (N, 3)
  std::vector<double> values;   // (prod(shape)) row-major, converted to double
  int64_t size() const;         // number of elements
};

// Read a whole .npy file. Errors name the file and the byte offset (bad magic, unsupported version,
// malformed header dict, unsupported dtype, fortran_order True, data shorter than the shape says).
NpyArray read_npy(const std::string& path);

// Shape as numpy prints it: "(97748, 3)".
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace gener::io
