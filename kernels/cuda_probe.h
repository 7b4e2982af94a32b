// cuda_probe.h — how many CUDA devices are usable, and why none is: the CUDA error behind a failed probe (no
// driver, a driver too old, no device) is kept, so a broken driver never reads as a plain "no GPU".
#pragma once
#include <string>

namespace gener::kernels {

struct CudaProbe {
  int devices = 0;     // usable devices; 0 on any error
  std::string reason;  // empty when devices > 0; otherwise what the probe saw, with the CUDA error name and text
};

#if defined(GENER_HAVE_CUDA)
// Never throws. On a machine with the toolkit but no driver, cudaGetDeviceCount fails (error 35) and leaves
// its output untouched; that and every other error count as no device, with the error in `reason`.
CudaProbe cuda_probe();
#else
inline CudaProbe cuda_probe() { return {0, "this gener was built without CUDA"}; }
#endif
inline int cuda_device_count_safe() { return cuda_probe().devices; }

}  // namespace gener::kernels
