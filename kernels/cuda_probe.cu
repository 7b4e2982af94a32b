// cuda_probe.cu — device probe that treats every CUDA error as "no GPU" and keeps the error's name and text.
#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda_probe.h"

namespace gener::kernels {

CudaProbe cuda_probe() {
  int count = 0;  // cudaGetDeviceCount leaves this untouched on error
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // clear the (non-sticky) error so later calls do not report it
    return {0, std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) +
                   ", error " + std::to_string(static_cast<int>(err)) + ")"};
  }
  if (count <= 0) return {0, "cudaGetDeviceCount found no CUDA device"};
  return {count, ""};
}

}  // namespace gener::kernels
