// config_paths.cpp — default config lookup relative to the running executable (/proc/self/exe).
#include "apps/config_paths.h"

#include <filesystem>
#include <system_error>

namespace gener::app {

std::string config_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path installed = (exe.parent_path() / ".." / "share" / "gener" / "configs").lexically_normal();
  if (!ec && fs::is_directory(installed, ec)) return installed.string();
  const fs::path source = GENER_SOURCE_CONFIG_DIR;  // a build tree: the sources it was built from
  if (fs::is_directory(source, ec)) return source.string();
  return installed.string();  // neither: errors then name where an installed gener looks
}

std::string default_config(const std::string& relative) { return config_dir() + "/" + relative; }

}  // namespace gener::app
