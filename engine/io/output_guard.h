// output_guard.h — no run overwrites its own input: each output path is compared by file identity (device and
// inode: hard links, symbolic links and other spellings of a path are caught) with every input of the run.
#pragma once
#include <string>
#include <vector>

#include "engine/io/input_file.h"

namespace gener::io {

// Usage: OutputGuard g; g.input("--pairs", p); g.input("--expression", e); g.output("--out", o);
// Roles name the options, so the error says which two collide.
class OutputGuard {
 public:
  // An input of the run; a path that does not exist (yet) or is empty is ignored (its reader reports it). An input
  // named after the outputs (the files a model recorded, known once it is read) is checked against them alike.
  void input(const std::string& role, const std::string& path);
  // Throws "ROLE PATH is the same file as INPUT_ROLE INPUT_PATH: refusing to overwrite an input" when `path` exists
  // and is an input; "ROLE PATH: is a directory (expected a file name)" when it is a directory; and when two
  // outputs are one file.
  void output(const std::string& role, const std::string& path);
  // The files a run writes into directory `dir` (e.g. --out DIR: metrics.json, roc.png, ...).
  void outputs_in(const std::string& role, const std::string& dir, const std::vector<std::string>& names);

 private:
  struct Entry {
    std::string role, path;
    FileId id;
    bool exists = false;
  };
  std::vector<Entry> inputs_, outputs_;
};

}  // namespace gener::io
