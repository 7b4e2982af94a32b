// test_core_lane_barrier.cpp — the training lanes' barrier (engine/core/lane_barrier.h): no thread leaves a round
// before every thread has entered it, what each wrote before is visible to all after, over many rounds and with
// waits long enough that the waiters go to sleep; one thread passes straight through.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/core/lane_barrier.h"

namespace gener::core {
namespace {

// Each round every thread writes (round, thread) into its slot, meets the others, checks every slot, meets again
// (so no slot is overwritten while another thread still reads it). `late`: thread 0 arrives late by that much.
int run_rounds(int threads, int rounds, std::chrono::microseconds late) {
  LaneBarrier barrier;
  std::vector<long> slot(static_cast<size_t>(threads), -1);
  std::atomic<int> wrong{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        if (t == 0 && late.count() > 0) std::this_thread::sleep_for(late);
        slot[static_cast<size_t>(t)] = static_cast<long>(r) * threads + t;
        barrier.wait(threads);
        for (int u = 0; u < threads; ++u)
          if (slot[static_cast<size_t>(u)] != static_cast<long>(r) * threads + u) wrong.fetch_add(1);
        barrier.wait(threads);
      }
    });
  for (std::thread& th : pool) th.join();
  return wrong.load();
}

TEST(LaneBarrier, EveryThreadSeesEveryWriteOfTheRound) {
  for (int threads : {1, 2, 3, 5}) {
    EXPECT_EQ(run_rounds(threads, 2000, std::chrono::microseconds(0)), 0) << threads << " threads, short waits";
    // 3 ms late: far past the spin, so the others sleep and must be woken.
    EXPECT_EQ(run_rounds(threads, 20, std::chrono::microseconds(3000)), 0) << threads << " threads, long waits";
  }
}

}  // namespace
}  // namespace gener::core
