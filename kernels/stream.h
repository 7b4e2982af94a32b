// stream.h — forward declaration of the CUDA stream type so kernel headers stay CUDA-free.
#pragma once
struct CUstream_st;
namespace gener::kernels {
using Stream = CUstream_st*;  // identical to cudaStream_t
}
