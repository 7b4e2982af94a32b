// atomic_file.cpp — temporary-then-rename file writing.
#include "engine/io/atomic_file.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "kernels/check.h"

namespace gener::io {

void ensure_parent_dir(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  GENER_CHECK(!ec, path << ": cannot create directory " << parent.string() << ": " << ec.message());
}

AtomicFile::AtomicFile(std::string path, bool binary) : path_(std::move(path)) {
  ensure_parent_dir(path_);
  tmp_ = path_ + ".tmp." + std::to_string(::getpid());
  out_.open(tmp_, binary ? std::ios::out | std::ios::binary | std::ios::trunc : std::ios::out | std::ios::trunc);
  GENER_CHECK(out_.good(), path_ << ": cannot open for writing");
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(tmp_.c_str());
  }
}

void AtomicFile::commit() {
  out_.flush();
  GENER_CHECK(out_.good(), path_ << ": write failed (disk full?)");
  out_.close();
  GENER_CHECK(std::rename(tmp_.c_str(), path_.c_str()) == 0, path_ << ": cannot rename temporary " << tmp_);
  committed_ = true;
}

}  // namespace gener::io
