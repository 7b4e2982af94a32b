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

// Put right after every <<<...>>> launch: catches bad configurations and earlier asynchronous faults.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

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

// cuDNN call; expand only where <cudnn.h> is included.
#define CUDNN_CHECK(expr)                                                                            \
  do {                                                                                               \
    const cudnnStatus_t gener_cudnn_st_ = (expr);                                                    \
    if (gener_cudnn_st_ != CUDNN_STATUS_SUCCESS)                                                     \
      ::gener::detail::throw_error(__FILE__, __LINE__,                                               \
                                   std::string("cuDNN error ") + cudnnGetErrorString(gener_cudnn_st_) + \
                                       " in " #expr);                                                \
  } while (0)

// For destructors and other no-throw paths: evaluate `ok_expr` (true on success) and log a failure.
#define GENER_CUDA_WARN(ok_expr, what)                                                          \
  do {                                                                                          \
    if (!(ok_expr)) std::fprintf(stderr, "gener: warning: %s failed [%s:%d]\n", what, __FILE__, __LINE__); \
  } while (0)
