// yaml_reader.cpp — typed, path-aware YAML access with unknown-key, duplicate-key and range checks.
#include "engine/core/yaml_reader.h"

#include <map>

#include "base/check.h"
#include "base/show.h"
#include "engine/io/input_file.h"

namespace gener::core {
namespace {

// A mapping key as text for messages ("<list>" / "<mapping>" for a complex key, which no config uses).
std::string key_text(const YAML::Node& k) {
  if (k.IsScalar()) return k.Scalar();
  return k.IsSequence() ? "<list>" : k.IsMap() ? "<mapping>" : "<null>";
}

std::string shown(const YAML::Node& v) {
  return v.IsScalar() ? show(v.Scalar()) : (v.IsSequence() ? "<list>" : v.IsMap() ? "<mapping>" : "<null>");
}

// Every mapping of the document, at any depth: no key twice.
void check_unique_keys(const YAML::Node& n, const std::string& origin, int depth = 0) {
  if (depth > 200) GENER_THROW(origin << ":" << n.Mark().line + 1 << ": YAML nested more than 200 levels deep");
  if (n.IsMap()) {
    std::map<std::string, int> first_line;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string k = key_text(it->first);
      const int line = it->first.Mark().line + 1;
      auto [at, fresh] = first_line.emplace(k, line);
      if (!fresh)
        GENER_THROW(origin << ":" << line << ": key '" << show(k) << "' given twice in one mapping (first on line "
                           << at->second << ")");
      check_unique_keys(it->second, origin, depth + 1);
    }
  } else if (n.IsSequence()) {
    for (const auto& e : n) check_unique_keys(e, origin, depth + 1);
  }
}

}  // namespace

YamlReader::YamlReader(YAML::Node node, std::string file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {
  if (!node_.IsMap())
    GENER_THROW(file_ << ": key '" << (path_.empty() ? "(top level)" : path_) << "': expected a mapping, got '"
                      << shown(node_) << "'");
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
      present += (present.empty() ? "" : ", ") + show(key_text(it->first));
    GENER_THROW(file_ << ":" << (node_.Mark().line + 1) << ": missing key '" << key_path(key) << "'"
                      << (present.empty() ? "" : " (keys here: " + show(present, 200) + ")"));
  }
  return v;
}

void YamlReader::type_error(const std::string& key, const char* type, const YAML::Node& v) const {
  GENER_THROW(file_ << ":" << (v.Mark().line + 1) << ": key '" << key_path(key) << "': expected " << type
                    << ", got '" << shown(v) << "'");
}

void YamlReader::range_error(const std::string& key, const Bounds& b, bool integer, const YAML::Node& v) const {
  GENER_THROW(file_ << ":" << (v.Mark().line + 1) << ": key '" << key_path(key) << "': must be "
                    << b.describe(integer) << ", got '" << shown(v) << "'");
}

int YamlReader::get_int(const std::string& key) const {
  YAML::Node v = get(key);
  int out = 0;
  if (!v.IsScalar() || !YAML::convert<int>::decode(v, out)) type_error(key, "an integer", v);
  return out;
}
int YamlReader::get_int(const std::string& key, int def) const { return has(key) ? get_int(key) : def; }
int YamlReader::get_int(const std::string& key, const Bounds& b) const {
  YAML::Node v = get(key);
  long long out = 0;
  if (!v.IsScalar() || !YAML::convert<long long>::decode(v, out)) type_error(key, "an integer", v);
  if (!b.admits(static_cast<double>(out)) || out < INT32_MIN || out > INT32_MAX) range_error(key, b, true, v);
  return static_cast<int>(out);
}
int YamlReader::get_int(const std::string& key, int def, const Bounds& b) const {
  return has(key) ? get_int(key, b) : def;
}
int64_t YamlReader::get_int64(const std::string& key, int64_t def, const Bounds& b) const {
  if (!has(key)) return def;
  YAML::Node v = get(key);
  long long out = 0;
  if (!v.IsScalar() || !YAML::convert<long long>::decode(v, out)) type_error(key, "an integer", v);
  if (!b.admits(static_cast<double>(out))) range_error(key, b, true, v);
  return out;
}

double YamlReader::get_double(const std::string& key) const {
  YAML::Node v = get(key);
  double out = 0;
  if (!v.IsScalar() || !YAML::convert<double>::decode(v, out)) type_error(key, "a number", v);
  return out;
}
double YamlReader::get_double(const std::string& key, double def) const {
  return has(key) ? get_double(key) : def;
}
double YamlReader::get_double(const std::string& key, double def, const Bounds& b) const {
  if (!has(key)) return def;
  const double out = get_double(key);
  if (!b.admits(out)) range_error(key, b, false, node_[key]);
  return out;
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
  return get_int_list(key, def, Bounds{});
}

std::vector<int> YamlReader::get_int_list(const std::string& key, const std::vector<int>& def,
                                          const Bounds& each) const {
  if (!has(key)) return def;
  YAML::Node v = get(key);
  if (!v.IsSequence()) type_error(key, "a list of integers", v);
  std::vector<int> out;
  for (const auto& e : v) {
    long long x = 0;
    if (!e.IsScalar() || !YAML::convert<long long>::decode(e, x) || x < INT32_MIN || x > INT32_MAX)
      type_error(key, "a list of integers", e);
    if (!each.admits(static_cast<double>(x)))
      GENER_THROW(file_ << ":" << (e.Mark().line + 1) << ": key '" << key_path(key) << "': every entry must be "
                        << each.describe(true) << ", got '" << shown(e) << "'");
    out.push_back(static_cast<int>(x));
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
    if (!v[i].IsMap()) GENER_THROW(file_ << ":" << (v[i].Mark().line + 1) << ": key '" << p << "': expected a mapping");
    out.emplace_back(v[i], file_, p);
  }
  return out;
}

void YamlReader::finish() const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string k = key_text(it->first);
    if (!seen_.count(k))
      GENER_THROW(file_ << ":" << (it->first.Mark().line + 1) << ": unknown key '" << show(key_path(k)) << "'");
  }
}

YAML::Node load_yaml_text(const std::string& text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(io::strip_utf8_bom(text)));
  } catch (const YAML::ParserException& e) {
    GENER_THROW(origin << ":" << (e.mark.line + 1) << ":" << (e.mark.column + 1) << ": YAML syntax error: "
                       << show(e.msg));
  } catch (const YAML::Exception& e) {
    GENER_THROW(origin << ": cannot read the YAML: " << show(e.what(), 200));
  }
  check_unique_keys(root, origin);
  return root;
}

YAML::Node load_yaml_file(const std::string& path) {
  return load_yaml_text(io::read_whole_file(path, "a YAML config file"), path);
}

}  // namespace gener::core
