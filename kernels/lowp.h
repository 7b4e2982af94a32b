// lowp.h — reduced-precision CPU inference kernels: bf16 (AVX512-BF16 vdpbf16ps, or AMX tdpbf16ps tiles where the CPU
// has AMX-BF16; fp32 accumulation) and int8 (AVX-512 VNNI vpdpbusd: u8 activations x s8 weights, int32 accumulation),
// for 1-row convolutions and dense layers.
// Weights are packed once; activations are converted per sample (int8: one scale and zero point per sample, so a
// pair's score never depends on the batch it is in). Outputs are fp32 with the bias and activation applied.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/aligned_vector.h"
#include "kernels/batchnorm.h"

namespace gener::kernels {

enum class Precision { Fp32, Bf16, Int8 };
const char* precision_name(Precision p);
Precision parse_precision(const std::string& s);  // "fp32" | "bf16" | "int8"; a clear error otherwise

// Whether this CPU runs precision p's kernels (fp32: always). Detected at run time; GENER_CPU_DISABLE (a list of
// "avx512_bf16", "avx512_vnni", "avx512f", "avx2", "amx_bf16") makes the named features count as absent, to test the
// fallbacks (cpu_features.h).
bool precision_supported(Precision p);
// The precision to run when p is asked for: p, or Fp32 where the CPU lacks it; `note` then says why.
Precision resolve_precision(Precision p, std::string* note);

// AMX-BF16 tiles usable here: the CPU has AMX-TILE and AMX-BF16, the kernel granted this process the tile state, and
// GENER_CPU_DISABLE does not name "amx_bf16". Asked once per process; the answer is then fixed.
bool amx_bf16_available();
// Which instructions a bf16 layer's weights are packed for: the best this CPU has (AMX, else AVX512-BF16), or
// AVX512-BF16 even where AMX is present (to compare the two). int8 always runs on AVX-512 VNNI.
enum class LowpKernel { Best, Avx512 };
// Whether a layer of precision p packed with `k` runs on AMX tiles (bf16 with AMX here), else on AVX-512.
bool lowp_packs_for_amx(Precision p, LowpKernel k = LowpKernel::Best);

// Values per 32-bit group along the reduction dimension: 1 (fp32), 2 (bf16) or 4 (int8).
int lowp_group(Precision p);

// The fp32 dense kernel below (Precision::Fp32 weights) runs here: AVX-512F or AVX2 + FMA present and not disabled
// (cpu_features.h: fp32_simd). It computes each row on its own in a fixed order, the same on both, so a row's result
// never depends on the rows beside it (sgemm's may) nor on which of the two ran.
bool fp32_dense_fast_available();

// A layer's weights packed for its kernel (built once per parameter set).
struct LowpWeights {
  Precision prec = Precision::Bf16;
  bool amx = false;                // bf16 on AMX tiles (layouts in lowp_amx_cpu.cpp)
  int out = 0, k = 0;              // output channels/units; reduction length (conv: C_in * KW, dense: in)
  int c_in = 0, kw = 1, kh = 1;    // conv only (kh: full-height convolutions)
  std::vector<uint32_t> w;         // groups of lowp_group values, layout per kernel (see the .cpp files)
  std::vector<float> bias;         // (out)
  std::vector<float> w_scale;      // int8: per output, w ≈ q * w_scale
  std::vector<int32_t> w_sum;      // int8: per output, Σ q (the zero-point correction)
};

// Activations of one layer converted for the kernels: per sample a row of `stride` bytes, plus (int8) a scale and
// a zero point per sample. Sized once for a micro-batch.
struct LowpActs {
  AlignedVector<uint8_t> data;  // 64-byte aligned
  std::vector<float> scale;
  std::vector<int32_t> zero;
  size_t stride = 0;  // bytes per sample
  int wpad = 0;       // convolution: positions per channel group (the input width, zero-padded)
  // fp32 dense: the input rows are read where they are (stride k floats); only the rows from in_place_end on (the
  // last, partial register blocks) are copied into data, zero-padded. Null for the other layouts.
  const float* in_place = nullptr;
  int in_place_end = 0;
};

// ---- 1-row convolution: x (N, C_in, W) → y (N, C_out, W - KW + 1), y = act(conv + b) ----
LowpWeights conv1row_lowp_pack(Precision p, int c_out, int c_in, int kw, const float* w, const float* b,
                               LowpKernel kernel = LowpKernel::Best);
// Bytes of LowpActs::data that converting n samples of width w needs (to reserve it once).
size_t conv1row_lowp_bytes(const LowpWeights& lw, int n, int w);
// x (N, C_in, W) fp32 → channel groups interleaved per position: (C_in/G, W + pad, G) per sample.
void conv1row_lowp_convert(const LowpWeights& lw, int n, int w, const float* x, LowpActs& a);
void conv1row_lowp_forward(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act, float* y);

// bf16 on AMX (lw.amx and next.amx): the same convolution, its outputs written in the input layout of the layer that
// reads them, `next`, so that no fp32 tensor lies between the two: a 1-row convolution over this output (next packed
// by conv1row_lowp_pack with next.c_in = C_out), or a dense layer over it flattened (next packed by dense_lowp_pack
// from dense_weights_position_major: input index p * C_out + c instead of c * W_out + p). `out` is then next's input.
void conv1row_lowp_forward_into(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act,
                                const LowpWeights& next, LowpActs& out);
// bf16 on AMX, a convolution whose kernel spans its input's height (the paper's conv1: 2 x 2 over the pair's two
// rows): fp32 arithmetic, its activated output rounded to bf16 straight into the input layout of the 1-row convolution
// on AMX that reads it (`next`). x (N, C_in, KH, W) fp32; weights (C_out, C_in, KH, KW), C_in * KH * KW at most
// kMaxFullHeightTaps.
constexpr int kMaxFullHeightTaps = 64;
LowpWeights conv_full_height_pack(int c_out, int c_in, int kh, int kw, const float* w, const float* b);
void conv_full_height_forward_into(const LowpWeights& lw, int n, int w, const float* x, Activation act,
                                   const LowpWeights& next, LowpActs& out);

// w (out, C * W) in (C, W) input order → the same weights in (W, C) order.
std::vector<float> dense_weights_position_major(const float* w, int out, int channels, int width);

// ---- dense: x (N, K) → y (N, out), y = act(x · Wᵀ + b); also fp32 (Precision::Fp32, see above) ----
LowpWeights dense_lowp_pack(Precision p, int out, int in, const float* w, const float* b,
                            LowpKernel kernel = LowpKernel::Best);
size_t dense_lowp_bytes(const LowpWeights& lw, int n);
void dense_lowp_convert(const LowpWeights& lw, int n, const float* x, LowpActs& a);
void dense_lowp_forward(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y);

// fp32 → bf16, round to nearest even (NaN kept quiet); the conversion every bf16 path uses.
uint16_t float_to_bf16(float f);
float bf16_to_float(uint16_t h);

}  // namespace gener::kernels
