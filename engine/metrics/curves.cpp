// curves.cpp — lay out ROC / PR pictures on a Canvas, encode them as PNG with libpng, write raw points as TSV.
#include "engine/metrics/curves.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <ostream>

#include "engine/io/atomic_file.h"
#include "engine/metrics/raster.h"
#include "kernels/check.h"

namespace gener::metrics {

namespace {

constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGrid{225, 225, 225}, kChance{150, 150, 150};
// Plot area in pixels (inclusive), inside the kCurveImageSize square.
constexpr int kLeft = 90, kRight = 610, kTop = 60, kBottom = 560;

int map_x(float x) {
  const float c = std::clamp(x, -0.05f, 1.05f);
  return kLeft + static_cast<int>(std::lround(c * (kRight - kLeft)));
}
int map_y(float y) {
  const float c = std::clamp(y, -0.05f, 1.05f);
  return kBottom - static_cast<int>(std::lround(c * (kBottom - kTop)));
}

void check_series(const std::vector<CurveSeries>& series) {
  GENER_CHECK(series.size() <= kMaxSeries, "at most " << kMaxSeries << " curves per picture, got " << series.size());
  for (const CurveSeries& s : series) {
    GENER_CHECK(s.x.size() == s.y.size(),
                "curve '" << s.label << "': x/y size mismatch " << s.x.size() << " vs " << s.y.size());
    for (size_t i = 0; i < s.x.size(); ++i)
      GENER_CHECK(std::isfinite(s.x[i]) && std::isfinite(s.y[i]),
                  "curve '" << s.label << "': non-finite point " << i << " (" << s.x[i] << ", " << s.y[i] << ")");
  }
}

void draw_frame(Canvas& cv, const std::string& title, bool diagonal, const std::string& x_label,
                const std::string& y_label) {
  cv.line(map_x(0.5f), kTop, map_x(0.5f), kBottom, kGrid);
  cv.line(kLeft, map_y(0.5f), kRight, map_y(0.5f), kGrid);
  if (diagonal) cv.line(map_x(0), map_y(0), map_x(1), map_y(1), kChance, 1, 6);
  cv.rect_outline(kLeft, kTop, kRight, kBottom, kBlack);
  const char* ticks[] = {"0", "0.5", "1"};
  const float at[] = {0.f, 0.5f, 1.f};
  for (int t = 0; t < 3; ++t) {
    const int x = map_x(at[t]), y = map_y(at[t]);
    cv.line(x, kBottom, x, kBottom + 6, kBlack);
    cv.text(x - text_width(ticks[t], 2) / 2, kBottom + 12, ticks[t], 2, kBlack);
    cv.line(kLeft - 6, y, kLeft, y, kBlack);
    cv.text(kLeft - 12 - text_width(ticks[t], 2), y - text_height(2) / 2, ticks[t], 2, kBlack);
  }
  cv.text((kLeft + kRight - text_width(x_label, 2)) / 2, kBottom + 40, x_label, 2, kBlack);
  cv.text_vertical(18, (kTop + kBottom - text_width(y_label, 2)) / 2, y_label, 2, kBlack);
  cv.text((kCurveImageSize - text_width(title, 3)) / 2, 18, title, 3, kBlack);
}

void draw_series(Canvas& cv, const CurveSeries& s) {
  for (size_t i = 0; i < s.x.size(); ++i) {
    const int x1 = map_x(s.x[i]), y1 = map_y(s.y[i]);
    const int x0 = i == 0 ? x1 : map_x(s.x[i - 1]), y0 = i == 0 ? y1 : map_y(s.y[i - 1]);
    cv.line(x0, y0, x1, y1, s.rgb, 2);
  }
}

// Legend in whichever plot corner holds the fewest drawn pixels.
void draw_legend(Canvas& cv, const std::vector<CurveSeries>& series) {
  if (series.empty()) return;
  constexpr int kPad = 8, kSwatch = 24, kRow = 22, kInset = 10;
  int text_w = 0;
  for (const CurveSeries& s : series) text_w = std::max(text_w, text_width(s.label, 2));
  const int w = kPad + kSwatch + kPad + text_w + kPad;
  const int h = kPad + static_cast<int>(series.size()) * kRow - (kRow - text_height(2)) + kPad;
  const int xs[] = {kRight - kInset - w, kLeft + kInset, kRight - kInset - w, kLeft + kInset};
  const int ys[] = {kBottom - kInset - h, kBottom - kInset - h, kTop + kInset, kTop + kInset};
  int best = 0, best_count = -1;
  for (int k = 0; k < 4; ++k) {
    const int n = cv.count_not(xs[k], ys[k], xs[k] + w, ys[k] + h, kWhite);
    if (best_count < 0 || n < best_count) best = k, best_count = n;
  }
  const int x0 = xs[best], y0 = ys[best];
  cv.fill_rect(x0, y0, x0 + w, y0 + h, kWhite);
  cv.rect_outline(x0, y0, x0 + w, y0 + h, kBlack);
  for (size_t i = 0; i < series.size(); ++i) {
    const int ty = y0 + kPad + static_cast<int>(i) * kRow, mid = ty + text_height(2) / 2;
    cv.line(x0 + kPad, mid, x0 + kPad + kSwatch, mid, series[i].rgb, 3);
    cv.text(x0 + kPad + kSwatch + kPad, ty, series[i].label, 2, kBlack);
  }
}

// ---- libpng glue: C callbacks, errors reported by longjmp back into encode_png ----
struct PngError {
  char message[256];
};

void png_error_cb(png_structp png, png_const_charp msg) {
  auto* e = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "unknown libpng error");
  png_longjmp(png, 1);
}
void png_warning_cb(png_structp, png_const_charp) {}

void png_write_cb(png_structp png, png_bytep data, png_size_t n) {
  auto* os = static_cast<std::ostream*>(png_get_io_ptr(png));
  os->write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  if (!*os) png_error(png, "write to the output stream failed");
}
void png_flush_cb(png_structp png) { static_cast<std::ostream*>(png_get_io_ptr(png))->flush(); }

// Encodes (h, w, 3) RGB rows to `os`. No C++ objects with destructors live in this frame (longjmp).
bool encode_png(std::ostream& os, const uint8_t* rgb, int w, int h, PngError* err) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, png_error_cb, png_warning_cb);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &os, png_write_cb, png_flush_cb);
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) png_write_row(png, const_cast<png_bytep>(rgb + static_cast<size_t>(y) * w * 3));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

std::string sanitize(const std::string& label) {
  std::string s = label;
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

std::string with_value(const char* name, const char* what, double v) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%s %s=%.3f", name, what, v);
  return buf;
}

}  // namespace

void draw_curves_png(const std::string& path, const std::string& title, const std::vector<CurveSeries>& series,
                     bool diagonal, const std::string& x_label, const std::string& y_label,
                     io::CommitGroup* group) {
  check_series(series);
  Canvas cv(kCurveImageSize, kCurveImageSize, kWhite);
  draw_frame(cv, title, diagonal, x_label, y_label);
  for (const CurveSeries& s : series) draw_series(cv, s);
  draw_legend(cv, series);

  io::AtomicFile f(path, /*binary=*/true, group);
  PngError err{};
  std::strcpy(err.message, "cannot create the libpng writer");
  GENER_CHECK(encode_png(f.stream(), cv.data(), cv.width(), cv.height(), &err),
              path << ": PNG encoding failed: " << err.message);
  f.commit();
}

void write_curves_tsv(const std::string& path, const std::vector<CurveSeries>& series, io::CommitGroup* group) {
  check_series(series);
  io::AtomicFile f(path, false, group);
  std::ostream& os = f.stream();
  os << "series\tx\ty\n" << std::setprecision(9);
  for (const CurveSeries& s : series) {
    const std::string name = sanitize(s.label);
    for (size_t i = 0; i < s.x.size(); ++i) os << name << '\t' << s.x[i] << '\t' << s.y[i] << '\n';
  }
  f.commit();
}

void write_metric_curves(const std::string& prefix, const Metrics& model, const Metrics* baseline,
                         io::CommitGroup* group) {
  const Rgb blue{31, 119, 180}, orange{255, 127, 14}, green{44, 160, 44};
  std::vector<CurveSeries> roc = {
      {with_value("GENER MICRO", "AUC", model.auroc_micro), model.roc_micro.x, model.roc_micro.y, blue},
      {with_value("GENER CLASS 1", "AUC", model.auroc), model.roc.x, model.roc.y, orange}};
  std::vector<CurveSeries> pr = {
      {with_value("GENER MICRO", "AP", model.aupr_micro), model.pr_micro.x, model.pr_micro.y, blue},
      {with_value("GENER CLASS 1", "AP", model.aupr), model.pr.x, model.pr.y, orange}};
  if (baseline) {
    roc.push_back({with_value("CORRELATION", "AUC", baseline->auroc_micro), baseline->roc_micro.x,
                   baseline->roc_micro.y, green});
    pr.push_back({with_value("CORRELATION", "AP", baseline->aupr_micro), baseline->pr_micro.x,
                  baseline->pr_micro.y, green});
  }
  draw_curves_png(prefix + "roc.png", "ROC", roc, true, "FALSE POSITIVE RATE", "TRUE POSITIVE RATE", group);
  draw_curves_png(prefix + "pr.png", "PR", pr, false, "RECALL", "PRECISION", group);
  write_curves_tsv(prefix + "roc.tsv", roc, group);
  write_curves_tsv(prefix + "pr.tsv", pr, group);
}

}  // namespace gener::metrics
