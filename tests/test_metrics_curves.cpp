// test_metrics_curves.cpp — the ROC/PR PNG writer (signature, libpng read-back, colours, atomicity) and the TSV points.
#include <gtest/gtest.h>
#include <png.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/metrics/curves.h"
#include "engine/metrics/metrics.h"
#include "kernels/check.h"

namespace fs = std::filesystem;
namespace gm = gener::metrics;

namespace {

// A fresh, empty directory per test.
fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("gener_test_metrics_curves_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Decodes a PNG to RGB with libpng's simplified API; empty on failure.
std::vector<uint8_t> read_png(const std::string& path, unsigned* w, unsigned* h) {
  png_image img;
  std::memset(&img, 0, sizeof(img));
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) return {};
  img.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> px(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, px.data(), 0, nullptr)) return {};
  *w = img.width;
  *h = img.height;
  return px;
}

size_t count_colour(const std::vector<uint8_t>& px, std::array<uint8_t, 3> c) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < px.size(); i += 3) n += px[i] == c[0] && px[i + 1] == c[1] && px[i + 2] == c[2];
  return n;
}

std::vector<gm::CurveSeries> three_series() {
  return {{"GENER MICRO AUC=0.834", {0, 0.1f, 0.3f, 1}, {0, 0.6f, 0.85f, 1}, {200, 30, 30}},
          {"GENER CLASS 1 AUC=0.8", {0, 0.2f, 1}, {0, 0.7f, 1}, {30, 160, 40}},
          {"correlation auc=0.582", {0, 0.5f, 1}, {0, 0.58f, 1}, {20, 40, 210}}};
}

}  // namespace

TEST(MetricsCurves, PngHasSignatureAndReadsBack) {
  const fs::path d = temp_dir("png");
  const std::string path = (d / "sub" / "roc.png").string();  // parent directory is created
  gm::draw_curves_png(path, "ROC", three_series(), true, "FPR", "TPR");
  std::ifstream in(path, std::ios::binary);
  unsigned char sig[8] = {};
  in.read(reinterpret_cast<char*>(sig), 8);
  const unsigned char want[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  EXPECT_EQ(std::memcmp(sig, want, 8), 0);

  unsigned w = 0, h = 0;
  const std::vector<uint8_t> px = read_png(path, &w, &h);
  ASSERT_FALSE(px.empty()) << "libpng could not read " << path;
  EXPECT_EQ(w, 640u);
  EXPECT_EQ(h, 640u);
  // Background white at the image corner; each series drawn in its colour (2 px lines several
  // hundred px long plus the legend swatch: well over 300 pixels each).
  EXPECT_EQ(px[0], 255);
  EXPECT_EQ(px[1], 255);
  EXPECT_EQ(px[2], 255);
  for (const gm::CurveSeries& s : three_series()) EXPECT_GT(count_colour(px, s.rgb), 300u) << s.label;
  // Black text and axes exist; most of the picture is still white.
  EXPECT_GT(count_colour(px, {0, 0, 0}), 2000u);
  EXPECT_GT(count_colour(px, {255, 255, 255}), 640u * 640u / 2);
  // No temporary left beside the file.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(d / "sub")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST(MetricsCurves, DiagonalOnlyWhenAsked) {
  const fs::path d = temp_dir("diag");
  const std::array<uint8_t, 3> chance = {150, 150, 150};  // the chance line's grey
  gm::draw_curves_png((d / "a.png").string(), "ROC", {}, true);
  gm::draw_curves_png((d / "b.png").string(), "PR", {}, false);
  unsigned w, h;
  EXPECT_GT(count_colour(read_png((d / "a.png").string(), &w, &h), chance), 100u);
  EXPECT_EQ(count_colour(read_png((d / "b.png").string(), &w, &h), chance), 0u);
}

TEST(MetricsCurves, FailingWriteLeavesNoFile) {
  const fs::path d = temp_dir("fail");
  // 1) Bad series (x/y sizes differ): throws before anything is written; an existing file is untouched.
  const std::string path = (d / "roc.png").string();
  { std::ofstream(path) << "old"; }
  std::vector<gm::CurveSeries> bad = three_series();
  bad[1].y.pop_back();
  EXPECT_THROW(gm::draw_curves_png(path, "ROC", bad, true), gener::Error);
  std::ifstream in(path);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "old");
  // 2) Parent "directory" is a regular file: cannot be created -> error, nothing written.
  const std::string blocked = (d / "roc.png" / "x.png").string();
  EXPECT_THROW(gm::draw_curves_png(blocked, "ROC", three_series(), true), gener::Error);
  EXPECT_THROW(gm::write_curves_tsv(blocked, three_series()), gener::Error);
  // 3) Non-finite point.
  std::vector<gm::CurveSeries> nan_series = three_series();
  nan_series[0].y[1] = NAN;
  EXPECT_THROW(gm::draw_curves_png((d / "nan.png").string(), "ROC", nan_series, true), gener::Error);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(d)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // only the pre-existing roc.png
}

TEST(MetricsCurves, TsvHoldsEveryPoint) {
  const fs::path d = temp_dir("tsv");
  std::vector<gm::CurveSeries> s = three_series();
  s[2].label = "tab\there";
  gm::write_curves_tsv((d / "roc.tsv").string(), s);
  std::ifstream in(d / "roc.tsv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "series\tx\ty");
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u + 3u + 3u);
  EXPECT_EQ(lines[1], "GENER MICRO AUC=0.834\t0.100000001\t0.600000024");  // floats at 9 significant digits
  EXPECT_EQ(lines[9], "tab here\t1\t1");
}

TEST(MetricsCurves, MetricCurvesWritesFourFiles) {
  const fs::path d = temp_dir("four");
  const gm::Metrics m = gm::compute_metrics({0.1f, 0.4f, 0.35f, 0.8f, 0.6f}, {0, 0, 1, 1, 1});
  const gm::Metrics base = gm::compute_metrics({0.5f, 0.4f, 0.45f, 0.55f, 0.5f}, {0, 0, 1, 1, 1});
  gm::write_metric_curves((d / "test_").string(), m, &base);
  for (const char* f : {"test_roc.png", "test_pr.png", "test_roc.tsv", "test_pr.tsv"})
    EXPECT_TRUE(fs::exists(d / f)) << f;
  unsigned w = 0, h = 0;
  EXPECT_FALSE(read_png((d / "test_pr.png").string(), &w, &h).empty());
}
