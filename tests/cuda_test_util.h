// cuda_test_util.h — helpers for the Cuda suites: the skip guard (no device / built without CUDA) and, in CUDA
// builds, a device buffer whose copies are ordered on a stream and synchronised.
#pragma once
#include <gtest/gtest.h>

#include "kernels/cuda_probe.h"

// GENER_RUN_ON_CUDA(call): the first statement of every Cuda test. Skips without a usable device, or in a build
// without CUDA (where `call` is not compiled at all); otherwise runs `call`, a void function using EXPECT/ASSERT.
#if defined(GENER_HAVE_CUDA)
#define GENER_RUN_ON_CUDA(call)                                                                      \
  do {                                                                                               \
    if (::gener::kernels::cuda_device_count_safe() == 0) GTEST_SKIP() << "no CUDA device";           \
    call;                                                                                            \
  } while (0)
#else
#define GENER_RUN_ON_CUDA(call) GTEST_SKIP() << "built without CUDA"
#endif

#if defined(GENER_HAVE_CUDA)
#include <cuda_runtime.h>

#include <cstddef>
#include <vector>

#include "kernels/cuda_check.h"
#include "kernels/stream.h"

namespace gener::test {

// Owns n elements of device memory. Copies go through `stream` and wait for it, so they are ordered with the
// kernels under test (which run on a non-blocking stream).
template <typename T>
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t n) : n_(n) {
    if (n_ > 0) CUDA_CHECK(cudaMalloc(&p_, n_ * sizeof(T)));
  }
  DeviceBuffer(const std::vector<T>& host, kernels::Stream stream) : DeviceBuffer(host.size()) {
    upload(host, stream);
  }
  ~DeviceBuffer() {
    if (p_ != nullptr) GENER_CUDA_WARN(cudaFree(p_) == cudaSuccess, "cudaFree");
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* get() const { return p_; }
  size_t size() const { return n_; }

  void upload(const std::vector<T>& host, kernels::Stream stream) {
    GENER_CHECK(host.size() == n_, "DeviceBuffer::upload: size " << host.size() << " != " << n_);
    if (n_ == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(p_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  std::vector<T> download(kernels::Stream stream) const {
    std::vector<T> host(n_);
    if (n_ == 0) return host;
    CUDA_CHECK(cudaMemcpyAsync(host.data(), p_, n_ * sizeof(T), cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    return host;
  }
  // All bytes 0xFF: NaN for floats, so an output element a kernel forgot to write fails all_close.
  void poison(kernels::Stream stream) {
    if (n_ > 0) CUDA_CHECK(cudaMemsetAsync(p_, 0xFF, n_ * sizeof(T), stream));
  }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace gener::test
#endif  // GENER_HAVE_CUDA
