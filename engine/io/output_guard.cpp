// output_guard.cpp — file-identity checks of a run's outputs against its inputs.
#include "engine/io/output_guard.h"

#include <sys/stat.h>

#include <filesystem>

#include "base/check.h"
#include "base/show.h"

namespace gener::io {

void OutputGuard::input(const std::string& role, const std::string& path) {
  if (path.empty()) return;
  Entry e{role, path, {}, false};
  e.exists = file_id(path, &e.id);
  if (!e.exists) return;
  for (const Entry& out : outputs_)
    GENER_CHECK(!(out.exists && out.id == e.id), out.role << " " << show(out.path, 200) << " is the same file as "
                                                          << role << " " << show(path, 200)
                                                          << ": refusing to overwrite an input");
  inputs_.push_back(std::move(e));
}

void OutputGuard::output(const std::string& role, const std::string& path) {
  GENER_CHECK(!path.empty(), role << ": empty file name");
  std::error_code ec;
  GENER_CHECK(!std::filesystem::is_directory(path, ec),
              role << " " << show(path, 200) << ": is a directory (expected a file name)");
  Entry e{role, path, {}, false};
  e.exists = file_id(path, &e.id);
  const std::string lexical = std::filesystem::path(path).lexically_normal().string();
  for (const Entry& in : inputs_)
    GENER_CHECK(!(e.exists && e.id == in.id), role << " " << show(path, 200) << " is the same file as " << in.role
                                                   << " " << show(in.path, 200)
                                                   << ": refusing to overwrite an input");
  for (const Entry& out : outputs_) {
    const bool same = (e.exists && out.exists && e.id == out.id) ||
                      std::filesystem::path(out.path).lexically_normal().string() == lexical;
    GENER_CHECK(!same, role << " " << show(path, 200) << " and " << out.role << " " << show(out.path, 200)
                            << " are the same file: the run would write it twice");
  }
  outputs_.push_back(std::move(e));
}

void OutputGuard::outputs_in(const std::string& role, const std::string& dir, const std::vector<std::string>& names) {
  std::error_code ec;
  GENER_CHECK(dir.empty() || !std::filesystem::exists(dir, ec) || std::filesystem::is_directory(dir, ec),
              role << " " << show(dir, 200) << ": exists and is not a directory");
  for (const std::string& n : names) output(role, (std::filesystem::path(dir.empty() ? "." : dir) / n).string());
}

}  // namespace gener::io
