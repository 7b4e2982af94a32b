// atomic_file.cpp — temporary-then-rename file writing, commit groups, and stale temporary cleanup.
#include "engine/io/atomic_file.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/check.h"

namespace gener::io {
namespace fs = std::filesystem;

std::string host_tag() {
  char buf[256] = {0};
  std::string h;
  if (::gethostname(buf, sizeof buf - 1) == 0)
    for (const char* p = buf; *p && *p != '.'; ++p)
      if (std::isalnum(static_cast<unsigned char>(*p)) || *p == '-' || *p == '_') h += *p;
  return h.empty() ? "host" : h;
}

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 12 && s.find_first_not_of("0123456789") == std::string::npos;
}

bool process_gone(const std::string& pid_text) {
  const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

void ensure_parent_dir(const std::string& path) {
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  fs::create_directories(parent, ec);
  GENER_CHECK(!ec, path << ": cannot create directory " << parent.string() << ": " << ec.message());
}

int remove_stale_temporaries(const std::string& dir, const std::string& legacy_name) {
  std::error_code ec;
  fs::directory_iterator it(dir.empty() ? "." : dir, ec), end;
  if (ec) return 0;
  const std::string host = host_tag();
  int removed = 0;
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    const size_t tmp = name.rfind(".tmp.");
    if (tmp == std::string::npos || tmp == 0) continue;
    const std::string rest = name.substr(tmp + 5);  // HOST.PID or PID
    const size_t dot = rest.rfind('.');
    bool stale = false;
    if (dot == std::string::npos) {
      stale = !legacy_name.empty() && name.compare(0, tmp, legacy_name) == 0 && tmp == legacy_name.size() &&
              all_digits(rest) && process_gone(rest);
    } else {
      stale = rest.substr(0, dot) == host && all_digits(rest.substr(dot + 1)) && process_gone(rest.substr(dot + 1));
    }
    std::error_code rm;
    if (stale && it->is_regular_file(rm) && fs::remove(it->path(), rm)) ++removed;
  }
  return removed;
}

AtomicFile::AtomicFile(std::string path, bool binary, CommitGroup* group) : path_(std::move(path)), group_(group) {
  GENER_CHECK(!path_.empty(), "empty output file name");
  std::error_code ec;
  GENER_CHECK(!fs::is_directory(path_, ec), path_ << ": is a directory (expected an output file name)");
  ensure_parent_dir(path_);
  remove_stale_temporaries(fs::path(path_).parent_path().string(), fs::path(path_).filename().string());
  tmp_ = path_ + ".tmp." + host_tag() + "." + std::to_string(::getpid());
  out_.open(tmp_, binary ? std::ios::out | std::ios::binary | std::ios::trunc : std::ios::out | std::ios::trunc);
  if (!out_.good()) GENER_THROW(path_ << ": cannot open for writing (" << std::strerror(errno) << ")");
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
  GENER_CHECK(!out_.fail(), path_ << ": write failed when closing (disk full?)");
  if (group_) {
    group_->stage(tmp_, path_);
  } else if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    GENER_THROW(path_ << ": cannot rename the temporary " << tmp_ << " onto it (" << std::strerror(errno) << ")");
  }
  committed_ = true;
}

void CommitGroup::stage(const std::string& tmp, const std::string& path) {
  for (auto& s : staged_)
    if (s.second == path) {  // written again: the newer temporary (of the same name) replaces it
      s.first = tmp;
      return;
    }
  staged_.emplace_back(tmp, path);
}

void CommitGroup::commit() {
  for (size_t i = 0; i < staged_.size(); ++i) {
    const auto& [tmp, path] = staged_[i];
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      staged_.erase(staged_.begin(), staged_.begin() + static_cast<long>(i));  // those are in place
      GENER_THROW(path << ": cannot rename the temporary " << tmp << " onto it (" << std::strerror(err) << ")");
    }
  }
  staged_.clear();
  committed_ = true;
}

CommitGroup::~CommitGroup() {
  if (committed_) return;
  for (const auto& s : staged_) std::remove(s.first.c_str());
}

}  // namespace gener::io
