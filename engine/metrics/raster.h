// raster.h — a tiny RGB rasteriser for the curve pictures: pixels, thick lines, rectangles, 5x7 bitmap text.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace gener::metrics {

using Rgb = std::array<uint8_t, 3>;

// Row-major RGB image, (h, w, 3); drawing outside the image is clipped silently.
class Canvas {
 public:
  Canvas(int w, int h, Rgb background);
  int width() const { return w_; }
  int height() const { return h_; }
  const uint8_t* data() const { return px_.data(); }
  Rgb get(int x, int y) const;

  void set(int x, int y, Rgb c);
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // inclusive corners
  void rect_outline(int x0, int y0, int x1, int y1, Rgb c);
  // Bresenham line stamped with a thickness x thickness square; dash > 0 draws dash on / dash off pixels.
  void line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1, int dash = 0);
  // Text in the 5x7 font, glyph cells (6 x 8) * scale; (x, y) is the top-left corner.
  void text(int x, int y, const std::string& s, int scale, Rgb c);
  // Text rotated 90° counter-clockwise (reads bottom to top); (x, y) is the top-left of its box.
  void text_vertical(int x, int y, const std::string& s, int scale, Rgb c);
  // Pixels in [x0, x1] x [y0, y1] that differ from `c`.
  int count_not(int x0, int y0, int x1, int y1, Rgb c) const;

 private:
  int w_, h_;
  std::vector<uint8_t> px_;  // (h, w, 3)
};

// Width and height in pixels of `s` drawn at `scale`.
int text_width(const std::string& s, int scale);
int text_height(int scale);

}  // namespace gener::metrics
