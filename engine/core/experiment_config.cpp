// experiment_config.cpp — parsing and path resolution of experiment files.
#include "engine/core/experiment_config.h"

#include <filesystem>

#include "kernels/check.h"

namespace gener::core {
namespace {

namespace fs = std::filesystem;

std::string under(const std::string& root, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || root.empty()) return p;
  return (fs::path(root) / p).string();
}

// A relative model/train file: the experiment file's directory first, then each config root.
std::string find_config(const YamlReader& r, const std::string& key, const std::string& rel,
                        const std::vector<std::string>& roots) {
  if (fs::path(rel).is_absolute()) return rel;
  std::vector<std::string> dirs{fs::path(r.file()).parent_path().string()};
  dirs.insert(dirs.end(), roots.begin(), roots.end());
  std::string tried;
  for (const std::string& d : dirs) {
    const std::string c = d.empty() ? rel : (fs::path(d) / rel).string();
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  GENER_THROW(r.file() << ": key '" << r.key_path(key) << "': file '" << rel << "' not found (tried " << tried << ")");
}

// `key` as a file name (string) or an inline mapping.
ModelConfig model_at(const YamlReader& r, const std::string& key, const std::vector<std::string>& roots,
                     std::string& source) {
  if (r.has(key) && r.node()[key].IsMap()) {
    source = "<inline>";
    return parse_model_config(r.child(key));
  }
  source = find_config(r, key, r.get_string(key), roots);
  return load_model_config(source);
}

std::string one_of(const YamlReader& r, const std::string& key, const std::string& def,
                   std::initializer_list<const char*> allowed) {
  std::string v = r.get_string(key, def), list;
  for (const char* a : allowed) {
    if (v == a) return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  GENER_THROW(r.file() << ": key '" << r.key_path(key) << "': expected one of " << list << ", got '" << v << "'");
}

double fraction(const YamlReader& r, const std::string& key, double def) {
  return r.get_double(key, def, range::kFraction);
}

// "FILE: key 'PATH.KEY'" for errors about `key` of x.
std::string where(const YamlReader& x, const std::string& key) { return x.file() + ": key '" + x.key_path(key) + "'"; }

void parse_expression(const YamlReader& x, const std::string& root, data::PrepareSpec& p) {
  data::ExpressionSpec& e = p.expr;
  const bool one = x.has("file"), many = x.has("files");
  if (one == many) GENER_THROW(where(x, one ? "files" : "file") << ": give either 'file' or 'files' (a list)");
  if (one) {
    e.files = {under(root, x.get_string("file"))};
  } else {
    const YAML::Node v = x.node()["files"];
    if (!v.IsSequence() || v.size() == 0) GENER_THROW(where(x, "files") << ": expected a non-empty list of files");
    for (const auto& f : v) {
      if (!f.IsScalar()) GENER_THROW(x.file() << ":" << f.Mark().line + 1 << ": key '" << x.key_path("files")
                                              << "': expected a file name");
      e.files.push_back(under(root, f.Scalar()));
    }
  }
  e.format = one_of(x, "format", e.format, {"matrix", "regulation_matrix"});
  e.orientation = data::parse_orientation(x.get_string("orientation", "auto"), where(x, "orientation"));
  e.gene_map = under(root, x.get_string("gene_map", ""));
  e.normalize = data::parse_normalization(x.get_string("normalize", "none"), where(x, "normalize"));
  e.missing = data::parse_missing_policy(x.get_string("missing", "error"), where(x, "missing"));
  e.max_missing = x.get_double("max_missing", 0.0);
  if (!(e.max_missing >= 0 && e.max_missing <= 1))
    GENER_THROW(where(x, "max_missing") << ": the missing fraction must be in [0, 1], got " << e.max_missing);
  if (x.has("max_missing") && e.missing != data::MissingPolicy::DropGenes)
    GENER_THROW(where(x, "max_missing") << ": applies to missing: drop-genes only");
  e.genes = one_of(x, "genes", "intersection", {"intersection", "union"}) == "union" ? data::GeneJoin::Union
                                                                                     : data::GeneJoin::Intersection;
  x.finish();
}

void parse_interactions(const YamlReader& x, const std::string& root, data::PrepareSpec& p) {
  p.interactions = under(root, x.get_string("file"));
  p.interactions_format = one_of(x, "format", p.interactions_format, {"biogrid", "edges"});
  p.by_index = x.get_bool("by_index", false);
  p.biogrid.organism = x.get_int("organism", static_cast<int>(p.biogrid.organism));
  if (x.has("systems")) {
    const YAML::Node v = x.node()["systems"];
    if (!v.IsSequence() || v.size() == 0)
      GENER_THROW(x.file() << ":" << v.Mark().line + 1 << ": key '" << x.key_path("systems")
                           << "': expected a non-empty list of physical / genetic");
    p.biogrid.physical = p.biogrid.genetic = false;
    for (const auto& e : v) {
      std::string s = e.IsScalar() ? e.Scalar() : "<not a string>";
      if (s == "physical") {
        p.biogrid.physical = true;
      } else if (s == "genetic") {
        p.biogrid.genetic = true;
      } else {
        GENER_THROW(x.file() << ":" << e.Mark().line + 1 << ": key '" << x.key_path("systems")
                             << "': expected physical or genetic, got '" << s << "'");
      }
    }
  }
  x.finish();
}

void parse_split(const YamlReader& x, const std::string& root, data::PrepareSpec& p) {
  p.split_by = data::parse_split_by(x.get_string("by", "pairs"), where(x, "by"));
  const bool genes = p.split_by == data::SplitBy::Genes;  // fractions of genes: 0.2 each by default
  p.test_frac = fraction(x, "test", genes ? 0.2 : p.test_frac);
  p.val_frac = fraction(x, "validation", genes ? 0.2 : p.val_frac);
  p.seed = static_cast<uint64_t>(x.get_int64("seed", static_cast<int64_t>(p.seed), range::kSeed));
  p.validation_npy = under(root, x.get_string("validation_npy", ""));
  p.test_npy = under(root, x.get_string("test_npy", ""));
  if (p.validation_npy.empty() != p.test_npy.empty())
    GENER_THROW(x.file() << ": key '" << x.key_path(p.test_npy.empty() ? "test_npy" : "validation_npy")
                         << "': validation_npy and test_npy go together");
  if (p.split_by == data::SplitBy::Genes && !p.test_npy.empty())
    GENER_THROW(where(x, "by") << ": genes makes its own splits; remove validation_npy and test_npy");
  if (p.split_by == data::SplitBy::Genes && !(p.test_frac > 0 && p.val_frac > 0 && p.test_frac + p.val_frac < 1))
    GENER_THROW(where(x, "test") << ": split by genes needs test and validation gene fractions > 0 that sum to "
                                 << "less than 1, got " << p.test_frac << " and " << p.val_frac);
  x.finish();
}

void parse_negatives(const YamlReader& x, data::PrepareSpec& p) {
  p.negatives = data::parse_negative_sampling(x.get_string("sampling", "uniform"), where(x, "sampling"));
  p.negative_ratio = x.get_double("ratio", p.negative_ratio, range::kRatio);
  if (p.negatives == data::NegativeSampling::DegreeMatched && p.negative_ratio != 1.0)
    GENER_THROW(where(x, "ratio") << ": degree_matched negatives are one per positive: ratio must be 1, got "
                                  << p.negative_ratio);
  x.finish();
}

// experiment.baselines and experiment.baseline_settings; the method names and settings are checked by the app
// (engine/embed), before anything is trained.
void parse_baselines(const YamlReader& r, const std::vector<std::string>& roots, ExperimentConfig& c) {
  if (r.has("baselines")) {
    const YAML::Node list = r.node()["baselines"];
    if (!list.IsSequence())
      GENER_THROW(r.file() << ":" << (list.Mark().line + 1) << ": key '" << r.key_path("baselines")
                           << "': expected a list of method names or {method: ...} mappings");
    for (size_t i = 0; i < list.size(); ++i) {
      ExperimentBaseline b;
      b.path = r.key_path("baselines") + "[" + std::to_string(i) + "]";
      const YAML::Node item = list[i];
      if (item.IsScalar()) {
        b.name = item.as<std::string>();
      } else if (item.IsMap() && item["method"] && item["method"].IsScalar()) {
        b.name = item["method"].as<std::string>();
        b.settings = item;
      } else {
        GENER_THROW(r.file() << ":" << (item.Mark().line + 1) << ": key '" << b.path
                             << "': expected a method name or a mapping with 'method'");
      }
      c.baselines.push_back(b);
    }
  }
  if (r.has("baseline_settings")) {
    const YAML::Node s = r.node()["baseline_settings"];
    if (s.IsMap())
      c.baseline_settings = s;
    else
      c.baseline_settings_file = find_config(r, "baseline_settings", r.get_string("baseline_settings"), roots);
  }
}

}  // namespace

std::string model_label(const ModelConfig& m) {
  if (m.name == "gener") return "GENER";
  if (m.name == "gener_cnn_only") return "CNN only";
  return m.name;
}

ExperimentConfig load_experiment_config(const std::string& path, const std::string& data_root_override,
                                        const std::vector<std::string>& config_roots) {
  YamlReader top(load_yaml_file(path), path, "");
  YamlReader r = top.child("experiment");
  ExperimentConfig c;
  c.file = path;
  data::PrepareSpec& p = c.prepare;
  p.name = r.get_string("name", fs::path(path).stem().string());
  p.paper_table = r.get_int("paper_table", 0);
  if (p.paper_table != 0 && p.paper_table != 3 && p.paper_table != 4)
    GENER_THROW(path << ": key '" << r.key_path("paper_table") << "': expected 0, 3 or 4, got " << p.paper_table);
  c.data_root = data_root_override.empty() ? r.get_string("data_root", "data/real") : data_root_override;
  if (!data_root_override.empty()) r.has("data_root");  // the override wins; the key is still a known one
  parse_expression(r.child("expression"), c.data_root, p);
  parse_interactions(r.child("interactions"), c.data_root, p);
  // `negatives: degree_matched` and `split: genes` are short for {sampling: ...} and {by: ...}.
  if (r.has("negatives") && r.node()["negatives"].IsScalar()) {
    p.negatives = data::parse_negative_sampling(r.get_string("negatives"), where(r, "negatives"));
  } else if (r.has("negatives")) {
    parse_negatives(r.child("negatives"), p);
  }
  if (r.has("split") && r.node()["split"].IsScalar()) {
    p.split_by = data::parse_split_by(r.get_string("split"), where(r, "split"));
    if (p.split_by == data::SplitBy::Genes) p.test_frac = p.val_frac = 0.2;
  } else if (r.has("split")) {
    parse_split(r.child("split"), c.data_root, p);
  }
  const bool one = r.has("model"), many = r.has("models");
  if (one == many)
    GENER_THROW(path << ": key '" << r.key_path(one ? "models" : "model") << "': give either 'model' or 'models'");
  if (one) {
    ExperimentModel m;
    m.model = model_at(r, "model", config_roots, m.source);
    m.label = model_label(m.model);
    c.models.push_back(m);
  }
  for (const YamlReader& e : many ? r.child_list("models") : std::vector<YamlReader>{}) {
    ExperimentModel m;
    m.model = model_at(e, "config", config_roots, m.source);
    m.label = e.get_string("label", model_label(m.model));
    e.finish();
    for (const ExperimentModel& prev : c.models)
      if (prev.label == m.label)
        GENER_THROW(path << ": key '" << e.key_path("label") << "': label '" << m.label << "' is used twice");
    c.models.push_back(m);
  }
  if (many && c.models.empty()) GENER_THROW(path << ": key '" << r.key_path("models") << "': needs at least one model");
  if (r.has("train") && r.node()["train"].IsMap()) {
    c.train_source = "<inline>";
    c.train = parse_train_config(r.child("train"));
  } else {
    c.train_source = find_config(r, "train", r.get_string("train"), config_roots);
    c.train = load_train_config(c.train_source);
  }
  if (r.has("eval")) {
    YamlReader ev = r.child("eval");
    c.eval_batch = ev.get_int("batch", c.eval_batch);
    if (c.eval_batch <= 0) GENER_THROW(path << ": key '" << ev.key_path("batch") << "': must be > 0, got " << c.eval_batch);
    ev.finish();
  }
  parse_baselines(r, config_roots, c);
  r.finish();
  top.finish();
  return c;
}

}  // namespace gener::core
