// cuda_probe.cu — device probe that treats every CUDA error as "no GPU".
#include <cuda_runtime.h>
#include "kernels/cuda_probe.h"

namespace gener::kernels {

int cuda_device_count_safe() {
  int count = 0;  // cudaGetDeviceCount leaves this untouched on error
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky-free error so later calls do not report it
    return 0;
  }
  return count > 0 ? count : 0;
}

}  // namespace gener::kernels
