// text_reader.cpp — buffered plain/gzip line reader, field splitter and strict number parsers.
#include "engine/io/text_reader.h"

#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "kernels/check.h"

namespace gener::io {

namespace {
constexpr size_t kChunk = size_t(1) << 20;  // bytes read per fill()
}

LineReader::LineReader(std::string path) : path_(std::move(path)) {
  FILE* f = std::fopen(path_.c_str(), "rb");
  if (!f) GENER_THROW(path_ << ": cannot open (" << std::strerror(errno) << ")");
  unsigned char magic[2] = {0, 0};
  size_t got = std::fread(magic, 1, 2, f);
  if (std::ferror(f)) {
    int err = errno;
    std::fclose(f);
    GENER_THROW(path_ << ": read error (" << std::strerror(err) << ")");
  }
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    std::fclose(f);
    gzFile gz = gzopen(path_.c_str(), "rb");
    if (!gz) GENER_THROW(path_ << ": cannot open (" << std::strerror(errno) << ")");
    gzbuffer(gz, 1 << 17);
    gz_ = gz;
  } else {
    std::rewind(f);
    file_ = f;
  }
  buf_.resize(kChunk);
}

LineReader::~LineReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
  if (file_) std::fclose(static_cast<FILE*>(file_));
}

bool LineReader::fill() {
  if (eof_) return false;
  // Keep the unread tail at the front; grow when a single line fills the whole buffer.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ + kChunk / 2 > buf_.size()) buf_.resize(buf_.size() * 2);
  size_t room = buf_.size() - end_;
  size_t got = 0;
  if (gz_) {
    gzFile gz = static_cast<gzFile>(gz_);
    int n = gzread(gz, buf_.data() + end_, static_cast<unsigned>(room));
    int errnum = Z_OK;
    const char* msg = gzerror(gz, &errnum);
    // zlib reports a truncated stream as Z_BUF_ERROR ("unexpected end of file") with a short read.
    if (n < 0 || errnum != Z_OK) {
      GENER_THROW(path_ << ": truncated or corrupt gzip file near line " << line_no_ + 1 << " ("
                        << (errnum == Z_ERRNO ? std::strerror(errno) : msg) << ")");
    }
    got = static_cast<size_t>(n);
  } else {
    FILE* f = static_cast<FILE*>(file_);
    got = std::fread(buf_.data() + end_, 1, room, f);
    if (std::ferror(f)) GENER_THROW(path_ << ": read error (" << std::strerror(errno) << ")");
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += got;
  return true;
}

std::string_view LineReader::strip_bom(std::string_view line) const {
  // A UTF-8 byte-order mark (EF BB BF) before the first line is not part of its first field.
  if (line_no_ == 0 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
  return line;
}

bool LineReader::next(std::string_view& line) {
  size_t scan_from = begin_;
  for (;;) {
    const char* start = buf_.data() + begin_;
    const char* nl = static_cast<const char*>(std::memchr(buf_.data() + scan_from, '\n', end_ - scan_from));
    if (nl) {
      size_t len = static_cast<size_t>(nl - start);
      begin_ += len + 1;
      if (len > 0 && start[len - 1] == '\r') --len;
      line = strip_bom(std::string_view(start, len));
      ++line_no_;
      return true;
    }
    size_t pending = end_ - begin_;
    if (!fill()) {
      if (pending == 0) return false;
      // Last line without a trailing newline.
      start = buf_.data() + begin_;
      size_t len = pending;
      begin_ = end_;
      if (len > 0 && start[len - 1] == '\r') --len;
      line = strip_bom(std::string_view(start, len));
      ++line_no_;
      return true;
    }
    scan_from = begin_ + pending;  // fill() moved the unread bytes to the front
  }
}

char detect_delimiter(std::string_view first_line) {
  if (first_line.find('\t') != std::string_view::npos) return '\t';
  if (first_line.find(',') != std::string_view::npos) return ',';
  return ' ';
}

namespace {
std::string_view trim_field(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}
}  // namespace

void split_fields(std::string_view line, char delim, std::vector<std::string_view>& out) {
  out.clear();
  if (delim == ' ') {
    size_t i = 0, n = line.size();
    while (i < n) {
      while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      if (i >= n) break;
      size_t j = i;
      while (j < n && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      out.push_back(trim_field(line.substr(i, j - i)));
      i = j;
    }
    return;
  }
  size_t pos = 0;
  for (;;) {
    size_t next = line.find(delim, pos);
    if (next == std::string_view::npos) {
      out.push_back(trim_field(line.substr(pos)));
      return;
    }
    out.push_back(trim_field(line.substr(pos, next - pos)));
    pos = next + 1;
  }
}

bool try_parse_double(std::string_view s, double& out) {
  if (s.size() >= 2 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  if (s.empty()) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool try_parse_float(std::string_view s, float& out) {
  double d = 0;
  if (!try_parse_double(s, d)) return false;
  if (std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) return false;
  out = static_cast<float>(d);
  return true;
}

bool try_parse_int64(std::string_view s, int64_t& out) {
  if (s.size() >= 2 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  if (s.empty()) return false;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  out = v;
  return true;
}

float parse_float(std::string_view s, const std::string& file, int64_t line, int column) {
  float v = 0;
  if (!try_parse_float(s, v)) GENER_THROW(file << ":" << line << ": column " << column << ": bad value '" << s << "'");
  return v;
}

double parse_double(std::string_view s, const std::string& file, int64_t line, int column) {
  double v = 0;
  if (!try_parse_double(s, v)) GENER_THROW(file << ":" << line << ": column " << column << ": bad value '" << s << "'");
  return v;
}

void append_float(std::string& out, float v, int precision) {
  char buf[64];
  std::to_chars_result r = precision > 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision)
                                         : std::to_chars(buf, buf + sizeof buf, v);
  GENER_CHECK(r.ec == std::errc(), "append_float: cannot format value");
  out.append(buf, r.ptr);
}

}  // namespace gener::io
