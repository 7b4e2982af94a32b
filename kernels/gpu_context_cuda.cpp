// gpu_context_cuda.cpp — GpuContext: stream, cuBLAS/cuDNN handles bound to it, stream-ordered workspace.
#include "kernels/gpu_context.h"

#include <cublas_v2.h>
#include <cudnn.h>

#include <utility>

#include "kernels/cuda_check.h"

namespace gener::kernels {

GpuContext::GpuContext(const GpuContextOptions& opt) : device_(opt.device) {
  try {
    CUDA_CHECK(cudaSetDevice(device_));
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasCreate(&cublas_));
    CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
    // An explicit cuBLAS workspace (32 MiB, NVIDIA's advice for Hopper), set after the stream: cuBLAS then takes
    // no memory of its own while a CUDA graph of the training step is being captured.
    constexpr size_t kCublasWorkspace = size_t{32} << 20;
    CUDA_CHECK(cudaMalloc(&cublas_workspace_, kCublasWorkspace));
    CUBLAS_CHECK(cublasSetWorkspace(cublas_, cublas_workspace_, kCublasWorkspace));
    CUBLAS_CHECK(cublasSetPointerMode(cublas_, CUBLAS_POINTER_MODE_HOST));
    CUDNN_CHECK(cudnnCreate(&cudnn_));
    CUDNN_CHECK(cudnnSetStream(cudnn_, stream_));
    set_tf32(opt.allow_tf32);
  } catch (...) {
    release();
    throw;
  }
}

GpuContext::~GpuContext() { release(); }

GpuContext::GpuContext(GpuContext&& other) noexcept
    : device_(std::exchange(other.device_, -1)),
      tf32_(other.tf32_),
      stream_(std::exchange(other.stream_, nullptr)),
      cublas_(std::exchange(other.cublas_, nullptr)),
      cudnn_(std::exchange(other.cudnn_, nullptr)),
      workspace_(std::exchange(other.workspace_, nullptr)),
      workspace_bytes_(std::exchange(other.workspace_bytes_, 0)),
      cublas_workspace_(std::exchange(other.cublas_workspace_, nullptr)) {}

GpuContext& GpuContext::operator=(GpuContext&& other) noexcept {
  if (this != &other) {
    release();
    device_ = std::exchange(other.device_, -1);
    tf32_ = other.tf32_;
    stream_ = std::exchange(other.stream_, nullptr);
    cublas_ = std::exchange(other.cublas_, nullptr);
    cudnn_ = std::exchange(other.cudnn_, nullptr);
    workspace_ = std::exchange(other.workspace_, nullptr);
    workspace_bytes_ = std::exchange(other.workspace_bytes_, 0);
    cublas_workspace_ = std::exchange(other.cublas_workspace_, nullptr);
  }
  return *this;
}

void GpuContext::set_tf32(bool on) {
  CUBLAS_CHECK(cublasSetMathMode(cublas_, on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  tf32_ = on;
}

void* GpuContext::workspace(size_t bytes) {
  if (bytes <= workspace_bytes_) return workspace_;
  const size_t grown = bytes + bytes / 4;  // head-room so slowly growing requests do not reallocate often
  if (workspace_ != nullptr) {
    CUDA_CHECK(cudaFreeAsync(workspace_, stream_));  // after all queued work that may still read it
    workspace_ = nullptr;
    workspace_bytes_ = 0;
  }
  CUDA_CHECK(cudaMallocAsync(&workspace_, grown, stream_));
  workspace_bytes_ = grown;
  return workspace_;
}

void GpuContext::synchronize() { CUDA_CHECK(cudaStreamSynchronize(stream_)); }

void GpuContext::release() noexcept {
  if (device_ >= 0 && stream_ != nullptr) {
    GENER_CUDA_WARN(cudaSetDevice(device_) == cudaSuccess, "cudaSetDevice");
    GENER_CUDA_WARN(cudaStreamSynchronize(stream_) == cudaSuccess, "cudaStreamSynchronize");
  }
  if (workspace_ != nullptr) GENER_CUDA_WARN(cudaFreeAsync(workspace_, stream_) == cudaSuccess, "cudaFreeAsync");
  if (cudnn_ != nullptr) GENER_CUDA_WARN(cudnnDestroy(cudnn_) == CUDNN_STATUS_SUCCESS, "cudnnDestroy");
  if (cublas_ != nullptr) GENER_CUDA_WARN(cublasDestroy(cublas_) == CUBLAS_STATUS_SUCCESS, "cublasDestroy");
  if (cublas_workspace_ != nullptr) GENER_CUDA_WARN(cudaFree(cublas_workspace_) == cudaSuccess, "cudaFree");
  if (stream_ != nullptr) {
    GENER_CUDA_WARN(cudaStreamSynchronize(stream_) == cudaSuccess, "cudaStreamSynchronize");
    GENER_CUDA_WARN(cudaStreamDestroy(stream_) == cudaSuccess, "cudaStreamDestroy");
  }
  workspace_ = nullptr;
  workspace_bytes_ = 0;
  cudnn_ = nullptr;
  cublas_ = nullptr;
  cublas_workspace_ = nullptr;
  stream_ = nullptr;
}

}  // namespace gener::kernels
