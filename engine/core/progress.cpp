// progress.cpp — throughput / ETA progress lines.
#include "engine/core/progress.h"

#include <cstdio>

namespace gener::core {

Progress::Progress(std::string what, long long total, bool enabled)
    : what_(std::move(what)), total_(total), enabled_(enabled), start_(std::chrono::steady_clock::now()),
      last_(start_) {}

double Progress::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::format_duration(double s) {
  char buf[64];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) % 3600) / 60);
  return buf;
}

void Progress::update(long long done, const std::string& extra, bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && std::chrono::duration<double>(now - last_).count() < 2.0) return;
  last_ = now;
  double el = elapsed_s();
  double rate = el > 0 ? done / el : 0;
  double eta = rate > 0 && total_ > done ? (total_ - done) / rate : 0;
  std::fprintf(stderr, "[%s] %lld/%lld pairs  %.0f pairs/s  elapsed %s  ETA %s%s%s\n", what_.c_str(), done, total_,
               rate, format_duration(el).c_str(), format_duration(eta).c_str(), extra.empty() ? "" : "  ",
               extra.c_str());
}

}  // namespace gener::core
