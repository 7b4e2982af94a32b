// resources.cpp — CPU and memory limits of this process, read from the kernel's interfaces (sched_getaffinity,
// /proc/meminfo, cgroup files, getrlimit).
#include "base/resources.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace gener {
namespace {

constexpr uint64_t kUnknown = std::numeric_limits<uint64_t>::max();

// First whitespace-separated words of a small file ("" when it cannot be read).
std::string read_small(const char* path) {
  std::ifstream in(path);
  std::string s;
  if (in) std::getline(in, s);
  return s;
}

// CPUs granted by a cgroup CPU quota (v2 cpu.max "QUOTA PERIOD", v1 cfs files), rounded up; 0 when unlimited.
int quota_cpus() {
  std::istringstream v2(read_small("/sys/fs/cgroup/cpu.max"));
  std::string quota;
  double period = 0;
  if (v2 >> quota >> period && quota != "max" && period > 0) {
    const double q = std::atof(quota.c_str());
    if (q > 0) return std::max(1, static_cast<int>(std::ceil(q / period)));
  }
  const double q1 = std::atof(read_small("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").c_str());
  const double p1 = std::atof(read_small("/sys/fs/cgroup/cpu/cpu.cfs_period_us").c_str());
  if (q1 > 0 && p1 > 0) return std::max(1, static_cast<int>(std::ceil(q1 / p1)));
  return 0;
}

uint64_t parse_u64(const std::string& s) {
  if (s.empty() || s == "max") return kUnknown;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  return end == s.c_str() ? kUnknown : static_cast<uint64_t>(v);
}

uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kb * 1024;
  }
  return kUnknown;
}

uint64_t cgroup_room() {
  const uint64_t max2 = parse_u64(read_small("/sys/fs/cgroup/memory.max"));
  if (max2 != kUnknown) {
    const uint64_t cur = parse_u64(read_small("/sys/fs/cgroup/memory.current"));
    return cur != kUnknown && cur < max2 ? max2 - cur : 0;
  }
  const uint64_t max1 = parse_u64(read_small("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
  if (max1 != kUnknown && max1 < (uint64_t{1} << 60)) {  // v1 reports "no limit" as a huge number
    const uint64_t cur = parse_u64(read_small("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
    return cur != kUnknown && cur < max1 ? max1 - cur : 0;
  }
  return kUnknown;
}

uint64_t address_space_room() {
  rlimit lim{};
  if (getrlimit(RLIMIT_AS, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return kUnknown;
  // Current address space: /proc/self/statm's first field, in pages.
  std::istringstream statm(read_small("/proc/self/statm"));
  uint64_t pages = 0;
  statm >> pages;
  const uint64_t used = pages * 4096;
  return used < lim.rlim_cur ? lim.rlim_cur - used : 0;
}

}  // namespace

int usable_cpus() {
  int n = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  const int quota = quota_cpus();
  if (quota > 0) n = std::min(n, quota);
  return std::max(1, n);
}

ThreadChoice choose_threads(int requested, int ranks_sharing) {
  ThreadChoice c;
  const int cpus = usable_cpus();
  if (requested <= 0) {
    c.threads = std::max(1, cpus / std::max(1, ranks_sharing));
    return c;
  }
  c.threads = std::min(requested, cpus);
  if (requested > cpus)
    c.note = "--threads " + std::to_string(requested) + " capped at the " + std::to_string(cpus) +
             " CPU(s) this process may use";
  return c;
}

uint64_t available_memory_bytes() {
  return std::min({meminfo_available(), cgroup_room(), address_space_room()});
}

std::string format_bytes(uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 5) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[u]);
  return buf;
}

void check_memory(uint64_t bytes, const std::string& what) {
  const uint64_t room = available_memory_bytes();
  if (room != kUnknown && bytes > room)
    throw OutOfMemory(what + " needs " + format_bytes(bytes) + " but " + format_bytes(room) +
                      " of memory is available");
}

namespace detail {
void throw_out_of_memory(const std::string& cause, const std::string& detail) {
  GENER_THROW(cause << ": out of memory: " << detail);
}
}  // namespace detail

}  // namespace gener
