// lowp_amx.h — the AMX-BF16 side of kernels/lowp.h (private to kernels/): layouts and entry points of the tile
// kernels in lowp_amx_cpu.cpp. Tiles are 16 rows x 64 bytes (32 bf16 along the reduction, in pairs); the fp32
// accumulator tile is 16 rows x 16 columns.
//
// Convolution: a sample's activations are position-major, (Wpad, Cp) bf16 with Cp = C_in rounded up to 16, so the
// reduction of output position p over (tap, channel) is the contiguous run x[p .. p + KW)[0 .. Cp): an A tile is 16
// positions (row stride Cp values) by 32 values of that run, and the weights are B tiles of 16 value pairs by 16
// output channels. Dense layers use lowp.h's bf16 layouts unchanged (weights [pair][out padded to 16], which is the
// B-tile layout), with the reduction padded to whole tiles.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/lowp.h"

namespace gener::kernels::amx {

constexpr int kTile = 16;      // rows of a tile; columns of the fp32 accumulator
constexpr int kTileK = 32;     // bf16 values along the reduction per tile row

// Grows a scratch buffer to at least n bytes, never shrinking it (a shrink and regrow would zero-fill it again).
inline void size_at_least(AlignedVector<uint8_t>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

bool tiles_granted();                                  // the CPU has AMX-TILE + AMX-BF16 and the kernel grants them
inline int round_up(int v, int m) { return (v + m - 1) / m * m; }
inline int conv_channels(int c_in) { return round_up(c_in, kTile); }                      // Cp
inline int conv_chunks(int kw, int cp) { return (kw * cp + kTileK - 1) / kTileK; }       // B tiles per 16 outputs
inline int conv_wpad(int w_out, int kw) { return round_up(round_up(w_out, kTile) + kw + 1, kTile); }
inline size_t conv_stride_bytes(const LowpWeights& lw, int w) {
  return static_cast<size_t>(conv_wpad(w - lw.kw + 1, lw.kw)) * conv_channels(lw.c_in) * 2;
}
// Bytes per row of a dense layer's converted input (both kernels): its groups of lowp_group values, 64-aligned.
inline size_t dense_stride_bytes(const LowpWeights& lw) {
  const int G = lowp_group(lw.prec);
  return (static_cast<size_t>((lw.k + G - 1) / G) * 4 + 63) / 64 * 64;
}

void conv_convert(const LowpWeights& lw, int n, int w, const float* x, LowpActs& a);
void conv_forward(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act, float* y);
void conv_forward_into(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act,
                       const LowpWeights& next, LowpActs& out);
void conv_full_height_into(const LowpWeights& lw, int n, int w, const float* x, Activation act,
                           const LowpWeights& next, LowpActs& out);
void dense_forward(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y);

}  // namespace gener::kernels::amx
