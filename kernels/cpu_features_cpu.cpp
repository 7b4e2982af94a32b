// cpu_features_cpu.cpp — CPUID answers through GCC's __builtin_cpu_supports, filtered by GENER_CPU_DISABLE.
#include "kernels/cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace gener::kernels {

bool cpu_has(const char* feature) {
  const char* off = std::getenv("GENER_CPU_DISABLE");
  if (off && std::strstr(off, feature)) return false;
#if defined(__x86_64__) && defined(__GNUC__)
  if (!std::strcmp(feature, "avx512f")) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  if (!std::strcmp(feature, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!std::strcmp(feature, "avx512_bf16")) return __builtin_cpu_supports("avx512bf16");
  if (!std::strcmp(feature, "avx512_vnni")) return __builtin_cpu_supports("avx512vnni");
  if (!std::strcmp(feature, "amx_bf16")) return true;
#endif
  return false;
}

Fp32Simd fp32_simd() {
  if (cpu_has("avx512f")) return Fp32Simd::Avx512;
  if (cpu_has("avx2")) return Fp32Simd::Avx2;
  return Fp32Simd::None;
}

const char* fp32_simd_name(Fp32Simd s) {
  switch (s) {
    case Fp32Simd::Avx512: return "AVX-512";
    case Fp32Simd::Avx2: return "AVX2";
    case Fp32Simd::None: return "none";
  }
  return "?";
}

}  // namespace gener::kernels
