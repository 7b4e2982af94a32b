// prepare.cpp — the prepare pipeline (matrix, interactions, negatives, splits) and its summary.
#include "engine/data/prepare.h"

#include <glob.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/data/interactions.h"
#include "engine/data/regulation.h"
#include "kernels/check.h"

namespace gener::data {
namespace {

std::string base_name(const std::string& path) {
  const size_t s = path.find_last_of('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

PairSet concat(const PairSet& x, const PairSet& y) {
  PairSet out = x;
  out.ab.insert(out.ab.end(), y.ab.begin(), y.ab.end());
  out.label.insert(out.label.end(), y.label.begin(), y.label.end());
  return out;
}

PairSet without(const PairSet& p, const PairKeySet& drop) {
  PairSet out;
  for (size_t i = 0; i < p.size(); ++i)
    if (!drop.count(pair_key(p.ab[2 * i], p.ab[2 * i + 1]))) out.push(p.ab[2 * i], p.ab[2 * i + 1], p.label[i]);
  return out;
}

nlohmann::json split_counts(const PairSet& p) { return {{"pairs", p.size()}, {"positives", p.n_positive()}}; }

std::string grouped(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return v < 0 ? "-" + out : out;
}

}  // namespace

std::string resolve_file_pattern(const std::string& pattern, const std::string& what) {
  if (pattern.find_first_of("*?[") == std::string::npos) return pattern;
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> found;
  for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) found.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  GENER_CHECK(!found.empty(), pattern << ": no file matches this " << what << " pattern");
  if (found.size() > 1) {
    std::string list;
    for (const std::string& f : found) list += (list.empty() ? "" : ", ") + f;
    GENER_THROW(pattern << ": " << found.size() << " files match this " << what << " pattern (" << list
                        << "); name one");
  }
  return found[0];
}

PreparedDataset prepare_dataset(const PrepareSpec& spec) {
  GENER_CHECK(spec.validation_npy.empty() == spec.test_npy.empty(),
              spec.name << ": validation_npy and test_npy go together (got only "
                        << (spec.test_npy.empty() ? spec.validation_npy : spec.test_npy) << ")");
  GENER_CHECK(spec.negative_ratio > 0, spec.name << ": negative ratio must be > 0, got " << spec.negative_ratio);
  PreparedDataset out;
  nlohmann::json& s = out.summary;
  s["name"] = spec.name;
  s["paper_table"] = spec.paper_table;
  s["seed"] = spec.seed;

  // The matrix.
  const std::string expr_file = resolve_file_pattern(spec.expression, "expression");
  Expression& e = out.expr;
  if (spec.expression_format == "regulation_matrix") {
    e = read_regulation_matrix(expr_file);
  } else {
    GENER_CHECK(spec.expression_format == "matrix", spec.name << ": unknown expression format '"
                                                              << spec.expression_format
                                                              << "' (expected matrix or regulation_matrix)");
    e = read_expression(expr_file, spec.orientation);
  }
  if (spec.normalize == "quantile") {
    quantile_normalize(e);
  } else if (spec.normalize == "zscore") {
    zscore_per_gene(e);
  } else {
    GENER_CHECK(spec.normalize == "none", spec.name << ": unknown normalisation '" << spec.normalize
                                                    << "' (expected none, quantile or zscore)");
  }
  s["expression"] = {{"file", expr_file}, {"format", spec.expression_format}, {"genes", e.n_genes()},
                     {"samples", e.L}, {"normalize", spec.normalize}};
  std::unordered_map<std::string, std::string> id_to_name;
  if (!spec.gene_map.empty()) {
    const std::string map_file = resolve_file_pattern(spec.gene_map, "gene map");
    id_to_name = read_gene_map(map_file);
    s["expression"]["gene_map"] = map_file;
  }
  GeneResolver genes(e, id_to_name, spec.gene_map);

  // The interactions.
  const std::string inter_file = resolve_file_pattern(spec.interactions, "interactions");
  NamePairs raw;
  nlohmann::json& si = s["interactions"];
  si["file"] = inter_file;
  if (spec.interactions_format == "biogrid") {
    BiogridStats st;
    raw = read_biogrid(inter_file, spec.biogrid, &st);
    si["format"] = "BioGRID " + st.format;
    si["organism"] = spec.biogrid.organism;
    si["systems"] = std::string(spec.biogrid.physical ? "physical" : "") +
                    (spec.biogrid.physical && spec.biogrid.genetic ? "+" : "") + (spec.biogrid.genetic ? "genetic" : "");
    si["rows"] = st.rows;
    si["other_organism"] = st.other_organism;
    si["other_system"] = st.other_system;
  } else {
    GENER_CHECK(spec.interactions_format == "edges", spec.name << ": unknown interactions format '"
                                                               << spec.interactions_format
                                                               << "' (expected biogrid or edges)");
    if (spec.by_index) {
      PairSet p = read_pairs(inter_file, e, true);
      for (size_t i = 0; i < p.size(); ++i)
        raw.push(e.genes[static_cast<size_t>(p.ab[2 * i])], e.genes[static_cast<size_t>(p.ab[2 * i + 1])], p.label[i]);
    } else {
      raw = read_edge_list_names(inter_file, genes);
    }
    si["format"] = spec.by_index ? "edge list (0-based indices)" : "edge list (names)";
    si["rows"] = raw.size();
  }
  si["kept"] = raw.size();
  ResolvedInteractions ri = resolve_interactions(raw, genes);
  si["used"] = ri.input - ri.missing - ri.self_pairs - ri.duplicates;
  s["dropped"] = {{"self_pairs", ri.self_pairs}, {"duplicates", ri.duplicates}, {"conflicting_labels", ri.conflicting}};
  s["missing"] = {{"interactions", ri.missing}, {"genes", ri.missing_genes}, {"examples", ri.missing_examples}};
  GENER_CHECK(ri.positives.size() > 0, inter_file << ": no interaction left among the genes of " << expr_file << " ("
                                                  << ri.input << " read, " << ri.missing << " with a missing gene, "
                                                  << ri.self_pairs << " self-pairs)");
  const bool file_negatives = ri.negatives.size() > 0;
  s["negatives_source"] = file_negatives ? "file" : "sampled";

  // Negatives and splits.
  PairKeySet positive_keys = pair_keys(ri.positives);
  Splits& sp = out.splits;
  auto ratio_count = [&](size_t n) { return static_cast<size_t>(std::llround(spec.negative_ratio * double(n))); };
  if (spec.test_npy.empty()) {
    PairSet neg = file_negatives ? ri.negatives
                                 : sample_negatives(e.n_genes(), ratio_count(ri.positives.size()), positive_keys, spec.seed);
    s["positives"] = ri.positives.size();
    s["negatives"] = neg.size();
    sp = split_pairs(concat(ri.positives, neg), spec.test_frac, spec.val_frac, spec.seed);
    s["split_source"] = "seeded";
    s["split"] = {{"test", spec.test_frac}, {"validation", spec.val_frac}};
  } else {
    sp.val = read_pairs_npy_by_id(spec.validation_npy, e, id_to_name);
    sp.test = read_pairs_npy_by_id(spec.test_npy, e, id_to_name);
    PairKeySet held = pair_keys(sp.test);
    for (size_t i = 0; i < sp.val.size(); ++i) {
      const int32_t a = sp.val.ab[2 * i], b = sp.val.ab[2 * i + 1];
      GENER_CHECK(!held.count(pair_key(a, b)), spec.validation_npy << ": row " << i << ": pair (" << e.genes[a] << ", "
                                                                   << e.genes[b] << ") is also in " << spec.test_npy);
    }
    for (size_t i = 0; i < sp.val.size(); ++i) held.insert(pair_key(sp.val.ab[2 * i], sp.val.ab[2 * i + 1]));
    PairSet pos = without(ri.positives, held);
    PairSet neg;
    if (file_negatives) {
      neg = without(ri.negatives, held);
    } else {
      PairKeySet exclude = held;
      exclude.insert(positive_keys.begin(), positive_keys.end());
      neg = sample_negatives(e.n_genes(), ratio_count(pos.size()), exclude, spec.seed);
    }
    s["positives"] = ri.positives.size();
    s["negatives"] = neg.size() + (sp.val.size() - sp.val.n_positive()) + (sp.test.size() - sp.test.n_positive());
    s["held_out_positives_removed_from_training"] = ri.positives.size() - pos.size();
    sp.train = split_pairs(concat(pos, neg), 0.0, 0.0, spec.seed).train;  // shuffled
    s["split_source"] = "npy";
    s["split"] = {{"validation_npy", spec.validation_npy}, {"test_npy", spec.test_npy}};
  }
  s["splits"] = {{"train", split_counts(sp.train)}, {"val", split_counts(sp.val)}, {"test", split_counts(sp.test)}};
  return out;
}

std::string format_prepare_summary(const nlohmann::json& s) {
  auto num = [&](const nlohmann::json& j) { return grouped(j.is_number() ? j.get<int64_t>() : 0); };
  auto line = [](std::string& out, const char* key, const std::string& text) {
    char head[32];
    std::snprintf(head, sizeof(head), "  %-16s", key);
    out += head + text + "\n";
  };
  std::string out = "dataset " + s.value("name", std::string("?")) + "\n";
  const auto& ex = s["expression"];
  std::string norm = ex.value("normalize", std::string("none"));
  line(out, "expression", base_name(ex.value("file", std::string())) + " (" + ex.value("format", std::string()) +
                              (norm == "none" ? "" : ", " + norm + "-normalised") + ")");
  line(out, "genes", num(ex["genes"]));
  line(out, "samples", num(ex["samples"]));
  const auto& in = s["interactions"];
  std::string src = base_name(in.value("file", std::string())) + " (" + in.value("format", std::string());
  if (in.contains("organism")) src += ", organism " + std::to_string(in["organism"].get<int64_t>()) + ", " +
                                      in.value("systems", std::string());
  std::string counts = num(in["rows"]) + " rows";
  if (in.contains("other_organism"))
    counts += ", " + num(in["other_organism"]) + " with another organism, " + num(in["other_system"]) +
              " of an excluded system type";
  line(out, "interactions", src + "): " + counts + "; " + num(in["used"]) + " used");
  const auto& m = s["missing"];
  std::string miss = num(m["interactions"]) + " interactions skipped: " + num(m["genes"]) +
                     " gene(s) not in the expression matrix";
  if (!m["examples"].empty()) {
    miss += " (e.g.";
    for (const auto& n : m["examples"]) miss += " " + n.get<std::string>();
    miss += ")";
  }
  line(out, "missing genes", miss);
  line(out, "dropped", num(s["dropped"]["self_pairs"]) + " self-pairs, " + num(s["dropped"]["duplicates"]) +
                           " duplicates");
  line(out, "positives", num(s["positives"]));
  line(out, "negatives", num(s["negatives"]) + (s.value("negatives_source", std::string()) == "file"
                                                    ? " (from the pair file)"
                                                    : " (sampled uniformly from non-interacting pairs)"));
  const auto& sp = s["splits"];
  const bool npy = s.value("split_source", std::string()) == "npy";
  for (const char* k : {"train", "val", "test"}) {
    std::string t = num(sp[k]["pairs"]) + " pairs, " + num(sp[k]["positives"]) + " positive";
    if (npy && std::string(k) != "train")
      t += " (" + base_name(s["split"][std::string(k) == "val" ? "validation_npy" : "test_npy"].get<std::string>()) + ")";
    line(out, std::string(k) == "val" ? "validation" : k, t);
  }
  return out;
}

}  // namespace gener::data
