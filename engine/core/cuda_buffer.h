// cuda_buffer.h — RAII owners for CUDA memory (device or pinned host) and a timing-free event. CUDA builds only.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

#include "kernels/cuda_check.h"

namespace gener::core::gpumem {

// n elements of device memory (cudaMalloc), or of pinned host memory (cudaMallocHost). Not copyable.
template <typename T, bool Pinned>
class Buffer {
 public:
  Buffer() = default;
  ~Buffer() { release(); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void reset(size_t n) {
    release();
    if (n == 0) return;
    void* p = nullptr;
    if (Pinned)
      CUDA_CHECK(cudaMallocHost(&p, n * sizeof(T)));
    else
      CUDA_CHECK(cudaMalloc(&p, n * sizeof(T)));
    p_ = static_cast<T*>(p);
    n_ = n;
  }
  T* get() const { return p_; }
  size_t size() const { return n_; }

 private:
  void release() noexcept {
    if (p_ != nullptr) {
      if (Pinned)
        GENER_CUDA_WARN(cudaFreeHost(p_) == cudaSuccess, "cudaFreeHost");
      else
        GENER_CUDA_WARN(cudaFree(p_) == cudaSuccess, "cudaFree");
    }
    p_ = nullptr;
    n_ = 0;
  }
  T* p_ = nullptr;
  size_t n_ = 0;
};
template <typename T>
using DeviceBuffer = Buffer<T, false>;
template <typename T>
using PinnedBuffer = Buffer<T, true>;

// A timing-free CUDA event.
class Event {
 public:
  Event() { CUDA_CHECK(cudaEventCreateWithFlags(&e_, cudaEventDisableTiming)); }
  ~Event() { GENER_CUDA_WARN(cudaEventDestroy(e_) == cudaSuccess, "cudaEventDestroy"); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return e_; }

 private:
  cudaEvent_t e_ = nullptr;
};

}  // namespace gener::core::gpumem
