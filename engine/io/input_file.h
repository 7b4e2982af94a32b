// input_file.h — the prologue every reader starts with: the path must name something readable that is not a
// directory (one clear error naming it otherwise), a binary file is read whole only after the memory check, and a
// UTF-8 byte-order mark never reaches a parser. FileId is a file's identity for the output guard.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace gener::io {

// A file's identity: device and inode (the same file under any path, link or spelling).
struct FileId {
  uint64_t dev = 0, ino = 0;
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};
// The identity of the file `path` names (following symbolic links); false when it does not exist.
bool file_id(const std::string& path, FileId* id);

// Throws "PATH: cannot open (No such file or directory), expected KIND", "PATH: cannot open: is a directory, not
// a regular file (expected KIND)" or "PATH: cannot open (REASON)"; `kind` says what the option wanted ("a .npy
// file", "a YAML config"). Pipes and devices pass (a process substitution is a fine input); returns the size of a
// regular file, 0 otherwise.
uint64_t check_input_file(const std::string& path, const char* kind);

// The whole file, after check_input_file and a check that its size fits in the available memory; a read error
// names the file.
std::string read_whole_file(const std::string& path, const char* kind);

// `text` without a leading UTF-8 byte-order mark (EF BB BF).
std::string_view strip_utf8_bom(std::string_view text);

}  // namespace gener::io
