// report.cpp — report.md in the layout of the paper's Tables 3 and 4.
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
  return m.is_object() && m.contains("mcc") && m["mcc"].is_array() && m["mcc"].size() == 2 ? m["mcc"][cls].get<double>()
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
                  const std::vector<MeasuredRow>& measured, const nlohmann::json& correlation,
                  const nlohmann::json& dataset, io::CommitGroup* group) {
  const std::vector<PaperRow> paper = paper_rows(paper_table);
  const bool with_mcc = paper_table == 3;
  std::string md = "# " + title + "\n\n";
  if (dataset.is_object() && dataset.contains("splits")) {
    const auto& ex = dataset["expression"];
    const auto& sp = dataset["splits"];
    md += "Dataset `" + dataset.value("name", std::string("?")) + "`: " + count(ex["genes"]) + " genes x " +
          count(ex["samples"]) + " values per gene (" + ex.value("normalize", std::string("none")) +
          " normalisation); " + count(dataset["positives"]) + " positive pairs; train / validation / test " +
          count(sp["train"]["pairs"]) + " / " + count(sp["val"]["pairs"]) + " / " + count(sp["test"]["pairs"]) +
          " pairs (" + (dataset.value("split_source", std::string()) == "npy" ? "the authors' validation and test splits"
                                                                              : "seeded split") + ").\n\n";
  }
  if (paper_table == 3 || paper_table == 4)
    md += "Measured on " + measured_on + " beside the numbers the paper reports (Table " + std::to_string(paper_table) +
          "). AUROC and AUPR are micro-averaged over both classes, as the paper reports them" +
          std::string(with_mcc ? "; MCC is given for class 0 / class 1" : "") + ".\n\n";
  else
    md += "Measured on " + measured_on + ". AUROC and AUPR are micro-averaged over both classes.\n\n";
  md += with_mcc ? "| Method | AUROC | AUPR | MCC | AUROC (paper) | AUPR (paper) | MCC (paper) |\n|---|---|---|---|---|---|---|\n"
                 : "| Method | AUROC | AUPR | AUROC (paper) | AUPR (paper) |\n|---|---|---|---|---|\n";
  auto row = [&](const std::string& method, const nlohmann::json* m) {
    const PaperRow* p = find_row(paper, method);
    md += "| " + method + " | " + fmt(m ? num(*m, "auroc_micro") : kNone, 4) + " | " +
          fmt(m ? num(*m, "aupr_micro") : kNone, 4) + " | ";
    if (with_mcc) md += (m ? fmt(mcc(*m, 0), 4) + " / " + fmt(mcc(*m, 1), 4) : std::string("—")) + " | ";
    md += fmt(p ? p->auroc : kNone, paper_table == 3 ? 4 : 3) + " | " + fmt(p ? p->aupr : kNone, paper_table == 3 ? 4 : 3) +
          " |";
    if (with_mcc) md += " " + (p && !std::isnan(p->mcc0) ? fmt(p->mcc0, 4) + " / " + fmt(p->mcc1, 4) : "—") + " |";
    md += "\n";
  };
  for (const MeasuredRow& r : measured) row(r.method, &r.metrics);
  if (correlation.is_object()) row("Correlation", &correlation);
  for (const PaperRow& p : paper) {
    bool shown = p.method == "Correlation" && correlation.is_object();
    for (const MeasuredRow& r : measured) shown = shown || r.method == p.method;
    if (!shown) row(p.method, nullptr);
  }
  md += "\n— : not measured here / not reported in the paper. Positive-class AUROC/AUPR, accuracy and the pair counts "
        "are in metrics.json.\n";
  bool pictures = false;
  for (const MeasuredRow& r : measured) {
    if (r.curves_dir.empty()) continue;
    if (!pictures) md += "\n## Curves\n\n";
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
