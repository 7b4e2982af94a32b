// lowp_amx_cpu.cpp — AMX-BF16 kernels of lowp.h (layouts in lowp_amx.h): the tile-state grant, the conversion of a
// convolution's input into position-major bf16, tdpbf16ps convolution and dense forwards with their fp32 epilogue
// (bias, activation), the convolution's hand-over straight into the next layer's input, and the full-height conv1
// (AVX-512 fp32) that starts the chain. Each output row accumulates in its own tile row in a fixed order:
// deterministic, and a sample's result never depends on the samples beside it.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12's avx512 helpers: known false positives
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/check.h"
#include "kernels/lowp_amx.h"

#define GENER_AMX_TARGET \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,amx-tile,amx-bf16")))

namespace gener::kernels::amx {
namespace {

constexpr long kArchReqXcompPerm = 0x1023;  // arch_prctl: ask for an extended state component
constexpr long kXfeatureXtiledata = 18;     // the AMX tile data

// Tile registers 0-3 accumulate, 4 holds A (activations), 5 holds B (weights); every tile is 16 rows x 64 bytes.
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// Loads the tile configuration for this thread's kernel call and releases the tile state after it.
class TileScope {
 public:
  GENER_AMX_TARGET TileScope() {
    TileConfig c;
    for (int t = 0; t < 6; ++t) {
      c.colsb[t] = 64;
      c.rows[t] = kTile;
    }
    _tile_loadconfig(&c);
  }
  GENER_AMX_TARGET ~TileScope() { _tile_release(); }
  TileScope(const TileScope&) = delete;
  TileScope& operator=(const TileScope&) = delete;
};

GENER_AMX_TARGET inline __mmask16 tail_mask(int left) {
  return static_cast<__mmask16>(left >= 16 ? 0xffffu : (1u << std::max(left, 0)) - 1u);
}

// One level of the in-register 16 x 16 transpose: rows i and i + B (bit B clear in i) swap their off-diagonal
// B-blocks. Over B = 8, 4, 2, 1 element (r, c) moves to (c, r).
template <int B>
GENER_AMX_TARGET __attribute__((always_inline)) inline void transpose_level(__m512 r[16]) {
  constexpr auto lo = [](int k) { return (k & B) ? 16 + k - B : k; };
  constexpr auto hi = [](int k) { return (k & B) ? 16 + k : k + B; };
  const __m512i il = _mm512_set_epi32(lo(15), lo(14), lo(13), lo(12), lo(11), lo(10), lo(9), lo(8), lo(7), lo(6),
                                      lo(5), lo(4), lo(3), lo(2), lo(1), lo(0));
  const __m512i ih = _mm512_set_epi32(hi(15), hi(14), hi(13), hi(12), hi(11), hi(10), hi(9), hi(8), hi(7), hi(6),
                                      hi(5), hi(4), hi(3), hi(2), hi(1), hi(0));
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) {
    if (i & B) continue;
    const __m512 a = r[i], c = r[i + B];
    r[i] = _mm512_permutex2var_ps(a, il, c);
    r[i + B] = _mm512_permutex2var_ps(a, ih, c);
  }
}

GENER_AMX_TARGET __attribute__((always_inline)) inline void transpose16(__m512 r[16]) {
  transpose_level<8>(r);
  transpose_level<4>(r);
  transpose_level<2>(r);
  transpose_level<1>(r);
}

GENER_AMX_TARGET inline __m512 epilogue(__m512 v, __m512 bias, Activation act) {
  v = _mm512_add_ps(v, bias);
  return act == Activation::Relu ? _mm512_max_ps(v, _mm512_setzero_ps()) : v;
}

// act(v) as 16 bf16 values at dst.
GENER_AMX_TARGET inline void store_bf16(uint8_t* dst, __m512 v, Activation act) {
  if (act == Activation::Relu) v = _mm512_max_ps(v, _mm512_setzero_ps());
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), (__m256i)_mm512_cvtneps_pbh(v));
}

// Accumulates T (1..4) tiles: conv — T position tiles of one output block against one weight tile (SharedA false:
// B is shared); dense — one row tile against T output blocks (SharedA true). a(q, t) / b(q, t): the A and B tile of
// accumulator t for reduction chunk q; a_stride / b_stride in bytes.
template <int T, bool SharedA, class AFn, class BFn>
GENER_AMX_TARGET inline void accumulate(int chunks, AFn a, size_t a_stride, BFn b, size_t b_stride) {
  if (T > 0) _tile_zero(0);
  if (T > 1) _tile_zero(1);
  if (T > 2) _tile_zero(2);
  if (T > 3) _tile_zero(3);
  for (int q = 0; q < chunks; ++q) {
    if (SharedA) _tile_loadd(4, a(q, 0), a_stride);
    else _tile_loadd(5, b(q, 0), b_stride);
#define GENER_AMX_STEP(t)                                   \
  if (T > t) {                                              \
    if (SharedA) _tile_loadd(5, b(q, t), b_stride);         \
    else _tile_loadd(4, a(q, t), a_stride);                 \
    _tile_dpbf16ps(t, 4, 5);                                \
  }
    GENER_AMX_STEP(0) GENER_AMX_STEP(1) GENER_AMX_STEP(2) GENER_AMX_STEP(3)
#undef GENER_AMX_STEP
  }
}

template <int T>
GENER_AMX_TARGET inline void store_acc(float* out) {  // out: T tiles of 16 x 16 floats
  if (T > 0) _tile_stored(0, out, 64);
  if (T > 1) _tile_stored(1, out + 256, 64);
  if (T > 2) _tile_stored(2, out + 512, 64);
  if (T > 3) _tile_stored(3, out + 768, 64);
}

// Where a convolution's outputs go: fp32 (C_out, W_out) per sample, or bf16 rows in the next layer's input layout
// (position p, channel c at value p * pstride + c).
struct ConvDest {
  float* y = nullptr;        // fp32, this sample's (C_out, W_out)
  uint8_t* bf16 = nullptr;   // or bf16, this sample's row
  int pstride = 0;
  bool conv_next = false;    // a convolution reads it: whole 16-channel blocks stored, positions past W_out zeroed
};

// Convolution, one sample: position tiles m0 .. m0 + T of output block nb.
template <int T>
GENER_AMX_TARGET void conv_tiles(const LowpWeights& lw, const uint8_t* row, int cp, int wo, int nb, int m0,
                                 Activation act, const ConvDest& d, float* acc) {
  const int nq = conv_chunks(lw.kw, cp);
  const uint32_t* wb = lw.w.data() + static_cast<size_t>(nb) * nq * kTile * kTile;
  const size_t a_stride = static_cast<size_t>(cp) * 2;
  accumulate<T, false>(
      nq, [&](int q, int t) { return row + (static_cast<size_t>(m0 + t) * kTile * cp + q * kTileK) * 2; }, a_stride,
      [&](int q, int) { return wb + static_cast<size_t>(q) * kTile * kTile; }, 64);
  store_acc<T>(acc);
  const __m512 bias = _mm512_loadu_ps(lw.bias.data() + nb * kTile);
  const int outs = std::min(kTile, lw.out - nb * kTile);
  for (int t = 0; t < T; ++t) {
    const int p0 = (m0 + t) * kTile;
    if (d.bf16) {  // a tile row is one position's 16 channels: the next layer's layout as it stands
      // Padded channels of a block are exact zeros (zero weights and bias), so a convolution takes all 16.
      const __mmask16 cm = d.conv_next ? static_cast<__mmask16>(0xffffu) : tail_mask(outs);
      for (int i = 0; i < kTile; ++i) {
        const int p = p0 + i;
        uint8_t* dst = d.bf16 + (static_cast<size_t>(p) * d.pstride + nb * kTile) * 2;
        if (p < wo)
          _mm256_mask_storeu_epi16(dst, cm, (__m256i)_mm512_cvtneps_pbh(
                                                epilogue(_mm512_load_ps(acc + 256 * t + 16 * i), bias, act)));
        else if (d.conv_next)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_setzero_si256());
      }
      continue;
    }
    __m512 r[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) r[i] = epilogue(_mm512_load_ps(acc + 256 * t + 16 * i), bias, act);
    transpose16(r);  // rows: positions → output channels
    const __mmask16 m = tail_mask(wo - p0);
    for (int o = 0; o < outs; ++o)
      _mm512_mask_storeu_ps(d.y + static_cast<size_t>(nb * kTile + o) * wo + p0, m, r[o]);
  }
}

GENER_AMX_TARGET void conv_sample(const LowpWeights& lw, const uint8_t* row, int w, Activation act,
                                  const ConvDest& d, float* acc) {
  const int cp = conv_channels(lw.c_in), wo = w - lw.kw + 1, mt = round_up(wo, kTile) / kTile;
  const int nbs = round_up(lw.out, kTile) / kTile;
  for (int nb = 0; nb < nbs; ++nb) {
    int m0 = 0;
    for (; m0 + 4 <= mt; m0 += 4) conv_tiles<4>(lw, row, cp, wo, nb, m0, act, d, acc);
    switch (mt - m0) {
      case 3: conv_tiles<3>(lw, row, cp, wo, nb, m0, act, d, acc); break;
      case 2: conv_tiles<2>(lw, row, cp, wo, nb, m0, act, d, acc); break;
      case 1: conv_tiles<1>(lw, row, cp, wo, nb, m0, act, d, acc); break;
      default: break;
    }
  }
}

template <int T>
GENER_AMX_TARGET void dense_tiles(const LowpWeights& lw, const LowpActs& a, int m0, int nb0, int n, Activation act,
                                  float* y, float* acc) {
  const int groups = (lw.k + 1) / 2, nq = round_up(groups, kTile) / kTile;
  const int po = round_up(lw.out, kTile);
  const uint8_t* x0 = a.data.data() + a.stride * m0;
  accumulate<T, true>(
      nq, [&](int q, int) { return x0 + static_cast<size_t>(q) * 64; }, a.stride,
      [&](int q, int t) { return lw.w.data() + static_cast<size_t>(q) * kTile * po + (nb0 + t) * kTile; },
      static_cast<size_t>(po) * 4);
  store_acc<T>(acc);
  for (int t = 0; t < T; ++t) {
    const int o = (nb0 + t) * kTile;
    const __m512 bias = _mm512_loadu_ps(lw.bias.data() + o);
    const __mmask16 m = tail_mask(lw.out - o);
    for (int i = 0; i < kTile && m0 + i < n; ++i)
      _mm512_mask_storeu_ps(y + static_cast<size_t>(m0 + i) * lw.out + o, m,
                            epilogue(_mm512_load_ps(acc + 256 * t + 16 * i), bias, act));
  }
}

// Sizes `a` as the position-major input of convolution `conv` over width w, for n samples.
void conv_input_layout(const LowpWeights& conv, int w, int n, LowpActs& a) {
  a.wpad = conv_wpad(w - conv.kw + 1, conv.kw);
  a.stride = conv_stride_bytes(conv, w);
  a.in_place = nullptr;
  size_at_least(a.data, a.stride * n);
  a.scale.assign(static_cast<size_t>(n), 1.f);
  a.zero.assign(static_cast<size_t>(n), 0);
}

}  // namespace

bool tiles_granted() {
  static const bool granted = [] {
#if defined(__x86_64__) && defined(__GNUC__)
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    const bool amx_bf16 = (edx >> 22) & 1u, amx_tile = (edx >> 24) & 1u;
    if (!amx_bf16 || !amx_tile || !__builtin_cpu_supports("avx512bf16")) return false;
    // Linux hands out the tile state only on request (per process; refused where the kernel lacks it).
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
    return false;
#endif
  }();
  return granted;
}

GENER_AMX_TARGET void conv_convert(const LowpWeights& lw, int n, int w, const float* x, LowpActs& a) {
  conv_input_layout(lw, w, n, a);
  const int cp = conv_channels(lw.c_in), wpad = a.wpad;
  for (int s = 0; s < n; ++s) {
    const float* xs = x + static_cast<size_t>(s) * lw.c_in * w;  // (C_in, W)
    uint8_t* row = a.data.data() + a.stride * s;
    for (int cb = 0; cb < cp; cb += 16)
      for (int p = 0; p < wpad; p += 16) {  // 16 channels x 16 positions → 16 positions x 16 channels
        __m512 r[16];
        const __mmask16 m = tail_mask(w - p);
#pragma GCC unroll 16
        for (int c = 0; c < 16; ++c)
          r[c] = cb + c < lw.c_in ? _mm512_maskz_loadu_ps(m, xs + static_cast<size_t>(cb + c) * w + p)
                                  : _mm512_setzero_ps();
        transpose16(r);
#pragma GCC unroll 16
        for (int i = 0; i < 16; ++i)
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + (static_cast<size_t>(p + i) * cp + cb) * 2),
                              (__m256i)_mm512_cvtneps_pbh(r[i]));
      }
  }
}

GENER_AMX_TARGET void conv_forward(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act, float* y) {
  GENER_CHECK(lw.amx && tiles_granted(), "amx::conv_forward: weights not packed for AMX, or no AMX here");
  const int wo = w - lw.kw + 1;
  TileScope tiles;
  alignas(64) float acc[4 * 256];
  for (int s = 0; s < n; ++s) {
    ConvDest d;
    d.y = y + static_cast<size_t>(s) * lw.out * wo;
    conv_sample(lw, a.data.data() + a.stride * s, w, act, d, acc);
  }
}

GENER_AMX_TARGET void conv_forward_into(const LowpWeights& lw, int n, int w, const LowpActs& a, Activation act,
                                        const LowpWeights& next, LowpActs& out) {
  GENER_CHECK(lw.amx && next.amx && tiles_granted(), "amx::conv_forward_into: weights not packed for AMX");
  const int wo = w - lw.kw + 1;
  ConvDest d;
  const int rows = next.c_in > 0 ? n : round_up(n, kTile);  // dense: whole row tiles
  if (next.c_in > 0) {  // a convolution over this output: its position-major input, padding zeroed
    GENER_CHECK(next.c_in == lw.out, "amx::conv_forward_into: " << lw.out << " channels into a conv of " << next.c_in);
    conv_input_layout(next, wo, n, out);
    d.pstride = conv_channels(next.c_in);
    d.conv_next = true;
  } else {  // a dense layer reading the output flattened position-major
    GENER_CHECK(next.k == lw.out * wo, "amx::conv_forward_into: " << lw.out << " x " << wo << " outputs into a dense "
                                                                   "layer of " << next.k << " inputs");
    out.stride = dense_stride_bytes(next);
    out.in_place = nullptr;
    size_at_least(out.data, out.stride * static_cast<size_t>(rows));
    out.scale.assign(static_cast<size_t>(rows), 1.f);
    out.zero.assign(static_cast<size_t>(rows), 0);
    d.pstride = lw.out;
  }
  // What the tiles do not write and the next layer reads: conv — the positions past the last tile; dense — the row
  // past K (zero weights there, so the values must be finite).
  const size_t written = next.c_in > 0 ? static_cast<size_t>(round_up(wo, kTile)) * d.pstride * 2
                                       : static_cast<size_t>(next.k) * 2;
  for (int s = 0; s < n; ++s) std::memset(out.data.data() + out.stride * s + written, 0, out.stride - written);
  std::memset(out.data.data() + out.stride * n, 0, out.stride * static_cast<size_t>(rows - n));  // padding rows
  TileScope tiles;
  alignas(64) float acc[4 * 256];
  for (int s = 0; s < n; ++s) {
    d.bf16 = out.data.data() + out.stride * s;
    conv_sample(lw, a.data.data() + a.stride * s, w, act, d, acc);
  }
}

GENER_AMX_TARGET void conv_full_height_into(const LowpWeights& lw, int n, int w, const float* x, Activation act,
                                            const LowpWeights& next, LowpActs& out) {
  const int wo = w - lw.kw + 1, taps = lw.k, po = round_up(lw.out, kTile);
  conv_input_layout(next, wo, n, out);
  const int cp = conv_channels(next.c_in);
  GENER_CHECK(taps <= kMaxFullHeightTaps, "amx::conv_full_height_into: " << taps << " taps, at most "
                                                                       << kMaxFullHeightTaps);
  int off[kMaxFullHeightTaps];  // tap t = (channel, row) t / KW, column t % KW: its offset in a sample's x
  for (int t = 0; t < taps; ++t) off[t] = (t / lw.kw) * w + t % lw.kw;
  constexpr int kP = 4;  // positions per step: each weight vector loaded once for four
  for (int s = 0; s < n; ++s) {
    const float* xs = x + static_cast<size_t>(s) * lw.c_in * lw.kh * w;  // (C_in, KH, W)
    uint8_t* row = out.data.data() + out.stride * s;
    for (int nb = 0; nb < po / kTile; ++nb) {
      const __m512 bias = _mm512_loadu_ps(lw.bias.data() + nb * kTile);
      const float* wb = reinterpret_cast<const float*>(lw.w.data()) + nb * kTile;
      uint8_t* dst = row + static_cast<size_t>(nb) * kTile * 2;
      const size_t pstride = static_cast<size_t>(cp) * 2;
      int p0 = 0;
      for (; p0 + kP <= wo; p0 += kP) {
        __m512 acc[kP];
#pragma GCC unroll 4
        for (int j = 0; j < kP; ++j) acc[j] = bias;
        for (int t = 0; t < taps; ++t) {
          const __m512 wv = _mm512_loadu_ps(wb + static_cast<size_t>(t) * po);
          const float* xt = xs + off[t] + p0;
#pragma GCC unroll 4
          for (int j = 0; j < kP; ++j) acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(xt[j]), wv, acc[j]);
        }
#pragma GCC unroll 4
        for (int j = 0; j < kP; ++j) store_bf16(dst + (p0 + j) * pstride, acc[j], act);
      }
      for (; p0 < wo; ++p0) {  // the last positions one by one, in the same order of taps
        __m512 acc = bias;
        for (int t = 0; t < taps; ++t)
          acc = _mm512_fmadd_ps(_mm512_set1_ps(xs[off[t] + p0]), _mm512_loadu_ps(wb + static_cast<size_t>(t) * po), acc);
        store_bf16(dst + p0 * pstride, acc, act);
      }
    }
    // The next convolution reads up to its padded width: zeros past W_out.
    std::memset(row + static_cast<size_t>(wo) * cp * 2, 0, out.stride - static_cast<size_t>(wo) * cp * 2);
  }
}

GENER_AMX_TARGET void dense_forward(const LowpWeights& lw, int n, const LowpActs& a, Activation act, float* y) {
  GENER_CHECK(lw.amx && tiles_granted(), "amx::dense_forward: weights not packed for AMX, or no AMX here");
  GENER_CHECK(a.data.size() >= a.stride * round_up(n, kTile), "amx::dense_forward: activations not padded to 16 rows");
  const int nbs = round_up(lw.out, kTile) / kTile;
  TileScope tiles;
  alignas(64) float acc[4 * 256];
  for (int m0 = 0; m0 < n; m0 += kTile) {
    int nb = 0;
    for (; nb + 4 <= nbs; nb += 4) dense_tiles<4>(lw, a, m0, nb, n, act, y, acc);
    switch (nbs - nb) {
      case 3: dense_tiles<3>(lw, a, m0, nb, n, act, y, acc); break;
      case 2: dense_tiles<2>(lw, a, m0, nb, n, act, y, acc); break;
      case 1: dense_tiles<1>(lw, a, m0, nb, n, act, y, acc); break;
      default: break;
    }
  }
}

}  // namespace gener::kernels::amx
