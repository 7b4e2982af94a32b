// atomic_file.h — write a file completely or not at all: a temporary beside the target, renamed on commit();
// a run's several outputs committed together (CommitGroup); temporaries of dead processes removed.
#pragma once
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace gener::io {

class CommitGroup;

// Usage: AtomicFile f(path); f.stream() << ...; f.commit();
// Without commit() (an exception in between), the temporary is removed and `path` is untouched. With a group,
// commit() only finishes the temporary; the group's commit() renames it onto `path` with the run's other outputs.
// The temporary is PATH.tmp.HOST.PID; making one first removes the temporaries that processes of this host which
// no longer run left in the same directory (remove_stale_temporaries).
class AtomicFile {
 public:
  explicit AtomicFile(std::string path, bool binary = false, CommitGroup* group = nullptr);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  const std::string& path() const { return path_; }
  // Flush, check the stream, and rename the temporary onto the target (or hand it to the group). Throws
  // gener::Error naming the file on failure (disk full, permissions).
  void commit();

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  CommitGroup* group_ = nullptr;
  bool committed_ = false;
};

// The outputs of one run, committed together or not at all: each AtomicFile made with the group leaves a
// finished temporary; commit() renames them all (after every one was written and flushed). A group destroyed
// without commit() removes them, so a run that fails halfway (curves written, metrics failed) leaves none of its
// outputs and every earlier file in place.
class CommitGroup {
 public:
  CommitGroup() = default;
  ~CommitGroup();
  CommitGroup(const CommitGroup&) = delete;
  CommitGroup& operator=(const CommitGroup&) = delete;
  void commit();
  size_t staged() const { return staged_.size(); }

 private:
  friend class AtomicFile;
  void stage(const std::string& tmp, const std::string& path);
  std::vector<std::pair<std::string, std::string>> staged_;  // (temporary, target)
  bool committed_ = false;
};

// This machine's name as it appears in AtomicFile's temporaries (letters, digits, '-', '_'); "host" when unknown.
std::string host_tag();

// Create the parent directory of `path` if needed (no-op for a bare file name).
void ensure_parent_dir(const std::string& path);

// Removes, in `dir`, the temporaries AtomicFile names NAME.tmp.HOST.PID whose HOST is this machine and whose
// process no longer exists, and the older form NAME.tmp.PID of a dead process when NAME is `legacy_name` (the file
// about to be written: a user's own "x.tmp.1" elsewhere is never touched); returns how many it removed.
// Temporaries of running processes and of other hosts (a shared file system) are left alone.
int remove_stale_temporaries(const std::string& dir, const std::string& legacy_name = "");

}  // namespace gener::io
