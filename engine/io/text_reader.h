// text_reader.h — line reader over plain or gzip text files, TSV/CSV field splitting, strict number parsing.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gener::io {

// Reads a text file line by line; gzip is detected by its magic bytes (1f 8b) and read with zlib.
// Lines come back without their '\n' / "\r\n", the first without a UTF-8 byte-order mark. A truncated or
// corrupt gzip stream throws gener::Error naming the file. A missing file throws
// "FILE: cannot open (No such file or directory)".
class LineReader {
 public:
  explicit LineReader(std::string path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line into `line`; false at end of file. The view stays valid until the next call.
  bool next(std::string_view& line);
  // 1-based number of the line last returned by next() (0 before the first).
  int64_t line_number() const { return line_no_; }
  const std::string& path() const { return path_; }
  bool is_gzip() const { return gz_ != nullptr; }

 private:
  bool fill();  // read more bytes into buf_; false at end of file
  std::string_view strip_bom(std::string_view line) const;

  std::string path_;
  void* gz_ = nullptr;    // gzFile when the file is gzip
  void* file_ = nullptr;  // FILE* otherwise
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;  // unread bytes are buf_[begin_, end_)
  bool eof_ = false;
  int64_t line_no_ = 0;
};

// Delimiter of a table from its first line: '\t' if it has a tab, else ',' if it has a comma,
// else ' ' (runs of blanks separate fields).
char detect_delimiter(std::string_view first_line);

// Split `line` on `delim` into `out` (cleared first). Fields are trimmed of surrounding blanks and of one
// pair of surrounding double quotes (no CSV escapes). With delim ' ' runs of blanks count as one separator.
void split_fields(std::string_view line, char delim, std::vector<std::string_view>& out);

// Strict parsers: the whole field must be a finite number (leading '+' allowed; NaN, inf, "NA" and
// trailing garbage rejected). try_* return false on failure; the others throw
// "FILE:LINE: column C: bad value 'X'" (column is 1-based).
bool try_parse_double(std::string_view s, double& out);
bool try_parse_float(std::string_view s, float& out);
bool try_parse_int64(std::string_view s, int64_t& out);
float parse_float(std::string_view s, const std::string& file, int64_t line, int column);
double parse_double(std::string_view s, const std::string& file, int64_t line, int column);

// Append `v` to `out` in the shortest form that reads back to the same float
// (precision > 0: that many significant digits, like %.{precision}g).
void append_float(std::string& out, float v, int precision = 0);

}  // namespace gener::io
