// prepare_summary.cpp — the prepare summary as Table 1/2-style lines: sources, what was dropped, split sizes and
// balance, the C1/C2/C3 make-up of the test split.
#include <algorithm>
#include <cstdio>
#include <string>

#include "engine/data/prepare.h"

namespace gener::data {
namespace {

std::string base_name(const std::string& path) {
  const size_t s = path.find_last_of('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

std::string grouped(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string num(const nlohmann::json& j) { return grouped(j.is_number() ? j.get<int64_t>() : 0); }

std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.1f%%", 100.0 * x);
  return b;
}

std::string str(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

void line(std::string& out, const std::string& key, const std::string& text) {
  char head[40];
  std::snprintf(head, sizeof(head), "  %-16s", key.c_str());
  out += head + text + "\n";
}

std::string examples(const nlohmann::json& list) {
  if (!list.is_array() || list.empty()) return "";
  std::string s = " (e.g.";
  for (const auto& n : list) s += " " + n.get<std::string>();
  return s + ")";
}

void expression_lines(std::string& out, const nlohmann::json& ex) {
  const std::string norm = str(ex, "normalize"), miss = str(ex, "missing");
  const auto& files = ex["files"];
  const size_t n = files.is_array() ? files.size() : 0;
  std::string how = str(ex, "format") == "regulation_matrix" ? "regulation matrix, " : "";
  how += norm == "none" || norm.empty() ? std::string("not normalised") : norm + "-normalised" + (n > 1 ? " per file" : "");
  how += ", missing values: " + miss;
  if (n == 1) {
    line(out, "expression", base_name(str(files[0], "file")) + " (" + how + ")");
  } else {
    line(out, "expression", std::to_string(n) + " files stacked, genes: " + str(ex, "join") + " (" + how + ")");
  }
  for (const auto& f : files) {
    std::string t = num(f["arrays"]) + " arrays x " + num(f["genes_read"]) + " genes";
    if (f["missing_values"].get<int64_t>() > 0)
      t += "; " + num(f["missing_values"]) + " missing values (" + pct(f["missing_fraction"].get<double>()) + "), " +
           num(f["imputed_values"]) + " imputed";
    if (f["dropped_genes"].get<int64_t>() > 0)
      t += "; " + num(f["dropped_genes"]) + " genes dropped (" + num(f["no_data_genes"]) + " without any value)" +
           examples(f["dropped_examples"]);
    out += "    " + (n == 1 ? std::string("values") : base_name(str(f, "file"))) + ": " + t + "\n";
  }
  std::string g = num(ex["genes"]);
  if (n > 1 && ex.contains("genes_in_any_file")) {
    if (str(ex, "join") == "union")
      g += " (" + num(ex["genes_not_in_every_file"]) + " not in every file: " + num(ex["filled_values"]) +
           " values filled with the centred mean 0)";
    else
      g += " in every file (" + num(ex["genes_not_in_every_file"]) + " of " + num(ex["genes_in_any_file"]) +
           " are not and are left out)";
  }
  line(out, "genes", g);
  line(out, "samples", num(ex["samples"]));
}

std::string split_line(const nlohmann::json& c) {
  const int64_t n = c["pairs"].get<int64_t>(), p = c["positives"].get<int64_t>();
  return num(c["pairs"]) + " pairs: " + num(c["positives"]) + " positive / " + grouped(n - p) + " negative (" +
         pct(n ? static_cast<double>(p) / static_cast<double>(n) : 0.0) + " positive), " + num(c["genes"]) + " genes";
}

}  // namespace

std::string format_prepare_summary(const nlohmann::json& s) {
  std::string out = "dataset " + s.value("name", std::string("?")) + "\n";
  expression_lines(out, s["expression"]);
  const auto& in = s["interactions"];
  std::string src = base_name(str(in, "file")) + " (" + str(in, "format");
  if (in.contains("organism"))
    src += ", organism " + std::to_string(in["organism"].get<int64_t>()) + ", " + str(in, "systems");
  std::string counts = num(in["rows"]) + " rows";
  if (in.contains("other_organism"))
    counts += ", " + num(in["other_organism"]) + " with another organism, " + num(in["other_system"]) +
              " of an excluded system type";
  line(out, "interactions", src + "): " + counts + "; " + num(in["used"]) + " used");
  const auto& m = s["missing"];
  line(out, "missing genes", num(m["interactions"]) + " interactions skipped: " + num(m["genes"]) +
                                 " gene(s) without expression data" + examples(m["examples"]));
  line(out, "dropped", num(s["dropped"]["self_pairs"]) + " self-pairs, " + num(s["dropped"]["duplicates"]) +
                           " duplicates");
  line(out, "positives", num(s["positives"]));
  std::string neg = num(s["negatives"]);
  if (str(s, "negatives_source") == "file") {
    neg += " (from the pair file)";
  } else if (str(s, "negative_sampling") == "degree_matched") {
    int64_t genes = 0, exact = 0, off = 0, worst = 0;
    for (const auto& d : s["degree_match"]) {
      genes += d["genes"].get<int64_t>();
      exact += d["genes_exact"].get<int64_t>();
      off += d["genes_off_by_more_than_one"].get<int64_t>();
      worst = std::max(worst, d["max_deficit"].get<int64_t>());
    }
    neg += " (degree-matched: " + grouped(exact) + " of " + grouped(genes) + " genes exactly, " + grouped(off) +
           " off by more than one, largest deficit " + grouped(worst) + ")";
  } else {
    neg += " (sampled uniformly from non-interacting pairs)";
  }
  line(out, "negatives", neg);
  const std::string by = str(s, "split_by");
  const auto& sp = s["split"];
  if (by == "npy") {
    line(out, "split", "the authors' validation and test splits, training = the other positives + negatives");
  } else if (by == "genes") {
    line(out, "split", "by genes (" + pct(sp["test"].get<double>()) + " test, " + pct(sp["validation"].get<double>()) +
                           " validation genes): " + num(sp["genes"]["train"]) + " / " + num(sp["genes"]["val"]) +
                           " / " + num(sp["genes"]["test"]) + " genes; " + num(sp["positives_across_parts"]) +
                           " positives across parts left out");
  } else {
    line(out, "split", "by pairs, seeded (" + pct(sp["test"].get<double>()) + " test, then " +
                           pct(sp["validation"].get<double>()) + " validation)");
  }
  const auto& c = s["splits"];
  for (const char* k : {"train", "val", "test"}) {
    std::string t = split_line(c[k]);
    if (by == "npy" && std::string(k) != "train") {
      const auto& d = s["without_data"][k];
      t += "; " + base_name(str(sp, std::string(k) == "val" ? "validation_npy" : "test_npy")) + ": " +
           num(d["pairs"]) + " pairs without data dropped (" + num(d["positives"]) + " positive, " +
           num(d["negatives"]) + " negative" + ")" + examples(d["examples"]);
    }
    line(out, std::string(k) == "val" ? "validation" : k, t);
  }
  if (s.contains("strata")) {
    const auto& st = s["strata"]["test"];
    line(out, "test strata", "C1 (both genes in training pairs) " + num(st["C1"]["pairs"]) + ", C2 (one) " +
                                 num(st["C2"]["pairs"]) + ", C3 (neither) " + num(st["C3"]["pairs"]));
  }
  return out;
}

}  // namespace gener::data
