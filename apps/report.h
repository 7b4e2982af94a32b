// report.h — report.md: the measured AUROC/AUPR (and MCC) beside the paper's Table 3 or Table 4, with the curves.
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

// A measured method: its metrics.json block and the directory of its roc.png / pr.png relative to the report.
struct MeasuredRow {
  std::string method;
  nlohmann::json metrics;
  std::string curves_dir;  // "" = no pictures
};

// Write `path` atomically: a title, what was scored (e.g. "the test set"), the dataset counts (when `dataset` is an object), then the Markdown table in
// the layout of the paper's table `paper_table` (rows: method; columns: the measured AUROC, AUPR (and MCC for
// Table 3), then the paper's), the measured rows first, `correlation` as the "Correlation" row, then the rows
// only the paper has; then links to the ROC/PR pictures.
void write_report(const std::string& path, const std::string& title, const std::string& measured_on, int paper_table,
                  const std::vector<MeasuredRow>& measured, const nlohmann::json& correlation,
                  const nlohmann::json& dataset, io::CommitGroup* group = nullptr);

}  // namespace gener::app
