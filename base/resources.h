// resources.h — what this process may use: CPUs (affinity mask, container CPU quota) and memory (what the system
// reports available, a cgroup limit, the address-space limit), the thread count a run takes from them, and the
// one place that turns an allocation failure into a message naming its cause (an option or a file).
#pragma once
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

#include "base/check.h"

namespace gener {

// CPUs this process may run on: the CPUs of its affinity mask, fewer under a cgroup CPU quota; at least 1.
int usable_cpus();

// Threads for a run. requested <= 0: the usable CPUs, shared evenly by the `ranks_sharing` processes of one
// node that were not bound to CPUs of their own. More than the usable CPUs: capped at them (threads beyond the
// cores only contend and each costs memory), with `note` saying so; `note` is empty otherwise.
struct ThreadChoice {
  int threads = 1;
  std::string note;
};
ThreadChoice choose_threads(int requested, int ranks_sharing = 1);

// Bytes this process can still allocate: the least of MemAvailable (/proc/meminfo), a cgroup v2/v1 memory limit
// minus its usage, and RLIMIT_AS minus the current address space; UINT64_MAX when none is known.
uint64_t available_memory_bytes();

// "1.5 GiB", "820 MiB", "12 KiB", "100 bytes".
std::string format_bytes(uint64_t bytes);

// An allocation that does not fit (or failed). with_memory_context() below adds what caused it.
class OutOfMemory : public Error {
 public:
  explicit OutOfMemory(const std::string& what) : Error(what) {}
};

// Throws OutOfMemory "WHAT needs 7.5 GiB but 3.2 GiB of memory is available" when `bytes` exceeds the available
// memory (checked before a large allocation, so the run stops with a message instead of being killed).
void check_memory(uint64_t bytes, const std::string& what);

namespace detail {
[[noreturn]] void throw_out_of_memory(const std::string& cause, const std::string& detail);
}

// Runs fn(); an allocation failure inside it (std::bad_alloc, std::length_error from a container asked for an
// impossible size, OutOfMemory from check_memory) becomes one gener::Error: "CAUSE: out of memory: DETAIL".
// `cause` names what set the size: "--batch 100000000 with 2 threads", "data.npy".
template <typename F>
auto with_memory_context(const std::string& cause, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const OutOfMemory& e) {
    detail::throw_out_of_memory(cause, e.what());
  } catch (const std::bad_alloc&) {
    detail::throw_out_of_memory(cause, "an allocation failed");
  } catch (const std::length_error&) {
    detail::throw_out_of_memory(cause, "a buffer size beyond what can be allocated");
  }
}

}  // namespace gener
