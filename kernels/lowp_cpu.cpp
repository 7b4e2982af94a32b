// lowp_cpu.cpp — reduced-precision plumbing: precision names, which precisions this CPU runs (cpu_features.h), bf16
// rounding, and the one-time weight packing for the bf16 / int8 kernels (lowp_kernels_cpu.cpp).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/check.h"
#include "kernels/cpu_features.h"
#include "kernels/lowp.h"
#include "kernels/lowp_amx.h"

namespace gener::kernels {

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::Fp32: return "fp32";
    case Precision::Bf16: return "bf16";
    case Precision::Int8: return "int8";
  }
  return "?";
}

Precision parse_precision(const std::string& s) {
  if (s == "fp32") return Precision::Fp32;
  if (s == "bf16") return Precision::Bf16;
  if (s == "int8") return Precision::Int8;
  GENER_THROW("--precision: '" << s << "' is not one of fp32, bf16, int8");
}


bool precision_supported(Precision p) {
  switch (p) {
    case Precision::Fp32: return true;
    case Precision::Bf16: return cpu_has("avx512f") && cpu_has("avx512_bf16");
    case Precision::Int8: return cpu_has("avx512f") && cpu_has("avx512_vnni");
  }
  return false;
}

Precision resolve_precision(Precision p, std::string* note) {
  if (precision_supported(p)) return p;
  if (note)
    *note = std::string("this CPU lacks ") + (p == Precision::Bf16 ? "AVX512-BF16" : "AVX-512 VNNI") + ": --precision " +
            precision_name(p) + " falls back to fp32";
  return Precision::Fp32;
}

bool amx_bf16_available() { return cpu_has("amx_bf16") && amx::tiles_granted(); }

bool lowp_packs_for_amx(Precision p, LowpKernel k) {
  return p == Precision::Bf16 && k == LowpKernel::Best && amx_bf16_available();
}

int lowp_group(Precision p) { return p == Precision::Int8 ? 4 : p == Precision::Bf16 ? 2 : 1; }

bool fp32_dense_fast_available() { return fp32_simd() != Fp32Simd::None; }

uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);                                                       // nearest, ties to even
  return static_cast<uint16_t>(u >> 16);
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

namespace {
constexpr int kConvBlock = 8;    // output channels per conv register block (the kernels' kNB)
constexpr int kDenseBlock = 16;  // output units per dense vector

// lw.w [group][padded_out] = the G values value(o, g, e), e < G, of output o's reduction group g (zero past the real
// reduction: value returns 0 there). int8: a symmetric scale per output (127 levels) and the sum of its codes.
template <class Value>
void pack_groups(LowpWeights& lw, int groups, int padded_out, Value value) {
  const int G = lowp_group(lw.prec);
  lw.w.assign(static_cast<size_t>(groups) * padded_out, 0u);
  if (lw.prec == Precision::Int8) {
    lw.w_scale.assign(static_cast<size_t>(lw.out), 1.f);
    lw.w_sum.assign(static_cast<size_t>(lw.out), 0);
    for (int o = 0; o < lw.out; ++o) {
      float m = 0.f;
      for (int g = 0; g < groups; ++g)
        for (int e = 0; e < G; ++e) m = std::max(m, std::fabs(value(o, g, e)));
      if (m > 0.f) lw.w_scale[o] = m / 127.f;
    }
  }
  for (int g = 0; g < groups; ++g)
    for (int o = 0; o < lw.out; ++o) {
      uint32_t word = 0;
      for (int e = 0; e < G; ++e) {
        const float v = value(o, g, e);
        if (lw.prec == Precision::Fp32) {
          std::memcpy(&word, &v, 4);
        } else if (lw.prec == Precision::Int8) {
          const int q = static_cast<int>(std::clamp(std::nearbyint(v / lw.w_scale[o]), -127.f, 127.f));
          lw.w_sum[o] += q;
          word |= static_cast<uint32_t>(static_cast<uint8_t>(static_cast<int8_t>(q))) << (8 * e);
        } else {
          word |= static_cast<uint32_t>(float_to_bf16(v)) << (16 * e);
        }
      }
      lw.w[static_cast<size_t>(g) * padded_out + o] = word;
    }
}

// Per-output vectors padded to the packed width (bias 0, scale 1, sum 0), so the kernels load them whole.
void pad_vectors(LowpWeights& lw, int padded_out) {
  lw.bias.resize(static_cast<size_t>(padded_out), 0.f);
  if (lw.prec == Precision::Int8) {
    lw.w_scale.resize(static_cast<size_t>(padded_out), 1.f);
    lw.w_sum.resize(static_cast<size_t>(padded_out), 0);
  }
}
}  // namespace

LowpWeights conv1row_lowp_pack(Precision p, int c_out, int c_in, int kw, const float* w, const float* b,
                               LowpKernel kernel) {
  GENER_CHECK(p != Precision::Fp32, "conv1row_lowp_pack: fp32 has no packed form");
  LowpWeights lw;
  lw.prec = p;
  lw.amx = lowp_packs_for_amx(p, kernel);
  lw.out = c_out;
  lw.c_in = c_in;
  lw.kw = kw;
  lw.k = c_in * kw;
  lw.bias.assign(b, b + c_out);
  if (lw.amx) {
    // [output block of 16][chunk of 32 values][value pair][output in block]: value e = tap * Cp + channel.
    const int cp = amx::conv_channels(c_in), nq = amx::conv_chunks(kw, cp);
    const int po = amx::round_up(c_out, amx::kTile);
    lw.w.assign(static_cast<size_t>(po) * nq * amx::kTileK / 2, 0u);
    auto value = [&](int o, int e) {
      const int k = e / cp, c = e % cp;
      return k < kw && c < c_in ? w[(static_cast<size_t>(o) * c_in + c) * kw + k] : 0.f;
    };
    for (int o = 0; o < c_out; ++o)
      for (int q = 0; q < nq; ++q)
        for (int r = 0; r < amx::kTileK / 2; ++r) {
          const int e = q * amx::kTileK + 2 * r;
          const uint32_t word = static_cast<uint32_t>(float_to_bf16(value(o, e))) |
                                static_cast<uint32_t>(float_to_bf16(value(o, e + 1))) << 16;
          lw.w[((static_cast<size_t>(o / amx::kTile) * nq + q) * (amx::kTileK / 2) + r) * amx::kTile +
               o % amx::kTile] = word;
        }
    pad_vectors(lw, po);
    return lw;
  }
  const int G = lowp_group(p), cg = (c_in + G - 1) / G, pc = (c_out + kConvBlock - 1) / kConvBlock * kConvBlock;
  // w (C_out, C_in, 1, KW) → [channel group][tap][C_out padded to 8]: a group is G channels at one tap.
  pack_groups(lw, cg * kw, pc, [&](int o, int g, int e) {
    const int c = (g / kw) * G + e, k = g % kw;
    return c < c_in ? w[(static_cast<size_t>(o) * c_in + c) * kw + k] : 0.f;
  });
  pad_vectors(lw, pc);
  return lw;
}

LowpWeights conv_full_height_pack(int c_out, int c_in, int kh, int kw, const float* w, const float* b) {
  LowpWeights lw;
  lw.prec = Precision::Bf16;  // of its output; the arithmetic is fp32
  lw.amx = true;
  lw.out = c_out;
  lw.c_in = c_in;
  lw.kh = kh;
  lw.kw = kw;
  lw.k = c_in * kh * kw;
  lw.bias.assign(b, b + c_out);
  // [tap (channel, row, column)][C_out padded to 16]: fp32 bits.
  const int po = amx::round_up(c_out, amx::kTile);
  lw.w.assign(static_cast<size_t>(lw.k) * po, 0u);
  for (int o = 0; o < c_out; ++o)
    for (int t = 0; t < lw.k; ++t) std::memcpy(&lw.w[static_cast<size_t>(t) * po + o], &w[static_cast<size_t>(o) * lw.k + t], 4);
  pad_vectors(lw, po);
  return lw;
}

LowpWeights dense_lowp_pack(Precision p, int out, int in, const float* w, const float* b, LowpKernel kernel) {
  LowpWeights lw;
  lw.prec = p;
  lw.amx = lowp_packs_for_amx(p, kernel);
  lw.out = out;
  lw.k = in;
  lw.bias.assign(b, b + out);
  const int G = lowp_group(p);
  // AMX reads the reduction in whole tiles of 16 pairs: the groups past the last are zero weights.
  const int groups = lw.amx ? amx::round_up((in + G - 1) / G, amx::kTile) : (in + G - 1) / G;
  const int po = (out + kDenseBlock - 1) / kDenseBlock * kDenseBlock;
  // w (out, in) → [group of G inputs][out padded to 16].
  pack_groups(lw, groups, po, [&](int o, int g, int e) {
    const int r = g * G + e;
    return r < in ? w[static_cast<size_t>(o) * in + r] : 0.f;
  });
  pad_vectors(lw, po);
  return lw;
}

}  // namespace gener::kernels
