// yaml_reader.h — typed, path-aware access to YAML config nodes: errors name the file and the key.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/range.h"

namespace gener::core {

// A view of one YAML mapping at `path` (e.g. "model.cnn.conv[1]") inside `file`.
// Every key read is remembered so finish() can reject keys that no one asked for.
class YamlReader {
 public:
  YamlReader(YAML::Node node, std::string file, std::string path);

  bool has(const std::string& key) const;
  // Typed getters: throw "FILE:LINE: key 'PATH.KEY': expected TYPE, got 'VALUE'" on a wrong type. With bounds,
  // a value outside them throws "FILE:LINE: key 'PATH.KEY': must be an integer >= 1, got -3" (base/range.h, the
  // same ranges the command-line options use).
  int get_int(const std::string& key, int def) const;
  int get_int(const std::string& key) const;
  int get_int(const std::string& key, int def, const Bounds& b) const;
  int get_int(const std::string& key, const Bounds& b) const;
  int64_t get_int64(const std::string& key, int64_t def, const Bounds& b) const;
  double get_double(const std::string& key, double def) const;
  double get_double(const std::string& key) const;
  double get_double(const std::string& key, double def, const Bounds& b) const;
  bool get_bool(const std::string& key, bool def) const;
  std::string get_string(const std::string& key, const std::string& def) const;
  std::string get_string(const std::string& key) const;
  std::vector<int> get_int_list(const std::string& key, const std::vector<int>& def) const;
  std::vector<int> get_int_list(const std::string& key, const std::vector<int>& def, const Bounds& each) const;
  YamlReader child(const std::string& key) const;  // must be a mapping
  std::vector<YamlReader> child_list(const std::string& key) const;  // a sequence of mappings
  // Throws if the mapping has a key that was never read (a misspelt key is an error, not a silent default).
  void finish() const;

  std::string key_path(const std::string& key) const;
  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node get(const std::string& key) const;
  [[noreturn]] void type_error(const std::string& key, const char* type, const YAML::Node& v) const;
  [[noreturn]] void range_error(const std::string& key, const Bounds& b, bool integer, const YAML::Node& v) const;

  YAML::Node node_;
  std::string file_, path_;
  mutable std::set<std::string> seen_;
};

// Load a YAML file; a parse error names the file, line and column; a key given twice in one mapping (anywhere
// in the document) is an error naming both lines, never a silent choice of one of the values.
YAML::Node load_yaml_file(const std::string& path);
// The same for YAML text (stored in a checkpoint, say); `origin` names it in errors.
YAML::Node load_yaml_text(const std::string& text, const std::string& origin);

}  // namespace gener::core
