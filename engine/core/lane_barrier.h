// lane_barrier.h — the meeting point of the CPU training step's lanes: spin briefly, then sleep. With
// OMP_WAIT_POLICY=PASSIVE (gener's default, for steady rates on shared cores) an OpenMP barrier puts a waiting
// thread to sleep at once, and waking it costs 50-90 µs on these virtual machines, a dozen times per step. Here a
// waiter first spins (kPauses pauses, then a yield of the core at each check) for at most kSpinLimit, so the short
// waits of balanced lanes end without a sleep, and then blocks on a condition variable, so a thread whose partner
// is descheduled gives its core back.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace gener::core {

class LaneBarrier {
 public:
  static constexpr std::chrono::microseconds kSpinLimit{50};
  static constexpr unsigned kPauses = 64;  // pause-spins before each further check yields the core

  // Blocks until `n` threads (the same n from each) have called wait(n) for this round. Everything a thread wrote
  // before its call is visible to every thread after theirs.
  void wait(int n) {
    if (n <= 1) return;
    const unsigned round = round_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == n - 1) {  // the last one: open the next round
      arrived_.store(0, std::memory_order_relaxed);
      {
        std::lock_guard<std::mutex> lock(mutex_);  // a sleeper checks the round under the lock: no lost wake-up
        round_.store(round + 1, std::memory_order_release);
      }
      cv_.notify_all();
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    for (unsigned i = 1;; ++i) {
      if (round_.load(std::memory_order_acquire) != round) return;
      if (i < kPauses) {
        pause();
        continue;
      }
      std::this_thread::yield();  // a thread waiting for this core (the partner lane, another job) runs now
      if (std::chrono::steady_clock::now() - start > kSpinLimit) break;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return round_.load(std::memory_order_acquire) != round; });
  }

 private:
  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> round_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace gener::core
