// options.cpp — method names and labels; the baselines' YAML mapping read and every value checked.
#include "engine/embed/options.h"

#include <functional>

#include "kernels/check.h"

namespace gener::embed {

Method parse_method(const std::string& name, const std::string& where) {
  if (name == "isomap") return Method::Isomap;
  if (name == "line") return Method::Line;
  if (name == "node2vec") return Method::Node2vec;
  if (name == "gne") return Method::Gne;
  if (name == "gne-topology") return Method::GneTopology;
  GENER_THROW(where << ": unknown method '" << name << "' (expected isomap, line, node2vec, gne or gne-topology)");
}

std::string method_name(Method m) {
  switch (m) {
    case Method::Isomap: return "isomap";
    case Method::Line: return "line";
    case Method::Node2vec: return "node2vec";
    case Method::Gne: return "gne";
    case Method::GneTopology: return "gne-topology";
  }
  return "?";
}

std::string method_label(Method m, bool with_expression) {
  const std::string plus = with_expression ? "+" : "";
  switch (m) {
    case Method::Isomap: return "Isomap" + plus;
    case Method::Line: return "LINE" + plus;
    case Method::Node2vec: return "node2vec" + plus;
    case Method::Gne: return "GNE" + plus;
    case Method::GneTopology: return "GNE (topology)" + plus;
  }
  return "?";
}

bool method_uses_expression(Method m) {
  switch (m) {
    case Method::Isomap:
    case Method::Line:
    case Method::Node2vec:
    case Method::GneTopology: return false;
    case Method::Gne: return true;
  }
  return false;
}

namespace {

using Locate = std::function<std::string(const std::string& key)>;  // "line.dim" -> "FILE:LINE: key 'baselines.line.dim'"

void positive(const Locate& at, const std::string& key, double v) {
  GENER_CHECK(v > 0, at(key) << ": must be > 0, got " << v);
}
void non_negative(const Locate& at, const std::string& key, double v) {
  GENER_CHECK(v >= 0, at(key) << ": must be >= 0, got " << v);
}

void validate(const EmbedOptions& o, const Locate& at) {
  GENER_CHECK(o.expression_normalize == "zscore" || o.expression_normalize == "none",
              at("expression_normalize") << ": expected zscore or none, got '" << o.expression_normalize << "'");
  positive(at, "isomap.dim", o.isomap.dim);
  positive(at, "isomap.n_neighbors", o.isomap.n_neighbors);
  positive(at, "line.dim", o.line.dim);
  GENER_CHECK(o.line.dim % 2 == 0, at("line.dim") << ": must be even (dim / 2 per order), got " << o.line.dim);
  positive(at, "line.negatives", o.line.negatives);
  positive(at, "line.samples_millions", o.line.samples_millions);
  positive(at, "line.learning_rate", o.line.learning_rate);
  const Node2vecOptions& n = o.node2vec;
  positive(at, "node2vec.dim", n.dim);
  positive(at, "node2vec.walk_length", n.walk_length);
  positive(at, "node2vec.walks_per_node", n.walks_per_node);
  positive(at, "node2vec.p", n.p);
  positive(at, "node2vec.q", n.q);
  positive(at, "node2vec.window", n.window);
  positive(at, "node2vec.epochs", n.epochs);
  positive(at, "node2vec.negatives", n.negatives);
  positive(at, "node2vec.learning_rate", n.learning_rate);
  non_negative(at, "node2vec.min_learning_rate", n.min_learning_rate);
  non_negative(at, "node2vec.subsample", n.subsample);
  const GneOptions& g = o.gne;
  positive(at, "gne.id_dim", g.id_dim);
  positive(at, "gne.attr_dim", g.attr_dim);
  positive(at, "gne.dim", g.dim);
  non_negative(at, "gne.alpha", g.alpha);
  positive(at, "gne.negatives", g.negatives);
  positive(at, "gne.epochs", g.epochs);
  positive(at, "gne.batch", g.batch);
  positive(at, "gne.learning_rate", g.learning_rate);
  GENER_CHECK(g.dropout >= 0 && g.dropout < 1, at("gne.dropout") << ": must be in [0, 1), got " << g.dropout);
  non_negative(at, "gne.patience", g.patience);
  positive(at, "logistic.C", o.logistic.C);
  positive(at, "logistic.max_iter", o.logistic.max_iter);
  positive(at, "logistic.tol", o.logistic.tol);
}

EigenSolver parse_solver(const core::YamlReader& r, const std::string& key) {
  const std::string s = r.get_string(key, "auto");
  if (s == "auto") return EigenSolver::Auto;
  if (s == "dense") return EigenSolver::Dense;
  if (s == "lanczos") return EigenSolver::Lanczos;
  GENER_THROW(r.file() << ":" << (r.node()[key].Mark().line + 1) << ": key '" << r.key_path(key)
                       << "': expected auto, dense or lanczos, got '" << s << "'");
}

// 1-based line of `section.key` (or of `key`), else of its section, else of the mapping.
int key_line(const YAML::Node& root, const std::string& key) {
  const size_t dot = key.find('.');
  if (dot == std::string::npos) {
    const YAML::Node v = root[key];
    return (v ? v.Mark().line : root.Mark().line) + 1;
  }
  const YAML::Node sec = root[key.substr(0, dot)];
  if (!sec) return root.Mark().line + 1;
  const YAML::Node v = sec[key.substr(dot + 1)];
  return (v ? v.Mark().line : sec.Mark().line) + 1;
}

}  // namespace

void validate_embed_options(const EmbedOptions& o, const std::string& where) {
  validate(o, [&](const std::string& key) { return where + ": option '" + key + "'"; });
}

EmbedOptions read_embed_options(const core::YamlReader& r, const EmbedOptions& base) {
  EmbedOptions o = base;
  const int seed = r.get_int("seed", static_cast<int>(o.seed));
  GENER_CHECK(seed >= 0, r.file() << ": key '" << r.key_path("seed") << "': must be >= 0, got " << seed);
  o.seed = static_cast<uint64_t>(seed);
  o.expression_normalize = r.get_string("expression_normalize", o.expression_normalize);
  if (r.has("isomap")) {
    core::YamlReader s = r.child("isomap");
    o.isomap.dim = s.get_int("dim", o.isomap.dim);
    o.isomap.n_neighbors = s.get_int("n_neighbors", o.isomap.n_neighbors);
    if (s.has("eigen_solver")) o.isomap.eigen_solver = parse_solver(s, "eigen_solver");
    s.finish();
  }
  if (r.has("line")) {
    core::YamlReader s = r.child("line");
    LineOptions& l = o.line;
    l.dim = s.get_int("dim", l.dim);
    l.negatives = s.get_int("negatives", l.negatives);
    l.samples_millions = s.get_double("samples_millions", l.samples_millions);
    l.learning_rate = s.get_double("learning_rate", l.learning_rate);
    l.normalize = s.get_bool("normalize", l.normalize);
    s.finish();
  }
  if (r.has("node2vec")) {
    core::YamlReader s = r.child("node2vec");
    Node2vecOptions& n = o.node2vec;
    n.dim = s.get_int("dim", n.dim);
    n.walk_length = s.get_int("walk_length", n.walk_length);
    n.walks_per_node = s.get_int("walks_per_node", n.walks_per_node);
    n.p = s.get_double("p", n.p);
    n.q = s.get_double("q", n.q);
    n.window = s.get_int("window", n.window);
    n.epochs = s.get_int("epochs", n.epochs);
    n.negatives = s.get_int("negatives", n.negatives);
    n.learning_rate = s.get_double("learning_rate", n.learning_rate);
    n.min_learning_rate = s.get_double("min_learning_rate", n.min_learning_rate);
    n.subsample = s.get_double("subsample", n.subsample);
    s.finish();
  }
  if (r.has("gne")) {
    core::YamlReader s = r.child("gne");
    GneOptions& g = o.gne;
    g.id_dim = s.get_int("id_dim", g.id_dim);
    g.attr_dim = s.get_int("attr_dim", g.attr_dim);
    g.dim = s.get_int("dim", g.dim);
    g.alpha = s.get_double("alpha", g.alpha);
    g.negatives = s.get_int("negatives", g.negatives);
    g.epochs = s.get_int("epochs", g.epochs);
    g.batch = s.get_int("batch", g.batch);
    g.learning_rate = s.get_double("learning_rate", g.learning_rate);
    g.dropout = s.get_double("dropout", g.dropout);
    g.patience = s.get_int("patience", g.patience);
    s.finish();
  }
  if (r.has("logistic")) {
    core::YamlReader s = r.child("logistic");
    o.logistic.C = s.get_double("C", o.logistic.C);
    o.logistic.max_iter = s.get_int("max_iter", o.logistic.max_iter);
    o.logistic.tol = s.get_double("tol", o.logistic.tol);
    s.finish();
  }
  r.finish();
  // Value errors name the file, the line of the key (or of its section) and the full key path.
  validate(o, [&](const std::string& key) {
    return r.file() + ":" + std::to_string(key_line(r.node(), key)) + ": key '" + r.key_path(key) + "'";
  });
  return o;
}

EmbedOptions load_embed_options(const std::string& path) {
  YAML::Node root = core::load_yaml_file(path);
  GENER_CHECK(root.IsMap() && root["baselines"], path << ": expected a top-level 'baselines:' mapping");
  core::YamlReader top(root, path, "");
  EmbedOptions o = read_embed_options(top.child("baselines"));
  top.finish();
  return o;
}

}  // namespace gener::embed
