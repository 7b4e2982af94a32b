// atomic_file.h — write a file completely or not at all: a temporary beside the target, renamed on commit().
#pragma once
#include <fstream>
#include <string>

namespace gener::io {

// Usage: AtomicFile f(path); f.stream() << ...; f.commit();
// Without commit() (an exception in between), the temporary is removed and `path` is untouched.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  const std::string& path() const { return path_; }
  // Flush, check the stream, and rename the temporary onto the target. Throws gener::Error on failure.
  void commit();

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

// Create the parent directory of `path` if needed (no-op for a bare file name).
void ensure_parent_dir(const std::string& path);

}  // namespace gener::io
