// cuda_test_util.h — helpers for the Cuda suites: the skip guard (no device / built without CUDA) and, in CUDA
// builds, a device buffer whose copies are ordered on a stream and synchronised.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kernels/cuda_probe.h"

namespace gener::test {
// GENER_REQUIRE_GPU=1 (any value but empty or 0) in the environment: a GPU machine's check, where a Cuda test that
// would skip must fail instead (a broken driver or a missing device is then a failure, never a quiet skip).
inline bool gpu_required() {
  const char* v = std::getenv("GENER_REQUIRE_GPU");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}
}  // namespace gener::test

// GENER_SKIP_OR_FAIL(reason << ...): skip the test visibly, or fail it when GENER_REQUIRE_GPU is set.
#define GENER_SKIP_OR_FAIL(reason)                                                  \
  do {                                                                              \
    if (::gener::test::gpu_required())                                              \
      GTEST_FAIL() << "GENER_REQUIRE_GPU is set, but " << reason;                   \
    else                                                                            \
      GTEST_SKIP() << reason;                                                       \
  } while (0)

// GENER_RUN_ON_CUDA(call): the first statement of every Cuda test. Skips without a usable device (saying why: the
// probe's CUDA error), or in a build without CUDA (where `call` is not compiled at all); otherwise runs `call`, a
// void function using EXPECT/ASSERT.
#if defined(GENER_HAVE_CUDA)
#define GENER_RUN_ON_CUDA(call)                                                                      \
  do {                                                                                               \
    const ::gener::kernels::CudaProbe gener_probe_ = ::gener::kernels::cuda_probe();                 \
    if (gener_probe_.devices == 0) GENER_SKIP_OR_FAIL("no usable CUDA device: " << gener_probe_.reason); \
    call;                                                                                            \
  } while (0)
#else
#define GENER_RUN_ON_CUDA(call) GENER_SKIP_OR_FAIL("built without CUDA")
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
