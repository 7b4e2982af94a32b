// yaml_reader.cpp — typed, path-aware YAML access with unknown-key detection.
#include "engine/core/yaml_reader.h"

#include <fstream>

#include "kernels/check.h"

namespace gener::core {

YamlReader::YamlReader(YAML::Node node, std::string file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {
  if (!node_.IsMap()) GENER_THROW(file_ << ": key '" << path_ << "': expected a mapping");
}

std::string YamlReader::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

bool YamlReader::has(const std::string& key) const {
  seen_.insert(key);
  return node_[key] && !node_[key].IsNull();
}

YAML::Node YamlReader::get(const std::string& key) const {
  seen_.insert(key);
  YAML::Node v = node_[key];
  if (!v || v.IsNull()) {
    // Name what is there, so a misspelt key ("filtres") is obvious.
    std::string present;
    for (auto it = node_.begin(); it != node_.end(); ++it)
      present += (present.empty() ? "" : ", ") + it->first.as<std::string>();
    GENER_THROW(file_ << ":" << (node_.Mark().line + 1) << ": missing key '" << key_path(key) << "'"
                      << (present.empty() ? "" : " (keys here: " + present + ")"));
  }
  return v;
}

void YamlReader::type_error(const std::string& key, const char* type, const YAML::Node& v) const {
  std::string shown = v.IsScalar() ? v.Scalar() : (v.IsSequence() ? "<list>" : "<mapping>");
  GENER_THROW(file_ << ":" << (v.Mark().line + 1) << ": key '" << key_path(key) << "': expected " << type
                    << ", got '" << shown << "'");
}

int YamlReader::get_int(const std::string& key) const {
  YAML::Node v = get(key);
  int out = 0;
  if (!v.IsScalar() || !YAML::convert<int>::decode(v, out)) type_error(key, "an integer", v);
  return out;
}
int YamlReader::get_int(const std::string& key, int def) const { return has(key) ? get_int(key) : def; }

double YamlReader::get_double(const std::string& key) const {
  YAML::Node v = get(key);
  double out = 0;
  if (!v.IsScalar() || !YAML::convert<double>::decode(v, out)) type_error(key, "a number", v);
  return out;
}
double YamlReader::get_double(const std::string& key, double def) const {
  return has(key) ? get_double(key) : def;
}

bool YamlReader::get_bool(const std::string& key, bool def) const {
  if (!has(key)) return def;
  YAML::Node v = get(key);
  bool out = false;
  if (!v.IsScalar() || !YAML::convert<bool>::decode(v, out)) type_error(key, "true or false", v);
  return out;
}

std::string YamlReader::get_string(const std::string& key) const {
  YAML::Node v = get(key);
  if (!v.IsScalar()) type_error(key, "a string", v);
  return v.Scalar();
}
std::string YamlReader::get_string(const std::string& key, const std::string& def) const {
  return has(key) ? get_string(key) : def;
}

std::vector<int> YamlReader::get_int_list(const std::string& key, const std::vector<int>& def) const {
  if (!has(key)) return def;
  YAML::Node v = get(key);
  if (!v.IsSequence()) type_error(key, "a list of integers", v);
  std::vector<int> out;
  for (const auto& e : v) {
    int x = 0;
    if (!e.IsScalar() || !YAML::convert<int>::decode(e, x)) type_error(key, "a list of integers", e);
    out.push_back(x);
  }
  return out;
}

YamlReader YamlReader::child(const std::string& key) const {
  YAML::Node v = get(key);
  if (!v.IsMap()) type_error(key, "a mapping", v);
  return YamlReader(v, file_, key_path(key));
}

std::vector<YamlReader> YamlReader::child_list(const std::string& key) const {
  YAML::Node v = get(key);
  if (!v.IsSequence()) type_error(key, "a list", v);
  std::vector<YamlReader> out;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string p = key_path(key) + "[" + std::to_string(i) + "]";
    if (!v[i].IsMap()) GENER_THROW(file_ << ": key '" << p << "': expected a mapping");
    out.emplace_back(v[i], file_, p);
  }
  return out;
}

void YamlReader::finish() const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string k = it->first.as<std::string>();
    if (!seen_.count(k))
      GENER_THROW(file_ << ":" << (it->first.Mark().line + 1) << ": unknown key '" << key_path(k) << "'");
  }
}

YAML::Node load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  GENER_CHECK(in.good(), path << ": cannot open config file");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::ParserException& e) {
    GENER_THROW(path << ":" << (e.mark.line + 1) << ":" << (e.mark.column + 1) << ": YAML syntax error: " << e.msg);
  }
}

}  // namespace gener::core
