// gpu_context.h — all GPU state of one worker: device, stream, cuBLAS and cuDNN handles bound to the stream,
// and a growable device workspace. Move-only, passed explicitly; CUDA-header-free so any code may include it.
#pragma once
#include <cstddef>
#include "kernels/stream.h"

struct cublasContext;  // cublasHandle_t is cublasContext*
struct cudnnContext;   // cudnnHandle_t is cudnnContext*

namespace gener::kernels {

struct GpuContextOptions {
  int device = 0;
  // TF32 tensor-core math for cuBLAS GEMMs and cuDNN convolutions. Off by default: fp32 results
  // then match the CPU reference to fp32 tolerances.
  bool allow_tf32 = false;
};

class GpuContext {
 public:
  // Selects the device, creates a non-blocking stream and both handles bound to it. Throws gener::Error.
  explicit GpuContext(const GpuContextOptions& opt = GpuContextOptions());
  ~GpuContext();  // synchronises and releases; logs errors, never throws

  GpuContext(const GpuContext&) = delete;
  GpuContext& operator=(const GpuContext&) = delete;
  GpuContext(GpuContext&& other) noexcept;
  GpuContext& operator=(GpuContext&& other) noexcept;

  int device() const { return device_; }
  Stream stream() const { return stream_; }
  cublasContext* cublas() const { return cublas_; }
  cudnnContext* cudnn() const { return cudnn_; }

  bool tf32() const { return tf32_; }
  // Switches cuBLAS math mode; cuDNN convolution plans record the mode they were built with.
  void set_tf32(bool on);

  // Device scratch of at least `bytes`, ordered on stream(): grows (stream-ordered free of the old buffer),
  // never shrinks, contents not preserved across growth. Reserve the peak once before a step loop.
  void* workspace(size_t bytes);
  size_t workspace_bytes() const { return workspace_bytes_; }

  // Blocks until all work queued on stream() has finished; throws on an asynchronous error.
  void synchronize();

 private:
  void release() noexcept;

  int device_ = -1;
  bool tf32_ = false;
  Stream stream_ = nullptr;
  cublasContext* cublas_ = nullptr;
  cudnnContext* cudnn_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspace_bytes_ = 0;
  void* cublas_workspace_ = nullptr;  // given to cuBLAS, so it never allocates inside a captured CUDA graph
};

}  // namespace gener::kernels
