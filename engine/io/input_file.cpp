// input_file.cpp — reader prologue: existence, kind and readability of an input path; whole-file reads.
#include "engine/io/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/check.h"
#include "base/resources.h"

namespace gener::io {

bool file_id(const std::string& path, FileId* id) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  id->dev = static_cast<uint64_t>(st.st_dev);
  id->ino = static_cast<uint64_t>(st.st_ino);
  return true;
}

uint64_t check_input_file(const std::string& path, const char* kind) {
  GENER_CHECK(!path.empty(), "empty file name (expected " << kind << ")");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    GENER_THROW(path << ": cannot open (" << std::strerror(err) << "), expected " << kind);
  }
  if (S_ISDIR(st.st_mode)) GENER_THROW(path << ": cannot open: is a directory, not a regular file (expected " << kind << ")");
  if (::access(path.c_str(), R_OK) != 0) GENER_THROW(path << ": cannot open (" << std::strerror(errno) << ")");
  return S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string read_whole_file(const std::string& path, const char* kind) {
  const uint64_t size = check_input_file(path, kind);
  return with_memory_context(path, [&] {
    check_memory(size, "reading the whole file");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) GENER_THROW(path << ": cannot open (" << std::strerror(errno) << ")");
    std::string bytes;
    bytes.reserve(static_cast<size_t>(size));
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        GENER_THROW(path << ": read error after " << bytes.size() << " bytes (" << std::strerror(err) << ")");
      }
      bytes.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return bytes;
  });
}

std::string_view strip_utf8_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

}  // namespace gener::io
