// conv_chain_fp32_cpu.cpp — the position-major fp32 convolution of conv_chain_fp32.h on AVX2 + FMA and AVX-512:
// per block of positions and 8, 16 or 32 output channels, one weight vector load and one input broadcast per FMA
// row; the last AVX2 block repeats its last position, the last AVX-512 block is moved back to end at the last
// position (reads stay inside the sample, only real positions are stored). A channel-major output is transposed
// 8 x 8 in registers; on AVX-512 a 1-tap convolution from 16 channels (conv3) holds two positions per vector and
// transposes 64-bit pairs.
#include "kernels/conv_chain_fp32.h"

// GCC 12 flags its own avx512fintrin.h helpers (max, permutes: their _mm512_undefined_* pass-through operand) as
// (maybe-)uninitialized, a known false positive; the warnings are silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/check.h"
#include "kernels/cpu_features.h"

namespace gener::kernels {

ConvChainWeights conv_chain_pack(int c_out, int c_in, int kh, int kw, int w_in, bool in_position_major,
                                 const float* w, const float* b) {
  GENER_CHECK(c_out >= 1 && c_in >= 1 && kh >= 1 && kw >= 1 && w_in >= kw,
              "conv_chain_pack: bad shape " << c_out << " x " << c_in << " x " << kh << " x " << kw << " on width "
                                            << w_in);
  GENER_CHECK(!in_position_major || kh == 1, "conv_chain_pack: a position-major input has one row, not " << kh);
  ConvChainWeights cw;
  cw.c_out = c_out;
  cw.c_in = c_in;
  cw.kh = kh;
  cw.kw = kw;
  cw.w_in = w_in;
  cw.in_position_major = in_position_major;
  cw.cs_in = conv_chain_stride(c_in);
  cw.cs_out = conv_chain_stride(c_out);
  const int taps = c_in * kh * kw;
  cw.w.assign(static_cast<size_t>(taps) * cw.cs_out, 0.f);
  cw.bias.assign(static_cast<size_t>(cw.cs_out), 0.f);
  std::copy(b, b + c_out, cw.bias.begin());
  cw.offset.resize(static_cast<size_t>(taps));
  for (int c = 0; c < c_in; ++c)
    for (int r = 0; r < kh; ++r)
      for (int k = 0; k < kw; ++k) {
        const int t = (c * kh + r) * kw + k;
        cw.offset[static_cast<size_t>(t)] = in_position_major ? k * cw.cs_in + c : (c * kh + r) * w_in + k;
        for (int o = 0; o < c_out; ++o)
          cw.w[static_cast<size_t>(t) * cw.cs_out + o] = w[static_cast<size_t>(o) * taps + t];
      }
  return cw;
}

size_t conv_chain_out_floats(const ConvChainWeights& cw, int n) {
  return static_cast<size_t>(n) * cw.w_out() * cw.cs_out;
}

namespace {

// Positions p0 .. p0 + R (those past the last repeat it), output vectors [v0, v0 + V) of 8 channels: acc[r][v].
template <int R, int V>
__attribute__((target("avx2,fma"))) inline void accumulate(const ConvChainWeights& cw, const float* xs, int p0,
                                                           int v0, __m256 (&acc)[R][V]) {
  const int wo = cw.w_out(), taps = static_cast<int>(cw.offset.size());
  const int ps = cw.in_position_major ? cw.cs_in : 1;  // input floats from one position to the next
  const float* xp[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) xp[r] = xs + static_cast<size_t>(std::min(p0 + r, wo - 1)) * ps;
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
  const float* wt = cw.w.data() + 8 * v0;
  for (int t = 0; t < taps; ++t, wt += cw.cs_out) {
    const int off = cw.offset[static_cast<size_t>(t)];
    __m256 wv[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) wv[v] = _mm256_loadu_ps(wt + 8 * v);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m256 xb = _mm256_broadcast_ss(xp[r] + off);
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(xb, wv[v], acc[r][v]);
    }
  }
}

__attribute__((target("avx2,fma"))) inline __m256 epilogue(__m256 a, __m256 bias, Activation act) {
  const __m256 e = _mm256_add_ps(a, bias);
  return act == Activation::Relu ? _mm256_max_ps(e, _mm256_setzero_ps()) : e;
}

// Position-major output: 6 positions x 16 channels (or 12 x 8 when Cs_out is 8).
template <int R, int V>
__attribute__((target("avx2,fma"))) void sample_position_major(const ConvChainWeights& cw, const float* xs,
                                                               Activation act, float* ys) {
  const int wo = cw.w_out(), vecs = cw.cs_out / 8;
  for (int v0 = 0; v0 < vecs; v0 += V)
    for (int p0 = 0; p0 < wo; p0 += R) {
      __m256 acc[R][V];
      accumulate<R, V>(cw, xs, p0, v0, acc);
      __m256 bias[V];
#pragma GCC unroll 2
      for (int v = 0; v < V; ++v) bias[v] = _mm256_loadu_ps(cw.bias.data() + 8 * (v0 + v));
      const int rows = std::min(R, wo - p0);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        if (r >= rows) break;
#pragma GCC unroll 2
        for (int v = 0; v < V; ++v)
          _mm256_storeu_ps(ys + static_cast<size_t>(p0 + r) * cw.cs_out + 8 * (v0 + v), epilogue(acc[r][v], bias[v], act));
      }
    }
}

// 8 x 8 transpose: rows r[i] (position i, 8 channels) → r[c] (channel c, 8 positions).
__attribute__((target("avx2,fma"))) inline void transpose8(__m256 (&r)[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Channel-major output (C_out, W_out): 8 positions x 8 channels, transposed before the stores.
__attribute__((target("avx2,fma"))) void sample_channel_major(const ConvChainWeights& cw, const float* xs,
                                                              Activation act, float* ys) {
  const int wo = cw.w_out(), vecs = cw.cs_out / 8;
  for (int v0 = 0; v0 < vecs; ++v0) {
    const __m256 bias = _mm256_loadu_ps(cw.bias.data() + 8 * v0);
    const int channels = std::min(8, cw.c_out - 8 * v0);
    for (int p0 = 0; p0 < wo; p0 += 8) {
      __m256 acc[8][1];
      accumulate<8, 1>(cw, xs, p0, v0, acc);
      __m256 r[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) r[i] = epilogue(acc[i][0], bias, act);
      transpose8(r);
      const int cols = std::min(8, wo - p0);
      for (int c = 0; c < channels; ++c) {
        float* yc = ys + static_cast<size_t>(8 * v0 + c) * wo + p0;
        if (cols == 8) {
          _mm256_storeu_ps(yc, r[c]);
        } else {
          alignas(32) float tmp[8];
          _mm256_store_ps(tmp, r[c]);
          std::copy(tmp, tmp + cols, yc);
        }
      }
    }
  }
}

// ---- AVX-512: a position's 16 output channels are one zmm vector ----

__attribute__((target("avx512f"))) inline __m512 epilogue(__m512 a, __m512 bias, Activation act) {
  const __m512 e = _mm512_add_ps(a, bias);
  return act == Activation::Relu ? _mm512_max_ps(e, _mm512_setzero_ps()) : e;
}

// R positions (all inside the sample) x output vectors [v0, v0 + V) of 16 channels, input positions PS floats
// apart, taps in groups of KW whose inputs are PS floats apart too (the packing's offsets: tap g * KW + k reads
// offset[g * KW] + k * PS; KW = 1 serves any kernel width). One input value broadcast into a register feeds the KW
// outputs that read it: R + KW - 1 broadcasts and KW x V weight loads for KW x R x V FMAs. Each output still takes
// its taps in order (group by group, k = 0 .. KW within one: input positions ascending), so the bits are the same.
// x0: the block's first input position, y0: its first output position (rows of cs_out floats).
template <int R, int V, int KW, int PS>
__attribute__((target("avx512f"))) inline void block_512(const ConvChainWeights& cw, const float* x0, int v0,
                                                               Activation act, float* y0) {
  const int groups = static_cast<int>(cw.offset.size()) / KW;
  __m512 acc[R][V];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
  const float* wt = cw.w.data() + 16 * v0;
  const int* off = cw.offset.data();
  for (int g = 0; g < groups; ++g, wt += KW * cw.cs_out) {
    const float* xg = x0 + off[g * KW];
    __m512 wv[KW][V];
#pragma GCC unroll 4
    for (int k = 0; k < KW; ++k)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) wv[k][v] = _mm512_load_ps(wt + k * cw.cs_out + 16 * v);
#pragma GCC unroll 40
    for (int q = 0; q < R + KW - 1; ++q) {
      const __m512 xb = _mm512_set1_ps(xg[q * PS]);
#pragma GCC unroll 4
      for (int k = 0; k < KW; ++k) {
        const int r = q - k;
        if (r < 0 || r >= R) continue;
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(xb, wv[k][v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) {
    const __m512 bias = _mm512_load_ps(cw.bias.data() + 16 * (v0 + v));
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r)
      _mm512_storeu_ps(y0 + static_cast<size_t>(r) * cw.cs_out + 16 * (v0 + v), epilogue(acc[r][v], bias, act));
  }
}

// Position-major output on AVX-512 (Cs_out a multiple of 16 V, W_out >= R): blocks of R positions, the last one
// moved back to end at the last position (its overlap recomputes the same values).
template <int R, int V, int KW, int PS>
__attribute__((target("avx512f"))) void sample_position_major_512(const ConvChainWeights& cw, const float* xs,
                                                                  Activation act, float* ys) {
  const int wo = cw.w_out(), vecs = cw.cs_out / 16;
  for (int v0 = 0; v0 < vecs; v0 += V)
    for (int q = 0; q < wo; q += R) {
      const int p0 = std::min(q, wo - R);
      block_512<R, V, KW, PS>(cw, xs + static_cast<size_t>(p0) * PS, v0, act, ys + static_cast<size_t>(p0) * cw.cs_out);
    }
}

// conv1 → conv2 in one pass (the pair's two rows, 2 taps, 16 channels → 3 taps, 16 channels): per block of conv2's
// 24 output positions, conv1's 26 input positions go to a buffer on the stack (recomputed where blocks overlap,
// the same values) and conv2 reads them there, so conv1's output never leaves L1.
constexpr int kFusedR = 24, kFusedKw2 = 3, kFusedKw1 = 2;
__attribute__((target("avx512f"))) void sample_fused12_512(const ConvChainWeights& c1, const ConvChainWeights& c2,
                                                           const float* xs, Activation act1, Activation act2,
                                                           float* ys) {
  constexpr int R1 = kFusedR + kFusedKw2 - 1;
  alignas(64) float buf[R1 * 16];
  const int wo = c2.w_out();
  for (int q = 0; q < wo; q += kFusedR) {
    const int p0 = std::min(q, wo - kFusedR);
    block_512<R1, 1, kFusedKw1, 1>(c1, xs + p0, 0, act1, buf);
    block_512<kFusedR, 1, kFusedKw2, 16>(c2, buf, 0, act2, ys + static_cast<size_t>(p0) * 16);
  }
}

// Channel-major output on AVX-512 (Cs_out 8, W_out >= 24): 24 positions x 8 channels in 24 of the 32 ymm
// registers (the AVX2 kernel has room for 8), then three 8 x 8 transposes; the last block moved back as above.
template <int PS>
__attribute__((target("avx512f,avx512vl,avx2,fma"))) void sample_channel_major_512(const ConvChainWeights& cw,
                                                                                  const float* xs, Activation act,
                                                                                  float* ys) {
  constexpr int R = 24;
  const int wo = cw.w_out(), taps = static_cast<int>(cw.offset.size());
  const __m256 bias = _mm256_load_ps(cw.bias.data());
  const int* off = cw.offset.data();
  for (int q = 0; q < wo; q += R) {
    const int p0 = std::min(q, wo - R);
    const float* x0 = xs + static_cast<size_t>(p0) * PS;
    __m256 acc[R];
#pragma GCC unroll 24
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
    const float* wt = cw.w.data();
    for (int t = 0; t < taps; ++t, wt += 8) {
      const __m256 wv = _mm256_load_ps(wt);
      const float* xt = x0 + off[t];
#pragma GCC unroll 24
      for (int r = 0; r < R; ++r) acc[r] = _mm256_fmadd_ps(_mm256_set1_ps(xt[r * PS]), wv, acc[r]);
    }
#pragma GCC unroll 3
    for (int b = 0; b < R / 8; ++b) {
      __m256 rows[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) rows[i] = epilogue(acc[8 * b + i], bias, act);
      transpose8(rows);
      for (int c = 0; c < cw.c_out; ++c) _mm256_storeu_ps(ys + static_cast<size_t>(c) * wo + p0 + 8 * b, rows[c]);
    }
  }
}

// 8 x 8 transpose of 64-bit elements: r[i] element c → r[c] element i (three shuffles per row).
__attribute__((target("avx512f"))) inline void transpose8x64(__m512d (&r)[8]) {
  __m512d t[8], v[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);      // 128-bit lane j: (r[2i], r[2i+1]) element 2j
    t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);  // element 2j + 1
  }
#pragma GCC unroll 2
  for (int o = 0; o < 2; ++o) {  // o: even or odd elements
    v[4 * o + 0] = _mm512_shuffle_f64x2(t[o], t[o + 2], 0x88);      // lanes 0, 2 of each
    v[4 * o + 1] = _mm512_shuffle_f64x2(t[o + 4], t[o + 6], 0x88);
    v[4 * o + 2] = _mm512_shuffle_f64x2(t[o], t[o + 2], 0xDD);      // lanes 1, 3 of each
    v[4 * o + 3] = _mm512_shuffle_f64x2(t[o + 4], t[o + 6], 0xDD);
    r[o + 0] = _mm512_shuffle_f64x2(v[4 * o], v[4 * o + 1], 0x88);  // element o
    r[o + 4] = _mm512_shuffle_f64x2(v[4 * o], v[4 * o + 1], 0xDD);  // element o + 4
    r[o + 2] = _mm512_shuffle_f64x2(v[4 * o + 2], v[4 * o + 3], 0x88);
    r[o + 6] = _mm512_shuffle_f64x2(v[4 * o + 2], v[4 * o + 3], 0xDD);
  }
}

// Channel-major output of a 1-tap convolution over a position-major input of 16 channels (conv3: 16 → 8, Cs_out 8)
// on AVX-512, with a position pair per zmm vector: lane 2c + h holds output channel c of position 2r + h. A block of
// 24 pairs first interleaves its inputs (two vpermt2ps per pair) into a local buffer, so that one 64-bit broadcast
// gives both positions' value of an input channel; then per input channel one FMA per pair, the weight row
// duplicated lane by lane. Each output is the same FMA chain (input channels in order from zero, + bias, the
// activation) as the other kernels; 8 pairs x 8 channels then transpose as 64-bit elements into 16 positions of 8
// channel rows.
__attribute__((target("avx512f"))) void sample_channel_major_pairs_512(const ConvChainWeights& cw, const float* xs,
                                                                       Activation act, float* ys) {
  constexpr int R = 24;  // pairs per block
  const int wo = cw.w_out(), taps = cw.c_in;
  alignas(64) float buf[R * 32];
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const __m512i dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512 bias = _mm512_permutexvar_ps(dup, _mm512_zextps256_ps512(_mm256_load_ps(cw.bias.data())));
  for (int q = 0; q < wo; q += 2 * R) {
    const int p0 = std::min(q, wo - 2 * R);
#pragma GCC unroll 24
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_loadu_ps(xs + static_cast<size_t>(p0 + 2 * r) * 16);
      const __m512 b = _mm512_loadu_ps(xs + static_cast<size_t>(p0 + 2 * r + 1) * 16);
      _mm512_store_ps(buf + 32 * r, _mm512_permutex2var_ps(a, lo, b));
      _mm512_store_ps(buf + 32 * r + 16, _mm512_permutex2var_ps(a, hi, b));
    }
    __m512 acc[R];
#pragma GCC unroll 24
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int t = 0; t < taps; ++t) {
      const __m512 wv = _mm512_permutexvar_ps(dup, _mm512_zextps256_ps512(_mm256_load_ps(cw.w.data() + 8 * t)));
#pragma GCC unroll 24
      for (int r = 0; r < R; ++r) {
        double pair;
        std::memcpy(&pair, buf + 32 * r + 2 * t, sizeof pair);
        acc[r] = _mm512_fmadd_ps(_mm512_castpd_ps(_mm512_set1_pd(pair)), wv, acc[r]);
      }
    }
#pragma GCC unroll 3
    for (int g = 0; g < R / 8; ++g) {
      __m512d rows[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) rows[i] = _mm512_castps_pd(epilogue(acc[8 * g + i], bias, act));
      transpose8x64(rows);
      for (int c = 0; c < cw.c_out; ++c)
        _mm512_storeu_ps(ys + static_cast<size_t>(c) * wo + p0 + 16 * g, _mm512_castpd_ps(rows[c]));
    }
  }
}

using SampleFn = void (*)(const ConvChainWeights&, const float*, Activation, float*);

// The AVX-512 position-major kernel for this shape, or null (then the AVX2 one runs).
SampleFn position_major_512(const ConvChainWeights& cw) {
  constexpr int kR1 = 24, kR2 = 12;  // 24 accumulators of one vector, or 12 x 2
  const int ps = cw.in_position_major ? cw.cs_in : 1;
  // 1 x 2 (conv1: a channel-major pair of rows) and 1 x 3 (conv2) kernels reuse each broadcast over their taps.
  if (cw.cs_out % 16 == 0 && cw.cs_out % 32 != 0 && cw.w_out() >= kR1) {
    if (cw.kw == 2 && ps == 1) return sample_position_major_512<kR1, 1, 2, 1>;
    if (cw.kw == 3 && ps == 16) return sample_position_major_512<kR1, 1, 3, 16>;
    if (cw.kw == 3 && ps == 32) return sample_position_major_512<kR1, 1, 3, 32>;
  }
  if (cw.cs_out % 32 == 0 && cw.w_out() >= kR2) {
    if (ps == 1) return sample_position_major_512<kR2, 2, 1, 1>;
    if (ps == 16) return sample_position_major_512<kR2, 2, 1, 16>;
    if (ps == 32) return sample_position_major_512<kR2, 2, 1, 32>;
  } else if (cw.cs_out % 16 == 0 && cw.w_out() >= kR1) {
    if (ps == 1) return sample_position_major_512<kR1, 1, 1, 1>;
    if (ps == 16) return sample_position_major_512<kR1, 1, 1, 16>;
    if (ps == 32) return sample_position_major_512<kR1, 1, 1, 32>;
  }
  return nullptr;
}

// The AVX-512 channel-major kernel for this shape, or null.
SampleFn channel_major_512(const ConvChainWeights& cw) {
  const int ps = cw.in_position_major ? cw.cs_in : 1;
  if (cw.cs_out != 8 || cw.w_out() < 24) return nullptr;
  if (ps == 16 && cw.kw == 1 && cw.w_out() >= 48) return sample_channel_major_pairs_512;  // conv3
  if (ps == 1) return sample_channel_major_512<1>;
  if (ps == 16) return sample_channel_major_512<16>;
  if (ps == 32) return sample_channel_major_512<32>;
  return nullptr;
}

}  // namespace

bool conv_chain_fusable(const ConvChainWeights& first, const ConvChainWeights& second) {
  return fp32_simd() == Fp32Simd::Avx512 && !first.in_position_major && first.cs_out == 16 &&
         first.kw == kFusedKw1 && second.in_position_major && second.cs_in == 16 && second.c_in == first.c_out &&
         second.kh == 1 && second.kw == kFusedKw2 && second.cs_out == 16 && second.w_in == first.w_out() &&
         second.w_out() >= kFusedR;
}

void conv_chain_forward_fused(const ConvChainWeights& first, const ConvChainWeights& second, int n, const float* x,
                              Activation act1, Activation act2, float* y) {
  GENER_CHECK(conv_chain_fusable(first, second), "conv_chain_forward_fused: these two convolutions ("
                                                     << first.c_in << " -> " << first.c_out << " -> " << second.c_out
                                                     << ") do not fuse on this CPU (AVX-512F needed)");
  const size_t x_stride = static_cast<size_t>(first.c_in) * first.kh * first.w_in;
  const size_t y_stride = static_cast<size_t>(second.w_out()) * second.cs_out;
  for (int s = 0; s < n; ++s) sample_fused12_512(first, second, x + s * x_stride, act1, act2, y + s * y_stride);
}

void conv_chain_forward(const ConvChainWeights& cw, int n, const float* x, Activation act, bool out_position_major,
                        float* y) {
  const size_t x_stride = cw.in_position_major ? static_cast<size_t>(cw.w_in) * cw.cs_in
                                               : static_cast<size_t>(cw.c_in) * cw.kh * cw.w_in;
  const size_t y_stride = static_cast<size_t>(cw.w_out()) * (out_position_major ? cw.cs_out : cw.c_out);
  SampleFn fn = nullptr;
  if (fp32_simd() == Fp32Simd::Avx512) fn = out_position_major ? position_major_512(cw) : channel_major_512(cw);
  if (!fn && !out_position_major) fn = sample_channel_major;
  // AVX2: two vectors of 8 channels, or (Cs_out 8, 24, ...) one vector at a time
  if (!fn) fn = cw.cs_out % 16 == 0 ? sample_position_major<6, 2> : sample_position_major<12, 1>;
  for (int s = 0; s < n; ++s) fn(cw, x + s * x_stride, act, y + s * y_stride);
}

}  // namespace gener::kernels
