// report.h — report.md: the measured AUROC/AUPR/MCC of every method (models and baselines) beside the paper's
// Table 3 or 4, the C1/C2/C3 strata, the dataset and protocol, and the curves.
#pragma once
#include <nlohmann/json.hpp>

#include "engine/io/atomic_file.h"

#include <string>
#include <vector>

namespace gener::app {

// One numbers row the paper reports (NaN where it reports nothing).
struct PaperRow {
  std::string method;
  double auroc, aupr, mcc0, mcc1;
};
// Table 4 (BioGRID & DREAM5: GENER, Correlation and the network-embedding baselines) or Table 3 (YEASTRACT:
// GENER and CNN only, with MCC per class); empty for any other number.
std::vector<PaperRow> paper_rows(int table);

// A measured method: its metrics JSON (metrics_to_json keys, optionally "strata" as eval::stratified_metrics
// writes it) and the directory of its roc.png / pr.png relative to the report ("" = no pictures).
struct MeasuredRow {
  std::string method;
  nlohmann::json metrics;
  std::string curves_dir;
};

// Write `path` atomically: a title; the dataset and protocol (when `dataset` is a prepare summary) with the pairs
// kept per split; what was scored (`measured_on`); the Markdown table with one row per measured method in the
// order given (models, "Correlation", the embedding baselines, "Gene degree"; wall times of rows with "timing_s") and,
// for paper_table 3 or 4, the paper's numbers beside them and the rows only the paper has; the C1/C2/C3 table
// for every row with strata; links to the ROC/PR pictures.
void write_report(const std::string& path, const std::string& title, const std::string& measured_on, int paper_table,
                  const std::vector<MeasuredRow>& measured, const nlohmann::json& dataset,
                  io::CommitGroup* group = nullptr);

}  // namespace gener::app
