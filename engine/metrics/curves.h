// curves.h — ROC / PR curve pictures (PNG via libpng, a small built-in rasteriser) and raw-point TSV files.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/metrics/metrics.h"

namespace gener::io {
class CommitGroup;
}

namespace gener::metrics {

// One curve: points in [0, 1]^2 in drawing order, a legend label and a colour.
struct CurveSeries {
  std::string label;
  std::vector<float> x, y;
  std::array<uint8_t, 3> rgb{0, 0, 0};
};

// 640x640 RGB PNG: white background, axes with ticks at 0, 0.5 and 1, optional dashed chance diagonal
// (for ROC), up to kMaxSeries series as 2 px lines, a legend in the emptiest corner of the plot and the
// title on top. Text uses a built-in 5x7 font (digits, letters shown upper-case, . = - ( ) : / + _ , %).
// Written atomically: on any error (gener::Error) `path` is left untouched.
constexpr int kCurveImageSize = 640;
constexpr size_t kMaxSeries = 6;
void draw_curves_png(const std::string& path, const std::string& title, const std::vector<CurveSeries>& series,
                     bool diagonal, const std::string& x_label = "", const std::string& y_label = "",
                     io::CommitGroup* group = nullptr);

// The raw points, one per line: "series<TAB>x<TAB>y" after that header line. Atomic.
void write_curves_tsv(const std::string& path, const std::vector<CurveSeries>& series,
                      io::CommitGroup* group = nullptr);

// The standard pictures of an evaluation: <prefix>roc.png, <prefix>pr.png, <prefix>roc.tsv, <prefix>pr.tsv
// with GENER micro, GENER positive class and, if `baseline` is given, the correlation baseline (micro),
// AUROC / AP values in the legend. With `group`, the four files are committed with the run's other outputs.
void write_metric_curves(const std::string& prefix, const Metrics& model, const Metrics* baseline,
                         io::CommitGroup* group = nullptr);

}  // namespace gener::metrics
