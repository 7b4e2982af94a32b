// conv2d_direct.h — direct AVX-512 / AVX2 convolution for layers whose output height is 1 (every GENER conv), with a
// fused bias → activation → per-channel affine epilogue. Used by conv2d_cpu.cpp when the CPU supports it.
#pragma once
#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/cpu_features.h"

namespace gener::kernels {

// The instructions conv2d_direct_sample runs shape `s` on here: fp32_simd() for an output height of 1, else None.
// Asked once per layer call (it reads GENER_CPU_DISABLE) and handed to the per-sample calls.
Fp32Simd conv2d_direct_isa(const Conv2dShape& s);
bool conv2d_direct_available(const Conv2dShape& s);  // conv2d_direct_isa(s) != None

// Floats of packed weights conv2d_direct_pack needs: taps (C_in*KH*KW) x C_out rounded up to 8.
size_t conv2d_direct_packed_floats(const Conv2dShape& s);
// Repack w (C_out, C_in, KH, KW) as [tap][C_out padded to a multiple of 8] for broadcast loads.
void conv2d_direct_pack(const Conv2dShape& s, const float* w, float* packed);

// One sample: y (C_out, W_out) = epilogue(conv(x (C_in, H, W), packed) + b) where the epilogue is
// act(v) * scale[c] + shift[c]; scale/shift null means identity (plain conv + bias). `isa`: conv2d_direct_isa(s),
// not None. With `stats` (C_out x 2 doubles), also per channel the sum and the sum of squares of stats_act(y).
// next_y: where the next sample's y goes, asked for (to be written, into L2) line by line as this y is stored: a
// batch's outputs too big for the caches then find their lines at hand (AVX-512 only; null: none).
void conv2d_direct_sample(const Conv2dShape& s, const float* x, const float* packed, const float* b, Activation act,
                          const float* scale, const float* shift, float* y, Fp32Simd isa,
                          Activation stats_act = Activation::None, double* stats = nullptr, float* next_y = nullptr);

// Backward data (same availability). dx of one sample is the direct convolution of dy, padded by KW - 1 zeros on each
// side, with the kernel flipped along W and transposed (C_out in, C_in * KH out): conv2d_direct_dx_shape.
Conv2dShape conv2d_direct_dx_shape(const Conv2dShape& s);
size_t conv2d_direct_dx_packed_floats(const Conv2dShape& s);
void conv2d_direct_dx_pack(const Conv2dShape& s, const float* w, float* packed);
// Floats of the padded dy one sample needs (0 for KW == 1, which runs on dy itself).
size_t conv2d_direct_dy_pad_floats(const Conv2dShape& s);
// dx (C_in, H, W) of one sample from dy (C_out, W_out); `pad` holds conv2d_direct_dy_pad_floats floats.
void conv2d_direct_dx_sample(const Conv2dShape& s, const float* dy, const float* packed, float* pad, float* dx,
                             Fp32Simd isa);

// Backward weights of one sample on AVX-512 (output height 1): dw (C_out, C_in, KH, KW) += dy (C_out, W_out) · the
// taps of x (C_in, H, W), with no im2col: blocks of 4 output channels x 6 taps in 24 accumulators, 16 positions per
// step. Whether it runs here: conv2d_direct_dw_available (AVX-512 and an output height of 1).
bool conv2d_direct_dw_available(const Conv2dShape& s);
void conv2d_direct_dw_sample(const Conv2dShape& s, const float* x, const float* dy, float* dw);

}  // namespace gener::kernels
