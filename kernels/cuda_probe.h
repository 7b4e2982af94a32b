// cuda_probe.h — how many CUDA devices are usable: 0 on any CUDA error (no driver, no device) or without CUDA.
#pragma once

namespace gener::kernels {

#if defined(GENER_HAVE_CUDA)
// Never throws. On a machine with the toolkit but no driver, cudaGetDeviceCount fails (error 35) and
// leaves its output untouched; that and every other error read as "no GPU".
int cuda_device_count_safe();
#else
inline int cuda_device_count_safe() { return 0; }  // built without the CUDA backend
#endif

}  // namespace gener::kernels
