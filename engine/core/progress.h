// progress.h — throughput and ETA lines for long work (training, scoring), printed to stderr.
#pragma once
#include <chrono>
#include <string>

namespace gener::core {

class Progress {
 public:
  Progress(std::string what, long long total, bool enabled);
  // Report `done` units (pairs) so far; prints at most every `interval_s` seconds unless force.
  void update(long long done, const std::string& extra = "", bool force = false);
  double elapsed_s() const;
  static std::string format_duration(double seconds);

 private:
  std::string what_;
  long long total_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace gener::core
