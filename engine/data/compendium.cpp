// compendium.cpp — reading, per-compendium preparation and stacking of expression files.
#include "engine/data/compendium.h"

#include <filesystem>
#include <unordered_set>

#include "engine/data/file_pattern.h"
#include "engine/data/regulation.h"
#include "kernels/check.h"

namespace gener::data {
namespace {

namespace fs = std::filesystem;

std::string absolute(const std::string& p) { return p.empty() ? p : fs::absolute(p).lexically_normal().string(); }

std::string base_name(const std::string& path) { return fs::path(path).filename().string(); }

// Several files are joined by name: an id of the gene map stands for its name. Two columns that become one gene
// are an error naming the file.
void map_to_names(Expression& e, const std::string& path, const std::unordered_map<std::string, std::string>& id_to_name,
                  const std::string& map_file) {
  std::unordered_map<std::string, std::string> seen;  // name -> as written in the file
  for (std::string& g : e.genes) {
    auto it = id_to_name.find(g);
    std::string name = it == id_to_name.end() ? g : it->second;
    auto [at, fresh] = seen.emplace(name, g);
    GENER_CHECK(fresh, path << ": genes '" << at->second << "' and '" << g << "' are one gene (" << name
                            << ") through the gene map " << map_file);
    g = std::move(name);
  }
  e.build_index();
}

nlohmann::json file_summary(const std::string& path, const Expression& e, int64_t genes_read, const MissingReport& m) {
  const double n = static_cast<double>(genes_read) * e.L;
  return {{"file", path},
          {"arrays", e.L},
          {"genes_read", genes_read},
          {"genes", e.n_genes()},
          {"missing_values", m.values},
          {"missing_fraction", n > 0 ? static_cast<double>(m.values) / n : 0.0},
          {"genes_with_missing", m.genes_with_missing},
          {"imputed_values", m.imputed},
          {"dropped_genes", m.dropped_genes},
          {"no_data_genes", m.no_data_genes},
          {"dropped_examples", m.dropped_examples}};
}

}  // namespace

const char* orientation_name(Orientation o) {
  switch (o) {
    case Orientation::Auto: return "auto";
    case Orientation::GenesBySamples: return "genes-by-samples";
    case Orientation::SamplesByGenes: return "samples-by-genes";
  }
  return "?";
}

Orientation parse_orientation(const std::string& s, const std::string& where) {
  if (s == "auto") return Orientation::Auto;
  if (s == "genes-by-samples") return Orientation::GenesBySamples;
  if (s == "samples-by-genes") return Orientation::SamplesByGenes;
  GENER_THROW(where << ": unknown orientation '" << s << "' (expected auto, genes-by-samples or samples-by-genes)");
}

ExpressionSet load_expression_set(const ExpressionSpec& spec) {
  GENER_CHECK(!spec.files.empty(), "expression: no expression file given");
  GENER_CHECK(spec.format == "matrix" || spec.format == "regulation_matrix",
              "expression format '" << spec.format << "' is unknown (expected matrix or regulation_matrix)");
  ExpressionSet out;
  out.spec = spec;
  out.spec.files.clear();
  std::string map_file;
  if (!spec.gene_map.empty()) {
    map_file = resolve_file_pattern(spec.gene_map, "gene map");
    out.id_to_name = read_gene_map(map_file);
    out.spec.gene_map = absolute(map_file);
  }
  const bool stacking = spec.files.size() > 1;
  if (stacking && spec.genes == GeneJoin::Union) {
    GENER_CHECK(spec.normalize == Normalization::Center || spec.normalize == Normalization::Zscore,
                "expression.genes union (--genes union) fills a gene's arrays in the files that lack it with its "
                "centred mean 0: it needs normalize center or zscore, got " << normalization_name(spec.normalize));
    GENER_CHECK(spec.missing != MissingPolicy::Error,
                "expression.genes union (--genes union) fills absent arrays like missing values: it needs "
                "missing impute or drop-genes, got error");
  }
  std::vector<Expression> parts;
  nlohmann::json files = nlohmann::json::array();
  for (const std::string& pattern : spec.files) {
    const std::string path = resolve_file_pattern(pattern, "expression");
    Expression e = spec.format == "regulation_matrix" ? read_regulation_matrix(path)
                                                      : read_expression(path, spec.orientation, MissingRead::Keep);
    if (e.missing.file.empty()) e.missing.file = path;
    const int64_t genes_read = e.n_genes();
    MissingReport m = handle_missing(e, spec.missing, spec.max_missing);
    GENER_CHECK(e.n_genes() > 0, path << ": no gene left after the missing-value policy " << missing_policy_name(spec.missing)
                                      << " (" << m.dropped_genes << " of " << genes_read << " dropped)");
    normalize(e, spec.normalize);
    if (stacking && !out.id_to_name.empty()) map_to_names(e, path, out.id_to_name, map_file);
    files.push_back(file_summary(path, e, genes_read, m));
    out.spec.files.push_back(absolute(path));
    parts.push_back(std::move(e));
  }
  nlohmann::json& s = out.summary;
  s = {{"files", files},
       {"format", spec.format},
       {"orientation", orientation_name(spec.orientation)},
       {"normalize", normalization_name(spec.normalize)},
       {"missing", missing_policy_name(spec.missing)},
       {"max_missing", spec.max_missing},
       {"join", spec.genes == GeneJoin::Union ? "union" : "intersection"},
       {"gene_map", map_file}};
  if (!stacking) {
    out.expr = std::move(parts[0]);
    s["genes"] = out.expr.n_genes();
    s["samples"] = out.expr.L;
    s["genes_not_in_every_file"] = 0;
    s["filled_values"] = 0;
    return out;
  }
  // The joined gene list.
  std::vector<std::string> genes;
  std::unordered_set<std::string> taken;
  for (size_t k = 0; k < parts.size(); ++k) {
    for (const std::string& g : parts[k].genes) {
      if (taken.count(g)) continue;
      bool everywhere = true;
      for (const Expression& p : parts) everywhere = everywhere && p.find(g) >= 0;
      if (spec.genes == GeneJoin::Union || everywhere) {
        genes.push_back(g);
        taken.insert(g);
      }
    }
    if (spec.genes == GeneJoin::Intersection) break;  // every kept gene is in the first file
  }
  if (genes.empty()) {
    std::string list;
    for (size_t k = 0; k < parts.size(); ++k)
      list += (k ? "; " : "") + base_name(out.spec.files[k]) + ": " + std::to_string(parts[k].n_genes()) +
              " genes, e.g. " + parts[k].genes[0];
    GENER_THROW("expression files have no gene in common (" << list
                                                            << "); a gene map (--gene-map) relates G-ids to ORF names");
  }
  Expression& e = out.expr;
  e.genes = genes;
  for (size_t k = 0; k < parts.size(); ++k) {
    e.L += parts[k].L;
    for (int j = 0; j < parts[k].L; ++j)
      e.samples.push_back(parts[k].samples.empty() ? base_name(out.spec.files[k]) + ":" + std::to_string(j + 1)
                                                   : parts[k].samples[static_cast<size_t>(j)]);
  }
  const size_t L = static_cast<size_t>(e.L);
  e.values.assign(genes.size() * L, 0.0f);
  int64_t filled = 0, partial = 0;
  for (size_t g = 0; g < genes.size(); ++g) {
    float* dst = e.values.data() + g * L;
    bool all = true;
    for (const Expression& p : parts) {
      const int row = p.find(genes[g]);
      if (row >= 0) {
        std::copy(p.row(row), p.row(row) + p.L, dst);
      } else {
        filled += p.L;  // already 0: the centred mean
        all = false;
      }
      dst += p.L;
    }
    partial += all ? 0 : 1;
  }
  e.build_index();
  int64_t any = 0;
  {
    std::unordered_set<std::string> u;
    for (const Expression& p : parts) u.insert(p.genes.begin(), p.genes.end());
    any = static_cast<int64_t>(u.size());
  }
  s["genes"] = e.n_genes();
  s["samples"] = e.L;
  s["genes_in_any_file"] = any;
  s["genes_not_in_every_file"] = spec.genes == GeneJoin::Union ? partial : any - e.n_genes();
  s["filled_values"] = filled;
  return out;
}

nlohmann::json expression_spec_to_json(const ExpressionSpec& spec) {
  return {{"files", spec.files},
          {"format", spec.format},
          {"orientation", orientation_name(spec.orientation)},
          {"gene_map", spec.gene_map},
          {"normalize", normalization_name(spec.normalize)},
          {"missing", missing_policy_name(spec.missing)},
          {"max_missing", spec.max_missing},
          {"genes", spec.genes == GeneJoin::Union ? "union" : "intersection"}};
}

ExpressionSpec expression_spec_from_json(const nlohmann::json& j, const std::string& origin) {
  GENER_CHECK(j.is_object() && j.contains("files") && j["files"].is_array(),
              origin << ": expected an object with a 'files' list, got " << j.dump().substr(0, 80));
  ExpressionSpec s;
  try {
    s.files = j["files"].get<std::vector<std::string>>();
    s.format = j.value("format", s.format);
    s.orientation = parse_orientation(j.value("orientation", std::string("auto")), origin + " orientation");
    s.gene_map = j.value("gene_map", std::string());
    s.normalize = parse_normalization(j.value("normalize", std::string("none")), origin + " normalize");
    s.missing = parse_missing_policy(j.value("missing", std::string("error")), origin + " missing");
    s.max_missing = j.value("max_missing", 0.0);
    const std::string join = j.value("genes", std::string("intersection"));
    GENER_CHECK(join == "intersection" || join == "union", origin << " genes: expected intersection or union, got '"
                                                                  << join << "'");
    s.genes = join == "union" ? GeneJoin::Union : GeneJoin::Intersection;
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(origin << ": " << e.what());
  }
  return s;
}

}  // namespace gener::data
