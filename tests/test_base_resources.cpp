// test_base_resources.cpp — threads capped at the CPUs this process may use (with a note), memory checked before
// a large allocation, allocation failures mapped to one message naming their cause.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/resources.h"

namespace gener {
namespace {

TEST(Threads, RequestsBeyondTheCpusAreCappedWithANote) {
  const int cpus = usable_cpus();
  ASSERT_GE(cpus, 1);
  const ThreadChoice t = choose_threads(100000);
  EXPECT_EQ(t.threads, cpus);
  EXPECT_NE(t.note.find("--threads 100000 capped"), std::string::npos) << t.note;
  EXPECT_NE(t.note.find(std::to_string(cpus)), std::string::npos) << t.note;
}

TEST(Threads, WithinTheCpusNoNote) {
  const ThreadChoice one = choose_threads(1);
  EXPECT_EQ(one.threads, 1);
  EXPECT_TRUE(one.note.empty());
  const ThreadChoice all = choose_threads(0);
  EXPECT_EQ(all.threads, usable_cpus());
  EXPECT_TRUE(all.note.empty());
  // Ranks of one node share the CPUs evenly, never below one thread each.
  EXPECT_EQ(choose_threads(0, 1000).threads, 1);
}

TEST(Memory, AvailableIsKnownAndBelowAPetabyte) {
  const uint64_t room = available_memory_bytes();
  EXPECT_GT(room, uint64_t{1} << 20);
  EXPECT_LT(room, uint64_t{1} << 50);  // Linux reports MemAvailable
}

TEST(Memory, TooLargeARequestIsAnErrorBeforeAllocating) {
  try {
    check_memory(uint64_t{1} << 60, "the test buffer");
    FAIL() << "no throw";
  } catch (const OutOfMemory& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("the test buffer needs 1.0 EiB"), std::string::npos) << msg;
    EXPECT_NE(msg.find("available"), std::string::npos) << msg;
  }
  EXPECT_NO_THROW(check_memory(1024, "a small buffer"));
}

TEST(Memory, AllocationFailuresNameTheirCause) {
  auto expect_cause = [](auto fn, const std::string& detail) {
    try {
      with_memory_context("--batch 99 with 4 thread(s)", fn);
      ADD_FAILURE() << "no throw";
    } catch (const OutOfMemory&) {
      ADD_FAILURE() << "OutOfMemory escaped unmapped";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("--batch 99 with 4 thread(s): out of memory"), std::string::npos) << msg;
      EXPECT_NE(msg.find(detail), std::string::npos) << msg;
    }
  };
  expect_cause([] { throw std::bad_alloc(); }, "an allocation failed");
  expect_cause([] { std::vector<double> v; v.resize(v.max_size() + 1); }, "beyond what can be allocated");
  expect_cause([] { check_memory(uint64_t{1} << 60, "the arena"); }, "the arena needs");
  EXPECT_EQ(with_memory_context("x", [] { return 7; }), 7);
}

TEST(Memory, BytesAreFormattedReadably) {
  EXPECT_EQ(format_bytes(100), "100 bytes");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(uint64_t{820} << 20), "820 MiB");
  EXPECT_EQ(format_bytes(uint64_t{3} << 30), "3.0 GiB");
}

}  // namespace
}  // namespace gener
