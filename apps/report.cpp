// report.cpp — report.md: measured methods beside the paper's Tables 3 and 4, the C1/C2/C3 strata, the protocol.
#include "apps/report.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/io/atomic_file.h"

namespace gener::app {
namespace {

constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

std::string fmt(double v, int digits) {
  if (std::isnan(v)) return "—";
  char b[32];
  std::snprintf(b, sizeof(b), "%.*f", digits, v);
  return b;
}

double num(const nlohmann::json& m, const char* key) {
  return m.is_object() && m.contains(key) && m[key].is_number() ? m[key].get<double>() : kNone;
}
double mcc(const nlohmann::json& m, int cls) {
  return m.is_object() && m.contains("mcc") && m["mcc"].is_array() && m["mcc"].size() == 2 && m["mcc"][cls].is_number()
             ? m["mcc"][cls].get<double>()
             : kNone;
}

const PaperRow* find_row(const std::vector<PaperRow>& rows, const std::string& method) {
  for (const PaperRow& r : rows)
    if (r.method == method) return &r;
  return nullptr;
}

std::string count(const nlohmann::json& j) {
  if (!j.is_number()) return "?";
  std::string s = std::to_string(j.get<long long>()), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string str(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

std::string base_name(const std::string& p) {
  const size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

// The dataset paragraph: matrix, protocol, split sizes, the pairs kept.
std::string dataset_text(const nlohmann::json& d) {
  const auto& ex = d["expression"];
  const auto& sp = d["splits"];
  std::string files;
  const size_t n_files = ex.contains("files") && ex["files"].is_array() ? ex["files"].size() : 0;
  if (n_files == 0) files = "`" + base_name(str(ex, "file")) + "`";
  if (n_files > 0)
    for (const auto& f : ex["files"]) files += (files.empty() ? "" : ", ") + ("`" + base_name(str(f, "file")) + "`");
  std::string md = "Dataset `" + str(d, "name") + "`: " + count(ex["genes"]) + " genes x " + count(ex["samples"]) +
                   " values per gene from " + files + " (normalisation " + str(ex, "normalize") +
                   (n_files > 1 ? " per file, genes: " + str(ex, "join") : std::string()) +
                   (n_files ? ", missing values: " + str(ex, "missing") : std::string()) + "); " + count(d["positives"]) + " positive pairs.\n\n";
  const std::string by = str(d, "split_by");
  const std::string neg = str(d, "negatives_source") == "file"           ? "negatives from the pair file"
                          : str(d, "negative_sampling") == "degree_matched" ? "degree-matched negatives"
                                                                            : "uniform random negatives";
  md += "Protocol: " + neg + "; " +
        (by == "npy"     ? std::string("validation and test = the authors' .npy splits (pairs with data)")
         : by == "genes" ? std::string("split by genes (test and validation genes never occur in training pairs)")
                         : std::string("seeded random split of the pairs")) +
        ". Train / validation / test: " + count(sp["train"]["pairs"]) + " / " + count(sp["val"]["pairs"]) + " / " +
        count(sp["test"]["pairs"]) + " pairs.";
  if (d.contains("without_data")) {
    for (const char* k : {"val", "test"}) {
      const auto& w = d["without_data"][k];
      const long long kept = sp[k]["pairs"].get<long long>(), dropped = w["pairs"].get<long long>();
      md += std::string(" ") + (std::string(k) == "val" ? "Validation" : "Test") + ": " + count(sp[k]["pairs"]) +
            " of " + count(nlohmann::json(kept + dropped)) + " pairs kept (" + count(w["pairs"]) + " dropped, " +
            count(w["positives"]) + " positive / " + count(w["negatives"]) +
            " negative, with a gene that has no expression data).";
    }
  }
  return md + "\n\n";
}

// key: "strata" (genes in any training pair) or "strata_positive" (genes with a training positive).
std::string strata_table(const std::vector<MeasuredRow>& rows, const char* key, const std::string& heading) {
  const nlohmann::json* counts = nullptr;
  for (const MeasuredRow& r : rows)
    if (r.metrics.is_object() && r.metrics.contains(key)) counts = &r.metrics[key];
  if (!counts) return "";
  std::string md = heading + " Each cell: AUROC (micro-averaged) / AUROC+ (interacting class); n/a where a stratum "
                             "is empty or holds one label.\n\n";
  md += "| Method |";
  for (const char* k : {"C1", "C2", "C3"}) {
    const auto& c = (*counts)[k];
    md += " " + std::string(k) + " (" + count(c["pairs"]) + " pairs, " + count(c["positives"]) + " positive) |";
  }
  md += "\n|---|---|---|---|\n";
  for (const MeasuredRow& r : rows) {
    if (!r.metrics.is_object() || !r.metrics.contains(key)) continue;
    md += "| " + r.method + " |";
    for (const char* k : {"C1", "C2", "C3"}) {
      const auto& s = r.metrics[key][k];
      const double a = num(s, "auroc_micro"), p = num(s, "auroc");
      md += " " + (std::isnan(a) ? std::string("n/a") : fmt(a, 4) + " / " + fmt(p, 4)) + " |";
    }
    md += "\n";
  }
  return md + "\n";
}

}  // namespace

std::vector<PaperRow> paper_rows(int table) {
  if (table == 4)
    return {{"GENER", 0.834, 0.832, kNone, kNone},        {"Correlation", 0.582, 0.579, kNone, kNone},
            {"Isomap", 0.507, 0.588, kNone, kNone},       {"LINE", 0.726, 0.686, kNone, kNone},
            {"node2vec", 0.739, 0.708, kNone, kNone},     {"Isomap+", 0.653, 0.652, kNone, kNone},
            {"LINE+", 0.745, 0.713, kNone, kNone},        {"node2vec+", 0.751, 0.716, kNone, kNone},
            {"GNE (topology)", 0.787, 0.784, kNone, kNone}, {"GNE", 0.825, 0.821, kNone, kNone}};
  if (table == 3)
    return {{"GENER", 0.8634, 0.8525, 0.5746, 0.5783}, {"CNN only", 0.8274, 0.8203, 0.4920, 0.4920}};
  return {};
}

void write_report(const std::string& path, const std::string& title, const std::string& measured_on, int paper_table,
                  const std::vector<MeasuredRow>& measured, const nlohmann::json& dataset, io::CommitGroup* group) {
  const std::vector<PaperRow> paper = paper_rows(paper_table);
  const bool table3 = paper_table == 3, with_paper = !paper.empty();
  const int pd = table3 ? 4 : 3;  // the paper's digits
  std::string md = "# " + title + "\n\n";
  if (dataset.is_object() && dataset.contains("splits")) md += dataset_text(dataset);
  md += "Measured on " + measured_on +
        (with_paper ? " beside the numbers the paper reports (Table " + std::to_string(paper_table) + ")" : "") +
        ". AUROC and AUPR are micro-averaged over both classes, as the paper reports them; AUROC+ and AUPR+ are "
        "those of the interacting class (the ranking alone, whatever the calibration); MCC " +
        (table3 ? "for class 0 / class 1" : "of the interacting class") +
        " at the argmax class. The gene-degree baseline scores a pair by its genes' positive degrees among the "
        "training pairs, with no expression at all.\n\n";
  md += "| Method | AUROC | AUPR | AUROC+ | AUPR+ | MCC |";
  if (with_paper) md += std::string(" AUROC (paper) | AUPR (paper) |") + (table3 ? " MCC (paper) |" : "");
  md += "\n|---|---|---|---|---|---|" + std::string(with_paper ? (table3 ? "---|---|---|" : "---|---|") : "") + "\n";
  auto row = [&](const std::string& method, const nlohmann::json* m) {
    const PaperRow* p = find_row(paper, method);
    md += "| " + method + " | " + fmt(m ? num(*m, "auroc_micro") : kNone, 4) + " | " +
          fmt(m ? num(*m, "aupr_micro") : kNone, 4) + " | " + fmt(m ? num(*m, "auroc") : kNone, 4) + " | " +
          fmt(m ? num(*m, "aupr") : kNone, 4) + " | ";
    md += (m ? (table3 ? fmt(mcc(*m, 0), 4) + " / " + fmt(mcc(*m, 1), 4) : fmt(mcc(*m, 1), 4)) : std::string("—")) +
          " |";
    if (with_paper) {
      md += " " + fmt(p ? p->auroc : kNone, pd) + " | " + fmt(p ? p->aupr : kNone, pd) + " |";
      if (table3) md += " " + (p && !std::isnan(p->mcc0) ? fmt(p->mcc0, 4) + " / " + fmt(p->mcc1, 4) : "—") + " |";
    }
    md += "\n";
  };
  for (const MeasuredRow& r : measured) row(r.method, &r.metrics);
  for (const PaperRow& p : paper) {
    bool shown = false;
    for (const MeasuredRow& r : measured) shown = shown || r.method == p.method;
    if (!shown) row(p.method, nullptr);
  }
  md += "\n— : not measured here / not reported in the paper. Accuracy and the pair counts are in metrics.json.\n\n";
  std::string times;
  for (const MeasuredRow& r : measured) {
    if (!r.metrics.is_object() || !r.metrics.contains("timing_s")) continue;
    const auto& t = r.metrics["timing_s"];
    times += (times.empty() ? "" : " · ") + r.method + " " + fmt(num(t, "total"), 1) + " s (embedding " +
             fmt(num(t, "embedding"), 1) + " s)";
  }
  if (!times.empty())
    md += "Embedding baselines (training graph of the training positives only; logistic regression on the Hadamard "
          "product of the two genes' vectors), wall time: " + times + ".\n\n";
  md += strata_table(measured, "strata",
                     "## By genes seen in training pairs\n\nC1: both genes occur in a training pair; C2: one; C3: "
                     "neither.");
  md += strata_table(measured, "strata_positive",
                     "## By genes with a training positive\n\nC1: both genes have an interacting partner among the "
                     "training pairs; C2: one; C3: neither. With uniform random negatives almost every gene occurs in "
                     "some training pair, so the table above can put every test pair in C1; this one still separates "
                     "pairs of known interactors from pairs of genes never seen interacting.");
  bool pictures = false;
  for (const MeasuredRow& r : measured) {
    if (r.curves_dir.empty()) continue;
    if (!pictures) md += "## Curves\n\n";
    pictures = true;
    const std::string d = r.curves_dir == "." ? "" : r.curves_dir + "/";
    md += "### " + r.method + "\n\n[ROC](" + d + "roc.png) · [PR](" + d + "pr.png)\n\n![" + r.method + " ROC](" + d +
          "roc.png) ![" + r.method + " PR](" + d + "pr.png)\n\n";
  }
  io::ensure_parent_dir(path);
  io::AtomicFile f(path, false, group);
  f.stream() << md;
  f.commit();
}

}  // namespace gener::app
