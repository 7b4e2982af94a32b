// conv_chain_fp32.h — fp32 convolutions (output height 1) for scoring on CPUs with AVX2 + FMA or AVX-512, that hand
// their activations from one convolution to the next position-major: a sample's output is (W_out, Cs), Cs = C_out
// rounded up to 8, so the output channels of a position are one or two vectors. The AVX2 kernel keeps 12
// accumulators (6 positions x 16 channels, or 12 x 8), the AVX-512 one 24 (24 positions x 16 channels, or 12 x 32),
// and both broadcast one input value per position and tap: aligned weight loads and no unaligned vector loads,
// where the direct kernel's position vectors (conv2d_direct.h) split cache lines.
// Each output is the same FMA chain as the direct kernels' (taps in (channel, row, column) order from zero, then
// + bias, then the activation), so the two give the same bits.
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/aligned_vector.h"
#include "kernels/batchnorm.h"

namespace gener::kernels {

struct ConvChainWeights {
  int c_out = 0, c_in = 0, kh = 1, kw = 1;
  int w_in = 0;              // input width W
  bool in_position_major = false;  // input (W, Cs_in) per sample (a chain convolution's output), else (C_in, KH, W)
  int cs_in = 0;             // position-major input: its channel stride (C_in rounded up to 8)
  int cs_out = 0;            // C_out rounded up to 8
  AlignedVector<float> w;     // [tap (channel, row, column)][cs_out], zero past C_out
  AlignedVector<float> bias;  // (cs_out), zero past C_out
  std::vector<int> offset;   // per tap: its input's offset from the position's first value
  int w_out() const { return w_in - kw + 1; }
};

// The input channel stride of a position-major activation with c channels.
inline int conv_chain_stride(int c) { return (c + 7) / 8 * 8; }

// w (C_out, C_in, KH, KW), b (C_out); input height KH (the output height is 1). in_position_major: the input is
// another chain convolution's output (then KH must be 1).
ConvChainWeights conv_chain_pack(int c_out, int c_in, int kh, int kw, int w_in, bool in_position_major,
                                 const float* w, const float* b);

// Floats of a batch of n position-major outputs.
size_t conv_chain_out_floats(const ConvChainWeights& cw, int n);

// n samples: y = act(conv(x) + b). x: (N, C_in, KH, W) or, in_position_major, (N, W, Cs_in). y: position-major
// (N, W_out, Cs_out) when out_position_major, else (N, C_out, W_out). Needs fp32_simd() == Avx2 or better.
void conv_chain_forward(const ConvChainWeights& cw, int n, const float* x, Activation act, bool out_position_major,
                        float* y);

// conv1 → conv2 as one pass on AVX-512 (2 taps over a channel-major input into 16 channels, then 3 taps into 16):
// first's output stays in a block buffer in L1. The same bits as the two conv_chain_forward calls it replaces.
bool conv_chain_fusable(const ConvChainWeights& first, const ConvChainWeights& second);
// y: second's position-major output (N, W_out, 16). Throws unless conv_chain_fusable.
void conv_chain_forward_fused(const ConvChainWeights& first, const ConvChainWeights& second, int n, const float* x,
                              Activation act1, Activation act2, float* y);

}  // namespace gener::kernels
