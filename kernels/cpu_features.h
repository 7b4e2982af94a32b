// cpu_features.h — run-time CPU feature detection for the kernels, with the GENER_CPU_DISABLE override (a list of
// feature names that then count as absent, so that tests and users can force every fallback on any CPU).
#pragma once

namespace gener::kernels {

// Whether this CPU has `feature` and GENER_CPU_DISABLE does not name it. Names: "avx512f" (AVX-512F and BW),
// "avx2" (AVX2 and FMA), "avx512_bf16", "avx512_vnni", "amx_bf16" (only the override: the CPU and the kernel's
// grant are asked by amx::tiles_granted). The environment is read on every call.
bool cpu_has(const char* feature);

// The vector instructions the fp32 kernels (direct convolution, dense rows) run on here: AVX-512F, else AVX2 + FMA,
// else none (the sgemm paths). Both vector widths compute every output as the same chain of FMAs, so they give the
// same bits.
enum class Fp32Simd { None, Avx2, Avx512 };
Fp32Simd fp32_simd();
const char* fp32_simd_name(Fp32Simd s);  // "AVX-512", "AVX2", "none"

}  // namespace gener::kernels
