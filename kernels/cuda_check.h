// cuda_check.h — CUDA_CHECK / CUBLAS_CHECK / CUDNN_CHECK (throw gener::Error with expression and file:line),
// CUDA_CHECK_LAUNCH() after every kernel launch, and GENER_CUDA_WARN for destructors (logs, never throws).
#pragma once
#include <cuda_runtime.h>
#include <cstdio>
#include <string>
#include "kernels/check.h"

// CUDA runtime call; any error throws. Also used as CUDA_CHECK(cudaGetLastError()) after launches.
#define CUDA_CHECK(expr)                                                                                  \
  do {                                                                                                    \
    const cudaError_t gener_cuda_err_ = (expr);                                                           \
    if (gener_cuda_err_ != cudaSuccess)                                                                   \
      ::gener::detail::throw_error(__FILE__, __LINE__,                                                    \
                                   std::string("CUDA error ") + cudaGetErrorName(gener_cuda_err_) + " (" + \
                                       cudaGetErrorString(gener_cuda_err_) + ") in " #expr);              \
  } while (0)

// Put right after every <<<...>>> launch, inside the launcher: a failure names the launcher (the kernel's host
// function, via __func__) and carries the CUDA error. Debug builds (no NDEBUG) or GENER_CUDA_SYNC_LAUNCHES also
// wait for the kernel, so a fault inside it is reported here, under its own name, not at a later call (such builds
// run without CUDA graphs: a synchronisation cannot be captured).
#if !defined(NDEBUG) || defined(GENER_CUDA_SYNC_LAUNCHES)
#define GENER_CUDA_LAUNCH_SYNC_ 1
#else
#define GENER_CUDA_LAUNCH_SYNC_ 0
#endif
#define CUDA_CHECK_LAUNCH()                                                                                    \
  do {                                                                                                         \
    cudaError_t gener_launch_err_ = cudaGetLastError();                                                        \
    if (gener_launch_err_ == cudaSuccess && GENER_CUDA_LAUNCH_SYNC_) gener_launch_err_ = cudaDeviceSynchronize(); \
    if (gener_launch_err_ != cudaSuccess)                                                                      \
      ::gener::detail::throw_error(__FILE__, __LINE__,                                                         \
                                   std::string("CUDA error ") + cudaGetErrorName(gener_launch_err_) + " (" +   \
                                       cudaGetErrorString(gener_launch_err_) + ") in the kernel launched by " + \
                                       __func__);                                                              \
  } while (0)

// cuBLAS call; expand only where <cublas_v2.h> is included.
#define CUBLAS_CHECK(expr)                                                                         \
  do {                                                                                             \
    const cublasStatus_t gener_cublas_st_ = (expr);                                                \
    if (gener_cublas_st_ != CUBLAS_STATUS_SUCCESS)                                                 \
      ::gener::detail::throw_error(__FILE__, __LINE__,                                             \
                                   std::string("cuBLAS error ") +                                  \
                                       cublasGetStatusName(gener_cublas_st_) + " (" +              \
                                       cublasGetStatusString(gener_cublas_st_) + ") in " #expr);   \
  } while (0)

// cuDNN call; expand only where <cudnn.h> is included. cuDNN 9's last-error text says what it rejected.
#if defined(CUDNN_MAJOR) && CUDNN_MAJOR >= 9
#define GENER_CUDNN_LAST_ERROR_()                                                 \
  ([]() {                                                                         \
    char gener_cudnn_msg_[512] = {0};                                             \
    cudnnGetLastErrorString(gener_cudnn_msg_, sizeof gener_cudnn_msg_);            \
    return gener_cudnn_msg_[0] ? std::string(": ") + gener_cudnn_msg_ : std::string(); \
  }())
#else
#define GENER_CUDNN_LAST_ERROR_() std::string()
#endif
#define CUDNN_CHECK(expr)                                                                            \
  do {                                                                                               \
    const cudnnStatus_t gener_cudnn_st_ = (expr);                                                    \
    if (gener_cudnn_st_ != CUDNN_STATUS_SUCCESS)                                                     \
      ::gener::detail::throw_error(__FILE__, __LINE__,                                               \
                                   std::string("cuDNN error ") + cudnnGetErrorString(gener_cudnn_st_) + \
                                       " in " #expr + GENER_CUDNN_LAST_ERROR_());                    \
  } while (0)

// For destructors and other no-throw paths: evaluate `ok_expr` (true on success) and log a failure.
#define GENER_CUDA_WARN(ok_expr, what)                                                          \
  do {                                                                                          \
    if (!(ok_expr)) std::fprintf(stderr, "gener: warning: %s failed [%s:%d]\n", what, __FILE__, __LINE__); \
  } while (0)
