// bn_train_fused_cpu.cpp — CPU fast path of the training-mode act → batchnorm → dropout block, in the halves the
// training step's lanes run (each lane its rows, meeting between the halves to merge per-channel sums): per
// channel, two read-only passes for a lane's statistics and one pass that writes y (forward); one pass that writes
// the dropped gradient with its sums and one that finishes dx (backward). The whole-batch entry points are one
// lane. Same math as the composition in batchnorm_cpu.cpp, which tests hold it to; the composition reads and
// writes the whole tensor 5 times forward and 8 times backward.
// GCC 12 flags its own avx512fintrin.h helpers as maybe-uninitialized (a known false positive, as in
// conv2d_direct_cpu.cpp); the warning is silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/cpu_util.h"
#include "kernels/hash.h"

namespace gener::kernels {
namespace {

// The dropout stream of one run of `len` elements starting at flat index `first`, as dropout_forward_cpu
// draws it: the hash of index i is mix32(mix32(prefix ^ lo(i) * c) ^ hi(i)); `len` never crosses a 2^32 step
// (the callers split runs there).
struct DropRun {
  uint32_t prefix, hi, lo0;
  int32_t threshold;  // keep iff (h >> 8) >= threshold; threshold 0 keeps everything
  float scale;        // 1 / (1 - rate)
};

// ReLU as a bit operation (a float with its sign bit set becomes +0) so GCC vectorizes the reductions below;
// it equals the reference's v > 0 ? v : 0 except that a NaN with a clear sign bit stays NaN.
template <bool kRelu>
inline float act(float v) {
  if (!kRelu) return v;
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= ~static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31);
  std::memcpy(&v, &bits, sizeof bits);
  return v;
}

// act() under a name the callers' `Activation act` parameter does not hide.
template <bool kRelu>
inline float act_fn(float v) {
  return act<kRelu>(v);
}

// All-ones when v > 0 (or always without the activation): the activation's derivative as a bit mask.
template <bool kRelu>
inline uint32_t act_grad_mask(float v) {
  return kRelu ? 0u - static_cast<uint32_t>(v > 0.0f) : ~0u;
}

// Eight lanes of float / double / bits (GCC vector extensions: each SIMD clone lowers them to its own ISA, so
// the reductions are vectorized by construction). Lane j is the reference's accumulator a[j].
typedef float F8 __attribute__((vector_size(32)));
typedef double D8 __attribute__((vector_size(64)));
typedef int32_t I8 __attribute__((vector_size(32)));
// The helpers that pass these by value are inlined into the clones, so no vector crosses a call boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

inline F8 load8(const float* p) {
  F8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// act() lane by lane on the bits (I: the integer vector of V's width): a float with its sign bit set becomes +0.
template <class I, class V>
inline V relu_lanes(V v) {
  I bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= ~(bits >> 31);
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

template <bool kRelu>
inline D8 act8(const float* x) {
  const F8 v = load8(x);
  return __builtin_convertvector(kRelu ? relu_lanes<I8>(v) : v, D8);
}

// Sixteen lanes of float, and their bits (grad_sums).
typedef float F16 __attribute__((vector_size(64)));
typedef int32_t I16 __attribute__((vector_size(64)));
inline F16 load16(const float* p) {
  F16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <bool kRelu>
inline F16 act16(const float* x) {
  const F16 v = load16(x);
  return kRelu ? relu_lanes<I16>(v) : v;
}
// The 16 lanes summed in double in a fixed tree: lane j with lane j + 8, then as lane_sum.
inline double lane_sum16(const F16& a) {
  double h[8];
  for (int j = 0; j < 8; ++j) h[j] = static_cast<double>(a[j]) + static_cast<double>(a[j + 8]);
  return ((h[0] + h[1]) + (h[2] + h[3])) + ((h[4] + h[5]) + (h[6] + h[7]));
}

// The reference's order of the final sum: ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)).
inline double lane_sum(const D8& a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); }

template <bool kRelu>
inline double act_sum(const float* x, int n) {
  D8 a = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8) a += act8<kRelu>(x + k);
  for (; k < n; ++k) a[0] += act<kRelu>(x[k]);
  return lane_sum(a);
}

template <bool kRelu>
inline double act_sq_dev(const float* x, int n, double mean) {
  D8 a = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8) {
    const D8 d = act8<kRelu>(x + k) - mean;
    a += d * d;
  }
  for (; k < n; ++k) {
    const double d = act<kRelu>(x[k]) - mean;
    a[0] += d * d;
  }
  return lane_sum(a);
}

// All-ones when element k of the run is kept, else zero (the dropout_run test, branch-free).
inline uint32_t keep_mask(const DropRun& d, int k) { return dropout_keep_mask(d.prefix, d.hi, d.lo0, k, d.threshold); }

inline float masked(float v, uint32_t keep) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  bits &= keep;
  std::memcpy(&v, &bits, sizeof bits);
  return v;
}

// y = dropout(act(x) * scale + shift) over one run (y may be x).
template <bool kRelu>
inline void forward_out(const float* x, int n, float scale, float shift, const DropRun& d, float* y) {
  for (int k = 0; k < n; ++k) y[k] = masked((act<kRelu>(x[k]) * scale + shift) * d.scale, keep_mask(d, k));
}

// g = dropout(dy) over one run (g may be dy).
inline void drop_grad(const float* dy, int n, const DropRun& d, float* g) {
  for (int k = 0; k < n; ++k) g[k] = masked(dy[k] * d.scale, keep_mask(d, k));
}

// Returns sum g and adds sum g * (act(x) - mean) to *dot, over one run: in 16 float lanes (a few dozen terms each
// over a conv's run), then in double in a fixed order. Half the instructions of double lanes; this pass runs once
// per element of every conv block's backward.
template <bool kRelu>
inline double grad_sums(const float* x, const float* g, int n, double mean, double* dot) {
  F16 sg = {}, sp = {};
  const float mf = static_cast<float>(mean);  // the saved batch mean, a float
  int k = 0;
  for (; k + 16 <= n; k += 16) {
    const F16 v = load16(g + k);
    sg += v;
    sp += v * (act16<kRelu>(x + k) - mf);
  }
  double tg = lane_sum16(sg), tp = lane_sum16(sp);
  for (; k < n; ++k) {
    tg += g[k];
    tp += static_cast<double>(g[k]) * (act<kRelu>(x[k]) - mf);
  }
  *dot += tp;
  return tg;
}

// dx = act'(x) * k_scale * (g - mean_g - (act(x) - mean) * invstd * mean_gxhat) over one run (dx may be g).
template <bool kRelu>
inline void backward_finish(const float* x, const float* g, int n, float mean, float invstd, float k_scale,
                            float mean_g, float mean_gxhat, float* dx) {
  for (int k = 0; k < n; ++k) {
    const float a = act<kRelu>(x[k]);
    dx[k] = masked(k_scale * (g[k] - mean_g - (a - mean) * invstd * mean_gxhat), act_grad_mask<kRelu>(x[k]));
  }
}

// The SIMD clones: one per pass, the activation picked at the top so each loop is branch-free.
GENER_CPU_CLONES double run_act_sum(bool relu, const float* x, int n) {
  return relu ? act_sum<true>(x, n) : act_sum<false>(x, n);
}
GENER_CPU_CLONES double run_act_sq_dev(bool relu, const float* x, int n, double mean) {
  return relu ? act_sq_dev<true>(x, n, mean) : act_sq_dev<false>(x, n, mean);
}
GENER_CPU_CLONES void run_forward_out(bool relu, const float* x, int n, float scale, float shift, DropRun d,
                                      float* y) {
  if (relu)
    forward_out<true>(x, n, scale, shift, d, y);
  else
    forward_out<false>(x, n, scale, shift, d, y);
}
GENER_CPU_CLONES void run_drop_grad(const float* dy, int n, DropRun d, float* g) { drop_grad(dy, n, d, g); }
GENER_CPU_CLONES double run_grad_sums(bool relu, const float* x, const float* g, int n, double mean, double* dot) {
  return relu ? grad_sums<true>(x, g, n, mean, dot) : grad_sums<false>(x, g, n, mean, dot);
}
GENER_CPU_CLONES void run_backward_finish(bool relu, const float* x, const float* g, int n, float mean, float invstd,
                                          float k_scale, float mean_g, float mean_gxhat, float* dx) {
  if (relu)
    backward_finish<true>(x, g, n, mean, invstd, k_scale, mean_g, mean_gxhat, dx);
  else
    backward_finish<false>(x, g, n, mean, invstd, k_scale, mean_g, mean_gxhat, dx);
}

// The dropout stream of the whole block: prefix, threshold and scale (rate 0: keep all, scale 1).
DropRun drop_stream(const BnDropoutParams& p) {
  GENER_CHECK(p.drop_rate >= 0.0f && p.drop_rate < 1.0f, "dropout rate must be in [0, 1), got " << p.drop_rate);
  DropRun d{};
  d.prefix = hash3_prefix(p.seed, p.step);
  d.threshold = dropout_threshold(p.drop_rate);
  d.scale = p.drop_rate == 0.0f ? 1.0f : 1.0f / (1.0f - p.drop_rate);
  return d;
}

// Calls fn(offset, len, run) over the run of S elements at flat index `first`, split where the index crosses a
// multiple of 2^32 so each piece shares one high word.
template <class Fn>
void for_each_drop_piece(DropRun d, uint64_t first, int S, Fn fn) {
  int off = 0;
  while (off < S) {
    const uint64_t at = first + static_cast<uint64_t>(off);
    const uint64_t to_wrap = (uint64_t{1} << 32) - (at & 0xffffffffULL);
    const int len = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(S - off), to_wrap));
    d.hi = static_cast<uint32_t>(at >> 32);
    d.lo0 = static_cast<uint32_t>(at);
    fn(off, len, d);
    off += len;
  }
}

inline size_t run_offset(const BnShape& s, int n, int c) {
  return (static_cast<size_t>(n) * s.c + c) * static_cast<size_t>(s.s);
}

// ---- dropout's keep decisions as bits (BnKeepBits) ----

// Bits [off, off + len) of a run's words from the hash, element by element (words zeroed by the caller).
void keep_bits_piece(const DropRun& d, int off, int len, uint16_t* w) {
  for (int k = 0; k < len; ++k)
    w[(off + k) >> 4] = static_cast<uint16_t>(w[(off + k) >> 4] | ((keep_mask(d, k) & 1u) << ((off + k) & 15)));
}

__attribute__((target("avx512f"))) inline __m512i mix32_512(__m512i x) {
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(0x7feb352d));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 15));
  x = _mm512_mullo_epi32(x, _mm512_set1_epi32(static_cast<int>(0x846ca68bU)));
  return _mm512_xor_si512(x, _mm512_srli_epi32(x, 16));
}

// keep_bits_piece on AVX-512, 16 decisions per word (dropout_keep_mask lane by lane), for a piece that starts on
// a word.
__attribute__((target("avx512f"))) void keep_bits_piece_512(const DropRun& d, int off, int len, uint16_t* w) {
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i prefix = _mm512_set1_epi32(static_cast<int>(d.prefix)), hi = _mm512_set1_epi32(static_cast<int>(d.hi));
  const __m512i mul = _mm512_set1_epi32(static_cast<int>(0xc2b2ae35U)), thr = _mm512_set1_epi32(d.threshold);
  for (int k = 0; k < len; k += 16) {
    const __m512i i = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(d.lo0 + static_cast<uint32_t>(k))), iota);
    __m512i h = mix32_512(_mm512_xor_si512(prefix, _mm512_mullo_epi32(i, mul)));
    h = mix32_512(_mm512_xor_si512(h, hi));
    unsigned m = _mm512_cmpge_epi32_mask(_mm512_srli_epi32(h, 8), thr);
    if (len - k < 16) m &= (1u << (len - k)) - 1u;
    w[(off + k) >> 4] = static_cast<uint16_t>(w[(off + k) >> 4] | m);
  }
}

// A run's words from the hash: the run of S elements at flat index `first`.
void keep_bits_run(DropRun d0, uint64_t first, int S, bool avx512, uint16_t* w) {
  std::fill(w, w + bn_keep_words(S), uint16_t{0});
  for_each_drop_piece(d0, first, S, [&](int off, int len, const DropRun& d) {
    if (avx512 && off % 16 == 0)
      keep_bits_piece_512(d, off, len, w);
    else
      keep_bits_piece(d, off, len, w);
  });
}

// All-ones when element k of a run's words is kept, else zero (keep_mask's form, from the bits).
inline uint32_t keep_bit_mask(const uint16_t* w, int k) {
  return 0u - ((static_cast<uint32_t>(w[k >> 4]) >> (k & 15)) & 1u);
}

// forward_out and drop_grad with the decisions from a run's words: portable (SIMD clones of the same expressions,
// so the same bits as the hashing clones) and AVX-512.
template <bool kRelu>
inline void forward_out_bits(const float* x, int n, float scale, float shift, float dscale, const uint16_t* w,
                             float* y) {
  for (int k = 0; k < n; ++k) y[k] = masked((act<kRelu>(x[k]) * scale + shift) * dscale, keep_bit_mask(w, k));
}
GENER_CPU_CLONES void run_forward_out_bits(bool relu, const float* x, int n, float scale, float shift, float dscale,
                                           const uint16_t* w, float* y) {
  if (relu)
    forward_out_bits<true>(x, n, scale, shift, dscale, w, y);
  else
    forward_out_bits<false>(x, n, scale, shift, dscale, w, y);
}
GENER_CPU_CLONES void run_drop_grad_bits(const float* dy, int n, float dscale, const uint16_t* w, float* g) {
  for (int k = 0; k < n; ++k) g[k] = masked(dy[k] * dscale, keep_bit_mask(w, k));
}

__attribute__((target("avx512f"))) inline __mmask16 tail_mask(int rem) {
  return rem >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << rem) - 1u);
}
// act() on 16 lanes: a float with its sign bit set becomes +0.
__attribute__((target("avx512f"))) inline __m512 act_512(__m512 v, bool relu) {
  if (!relu) return v;
  const __m512i b = _mm512_castps_si512(v);
  return _mm512_castsi512_ps(_mm512_andnot_si512(_mm512_srai_epi32(b, 31), b));
}
// Row passes over a lane tensor too big for the caches (a block's input, 4.4 MB a lane at batch 256) read each row
// in a burst between long stretches of convolution, and the hardware prefetcher, idle in between, starts each row
// cold: those reads ran at about a third of the memory's rate. So a row pass asks for the same place in the next
// row as it reads this one (one line per line read, into L2), and the next row is there when its turn comes. The
// finish asks for kFinishPiece elements of the next row before each piece of this one.
constexpr int kFinishPiece = 128;
inline void prefetch_next(const float* p, int n) {
  for (int k = 0; k < n; k += 16) __builtin_prefetch(p + k, 0, 2);
}

// (act(x) * scale + shift) * dscale, each operation rounded, as forward_out (this file is built without FMA
// contraction). pf: the same run of the next row, asked for line by line as this run is read (null: none).
__attribute__((target("avx512f"))) void forward_out_bits_512(bool relu, const float* x, int n, float scale,
                                                             float shift, float dscale, const uint16_t* w, float* y,
                                                             const float* pf = nullptr) {
  const __m512 vs = _mm512_set1_ps(scale), vb = _mm512_set1_ps(shift), vd = _mm512_set1_ps(dscale);
  for (int k = 0; k < n; k += 16) {
    if (pf) __builtin_prefetch(pf + k, 0, 2);
    const __mmask16 t = tail_mask(n - k), keep = static_cast<__mmask16>(w[k >> 4] & t);
    const __m512 a = act_512(_mm512_maskz_loadu_ps(t, x + k), relu);
    _mm512_mask_storeu_ps(y + k, t, _mm512_maskz_mul_ps(keep, _mm512_add_ps(_mm512_mul_ps(a, vs), vb), vd));
  }
}
// pfw: the same run of the next row of g, asked for to be written (prefetch_next), line by line as this one is.
__attribute__((target("avx512f"))) void drop_grad_bits_512(const float* dy, int n, float dscale, const uint16_t* w,
                                                           float* g, float* pfw = nullptr) {
  const __m512 vd = _mm512_set1_ps(dscale);
  for (int k = 0; k < n; k += 16) {
    if (pfw) __builtin_prefetch(pfw + k, 1, 2);
    const __mmask16 t = tail_mask(n - k), keep = static_cast<__mmask16>(w[k >> 4] & t);
    _mm512_mask_storeu_ps(g + k, t, _mm512_maskz_mul_ps(keep, _mm512_maskz_loadu_ps(t, dy + k), vd));
  }
}

// Dense layers (S == 1): a row holds C channels side by side, so these kernels run along a row over a block of
// at most kRowBlock channels, with that block's per-channel values or sums in arrays.
constexpr int kRowBlock = 64;

template <bool kRelu>
inline void row_sum(const float* x, int n, double* acc) {
  for (int k = 0; k < n; ++k) acc[k] += act_fn<kRelu>(x[k]);
}
template <bool kRelu>
inline void row_sq_dev(const float* x, int n, const double* mean, double* acc) {
  for (int k = 0; k < n; ++k) {
    const double d = act_fn<kRelu>(x[k]) - mean[k];
    acc[k] += d * d;
  }
}
template <bool kRelu>
inline void row_forward_out(const float* x, int n, const float* scale, const float* shift, const DropRun& d,
                            float* y) {
  for (int k = 0; k < n; ++k) y[k] = masked((act_fn<kRelu>(x[k]) * scale[k] + shift[k]) * d.scale, keep_mask(d, k));
}
template <bool kRelu>
inline void row_grad_sums(const float* x, const float* g, int n, const double* mean, double* sg, double* sd) {
  for (int k = 0; k < n; ++k) {
    const double v = g[k];
    sg[k] += v;
    sd[k] += v * (act_fn<kRelu>(x[k]) - mean[k]);
  }
}
// dx = act'(x) * (k_scale * (g - mean_g) - (act(x) - mean) * k_dev), per-channel coefficients (dx may be g).
template <bool kRelu>
inline void row_backward_finish(const float* x, const float* g, int n, const float* mean, const float* k_scale,
                                const float* mean_g, const float* k_dev, float* dx) {
  for (int k = 0; k < n; ++k) {
    const float a = act_fn<kRelu>(x[k]);
    dx[k] = masked(k_scale[k] * (g[k] - mean_g[k]) - (a - mean[k]) * k_dev[k], act_grad_mask<kRelu>(x[k]));
  }
}
GENER_CPU_CLONES void run_row_sum(bool relu, const float* x, int n, double* acc) {
  relu ? row_sum<true>(x, n, acc) : row_sum<false>(x, n, acc);
}
GENER_CPU_CLONES void run_row_sq_dev(bool relu, const float* x, int n, const double* mean, double* acc) {
  relu ? row_sq_dev<true>(x, n, mean, acc) : row_sq_dev<false>(x, n, mean, acc);
}
GENER_CPU_CLONES void run_row_forward_out(bool relu, const float* x, int n, const float* scale, const float* shift,
                                          DropRun d, float* y) {
  relu ? row_forward_out<true>(x, n, scale, shift, d, y) : row_forward_out<false>(x, n, scale, shift, d, y);
}
GENER_CPU_CLONES void run_row_grad_sums(bool relu, const float* x, const float* g, int n, const double* mean,
                                        double* sg, double* sd) {
  relu ? row_grad_sums<true>(x, g, n, mean, sg, sd) : row_grad_sums<false>(x, g, n, mean, sg, sd);
}
GENER_CPU_CLONES void run_row_backward_finish(bool relu, const float* x, const float* g, int n, const float* mean,
                                              const float* k_scale, const float* mean_g, const float* k_dev,
                                              float* dx) {
  relu ? row_backward_finish<true>(x, g, n, mean, k_scale, mean_g, k_dev, dx)
       : row_backward_finish<false>(x, g, n, mean, k_scale, mean_g, k_dev, dx);
}

// The batch's per-channel scale and shift from its statistics, as the reference rounds them.
inline void scale_shift(float gamma, float beta, float mean, float invstd, float* scale, float* shift) {
  *scale = gamma * invstd;
  *shift = beta - mean * *scale;
}

}  // namespace

// ---- the block over one lane's rows ----

void act_bn_lane_stats_cpu(const BnShape& s, Activation act, const float* x, double* mean, double* m2) {
  const bool relu = act == Activation::Relu;
  const double m = static_cast<double>(s.n) * s.s;
  if (m <= 0) {
    for (int c = 0; c < s.c; ++c) mean[c] = m2[c] = 0.0;
    return;
  }
  if (s.s == 1) {  // rows of C channels: a block of channels at once along each row
    for (int c0 = 0; c0 < s.c; c0 += kRowBlock) {
      const int cb = std::min(kRowBlock, s.c - c0);
      double mu[kRowBlock] = {}, sq[kRowBlock] = {};
      for (int n = 0; n < s.n; ++n) run_row_sum(relu, x + static_cast<size_t>(n) * s.c + c0, cb, mu);
      for (int j = 0; j < cb; ++j) mu[j] /= m;
      for (int n = 0; n < s.n; ++n) run_row_sq_dev(relu, x + static_cast<size_t>(n) * s.c + c0, cb, mu, sq);
      for (int j = 0; j < cb; ++j) {
        mean[c0 + j] = mu[j];
        m2[c0 + j] = sq[j];
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin && s.c > 1)
  for (int c = 0; c < s.c; ++c) {
    double sum = 0.0;
    for (int n = 0; n < s.n; ++n) {
      sum += run_act_sum(relu, x + run_offset(s, n, c), s.s);
    }
    const double mu = sum / m;
    double sq = 0.0;  // two-pass: deviations from this lane's mean
    for (int n = 0; n < s.n; ++n) sq += run_act_sq_dev(relu, x + run_offset(s, n, c), s.s, mu);
    mean[c] = mu;
    m2[c] = sq;
  }
}

namespace {
// Count, mean and sum of squared deviations of a growing set, merged part by part (the pairwise update of Chan et
// al.): a part's own two-pass moments keep their accuracy in the merged variance.
struct Moments {
  double n = 0.0, mean = 0.0, m2 = 0.0;
  void add(double nb, double mb, double qb) {
    if (nb <= 0) return;
    if (n == 0.0) {
      n = nb;
      mean = mb;
      m2 = qb;
      return;
    }
    const double nt = n + nb, d = mb - mean;
    mean += d * (nb / nt);
    m2 += qb + d * d * (n * nb / nt);
    n = nt;
  }
};
}  // namespace

void bn_lane_stats_from_runs(const BnShape& s, const double* run_stats, double* mean, double* m2) {
  const double len = s.s;
  for (int c = 0; c < s.c; ++c) {
    Moments mo;
    for (int r = 0; r < s.n; ++r) {  // the runs in row order
      const double sum = run_stats[(static_cast<size_t>(r) * s.c + c) * 2];
      const double ssq = run_stats[(static_cast<size_t>(r) * s.c + c) * 2 + 1];
      const double mb = sum / len;
      mo.add(len, mb, std::max(0.0, ssq - sum * mb));
    }
    mean[c] = mo.mean;
    m2[c] = mo.m2;
  }
}

void bn_merge_lane_stats(int c, int lanes, const double* counts, const double* means, const double* m2s,
                         double* mean, double* var) {
  for (int ch = 0; ch < c; ++ch) {
    Moments mo;
    for (int l = 0; l < lanes; ++l)  // lanes in order
      mo.add(counts[l], means[static_cast<size_t>(l) * c + ch], m2s[static_cast<size_t>(l) * c + ch]);
    mean[ch] = mo.mean;
    var[ch] = mo.n > 0 ? mo.m2 / mo.n : 0.0;  // biased, as batchnorm_forward_train_cpu
  }
}

void bn_finish_stats(int c, const BnDropoutParams& p, const double* mean, const double* var, float* running_mean,
                     float* running_var, float* save_mean, float* save_invstd) {
  for (int ch = 0; ch < c; ++ch) {
    const float meanf = static_cast<float>(mean[ch]);
    if (running_mean) running_mean[ch] = p.momentum * running_mean[ch] + (1.0f - p.momentum) * meanf;
    if (running_var)
      running_var[ch] = p.momentum * running_var[ch] + (1.0f - p.momentum) * static_cast<float>(var[ch]);
    save_mean[ch] = meanf;
    save_invstd[ch] = static_cast<float>(1.0 / std::sqrt(var[ch] + p.eps));
  }
}

void act_bn_dropout_apply_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                              const float* gamma, const float* beta, const float* mean, const float* invstd,
                              float* y) {
  const DropRun d0 = drop_stream(p);
  const bool relu = act == Activation::Relu;
  if (s.s == 1) {
    for (int c0 = 0; c0 < s.c; c0 += kRowBlock) {
      const int cb = std::min(kRowBlock, s.c - c0);
      float scale[kRowBlock], shift[kRowBlock];
      for (int j = 0; j < cb; ++j) scale_shift(gamma[c0 + j], beta[c0 + j], mean[c0 + j], invstd[c0 + j], &scale[j],
                                               &shift[j]);
      for (int n = 0; n < s.n; ++n) {
        const size_t o = static_cast<size_t>(n) * s.c + c0;
        for_each_drop_piece(d0, p.index0 + o, cb, [&](int off, int len, const DropRun& d) {
          run_row_forward_out(relu, x + o + off, len, scale + off, shift + off, d, y + o + off);
        });
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin && s.c > 1)
  for (int c = 0; c < s.c; ++c) {
    float scale, shift;
    scale_shift(gamma[c], beta[c], mean[c], invstd[c], &scale, &shift);
    for (int n = 0; n < s.n; ++n) {
      const size_t o = run_offset(s, n, c);
      for_each_drop_piece(d0, p.index0 + o, s.s, [&](int off, int len, const DropRun& d) {
        run_forward_out(relu, x + o + off, len, scale, shift, d, y + o + off);
      });
    }
  }
}

void act_bn_dropout_backward_lane_sums_cpu(const BnShape& s, const BnDropoutParams& p, Activation act,
                                           const float* x, const float* save_mean, const float* dy, float* g,
                                           double* sum_g, double* sum_g_dev) {
  GENER_CHECK(g != x, "act_bn_dropout_backward: dx must not alias x (the activation's mask reads x)");
  const DropRun d0 = drop_stream(p);
  const bool relu = act == Activation::Relu;
  if (s.s == 1) {
    for (int c0 = 0; c0 < s.c; c0 += kRowBlock) {
      const int cb = std::min(kRowBlock, s.c - c0);
      double mu[kRowBlock], sg[kRowBlock] = {}, sd[kRowBlock] = {};
      for (int j = 0; j < cb; ++j) mu[j] = save_mean[c0 + j];
      for (int n = 0; n < s.n; ++n) {
        const size_t o = static_cast<size_t>(n) * s.c + c0;
        for_each_drop_piece(d0, p.index0 + o, cb, [&](int off, int len, const DropRun& d) {
          run_drop_grad(dy + o + off, len, d, g + o + off);
        });
        run_row_grad_sums(relu, x + o, g + o, cb, mu, sg, sd);
      }
      for (int j = 0; j < cb; ++j) {
        sum_g[c0 + j] = sg[j];
        sum_g_dev[c0 + j] = sd[j];
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin && s.c > 1)
  for (int c = 0; c < s.c; ++c) {
    const float mean = save_mean[c];
    double sg = 0.0, sd = 0.0;
    for (int n = 0; n < s.n; ++n) {
      const size_t o = run_offset(s, n, c);
      for_each_drop_piece(d0, p.index0 + o, s.s, [&](int off, int len, const DropRun& d) {
        run_drop_grad(dy + o + off, len, d, g + o + off);
      });
      sg += run_grad_sums(relu, x + o, g + o, s.s, mean, &sd);  // the run is still in L1
    }
    sum_g[c] = sg;
    sum_g_dev[c] = sd;
  }
}

void act_bn_dropout_backward_lane_finish_cpu(const BnShape& s, Activation act, const float* x, const float* gamma,
                                             const float* save_mean, const float* save_invstd, const double* sum_g,
                                             const double* sum_g_xhat, double m, float* dx, double* sum_dx) {
  const bool relu = act == Activation::Relu;
  if (s.s == 1) {
    if (sum_dx) std::fill(sum_dx, sum_dx + s.c, 0.0);
    for (int c0 = 0; c0 < s.c; c0 += kRowBlock) {
      const int cb = std::min(kRowBlock, s.c - c0);
      float k_scale[kRowBlock], mean_g[kRowBlock], k_dev[kRowBlock];
      for (int j = 0; j < cb; ++j) {
        const int c = c0 + j;
        k_scale[j] = gamma[c] * save_invstd[c];
        mean_g[j] = static_cast<float>(sum_g[c] / m);
        // k_scale * (g - mean_g - (a - mean) * invstd * mean_gxhat): the last product's factors, precomputed
        k_dev[j] = k_scale[j] * (save_invstd[c] * static_cast<float>(sum_g_xhat[c] / m));
      }
      for (int n = 0; n < s.n; ++n) {
        const size_t o = static_cast<size_t>(n) * s.c + c0;
        run_row_backward_finish(relu, x + o, dx + o, cb, save_mean + c0, k_scale, mean_g, k_dev, dx + o);
        if (sum_dx)
          for (int j = 0; j < cb; ++j) sum_dx[c0 + j] += dx[o + j];
      }
    }
    return;
  }
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin && s.c > 1)
  for (int c = 0; c < s.c; ++c) {
    const float mean = save_mean[c], invstd = save_invstd[c], k_scale = gamma[c] * invstd;
    const float mean_g = static_cast<float>(sum_g[c] / m), mean_gxhat = static_cast<float>(sum_g_xhat[c] / m);
    double total = 0.0;
    for (int n = 0; n < s.n; ++n) {
      const size_t o = run_offset(s, n, c);
      run_backward_finish(relu, x + o, dx + o, s.s, mean, invstd, k_scale, mean_g, mean_gxhat, dx + o);
      if (sum_dx) total += run_act_sum(false, dx + o, s.s);  // the run just written, still in L1
    }
    if (sum_dx) sum_dx[c] = total;
  }
}

// ---- one row of a lane at a time ----

void act_bn_dropout_apply_row_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, int row,
                                  const float* x, const float* gamma, const float* beta, const float* mean,
                                  const float* invstd, float* y_row, BnKeepBits keep) {
  GENER_CHECK(s.s > 1 && row >= 0 && row < s.n, "act_bn_dropout_apply_row_cpu: row " << row << " of " << s.n
                                                                                      << " (S = " << s.s << ")");
  const DropRun d0 = drop_stream(p);
  const bool relu = act == Activation::Relu;
  const int words = bn_keep_words(s.s);
  for (int c = 0; c < s.c; ++c) {
    float scale, shift;
    scale_shift(gamma[c], beta[c], mean[c], invstd[c], &scale, &shift);
    const size_t o = run_offset(s, row, c);
    float* yc = y_row + static_cast<size_t>(c) * s.s;
    if (keep.words) {
      uint16_t* w = keep.words + (static_cast<size_t>(row) * s.c + c) * words;
      if (!keep.made) keep_bits_run(d0, p.index0 + o, s.s, keep.avx512, w);
      const float* pf = row + 1 < s.n ? x + run_offset(s, row + 1, c) : nullptr;  // see prefetch_next
      if (keep.avx512)
        forward_out_bits_512(relu, x + o, s.s, scale, shift, d0.scale, w, yc, pf);
      else
        run_forward_out_bits(relu, x + o, s.s, scale, shift, d0.scale, w, yc);
      continue;
    }
    for_each_drop_piece(d0, p.index0 + o, s.s, [&](int off, int len, const DropRun& d) {
      run_forward_out(relu, x + o + off, len, scale, shift, d, yc + off);
    });
  }
}

void act_bn_dropout_backward_row_sums_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, int row,
                                          const float* x, const float* save_mean, const float* dy_row, float* g,
                                          double* sum_g, double* sum_g_dev, BnKeepBits keep) {
  GENER_CHECK(s.s > 1 && row >= 0 && row < s.n, "act_bn_dropout_backward_row_sums_cpu: row "
                                                    << row << " of " << s.n << " (S = " << s.s << ")");
  GENER_CHECK(g != x, "act_bn_dropout_backward_row_sums_cpu: g must not alias x (the activation's mask reads x)");
  GENER_CHECK(!keep.words || keep.made, "act_bn_dropout_backward_row_sums_cpu: keep bits not made for row " << row);
  const DropRun d0 = drop_stream(p);
  const bool relu = act == Activation::Relu;
  const int words = bn_keep_words(s.s);
  for (int c = 0; c < s.c; ++c) {
    const size_t o = run_offset(s, row, c);
    const float* dyc = dy_row + static_cast<size_t>(c) * s.s;
    if (keep.words) {
      const uint16_t* w = keep.words + (static_cast<size_t>(row) * s.c + c) * words;
      if (keep.avx512)
        drop_grad_bits_512(dyc, s.s, d0.scale, w, g + o, row + 1 < s.n ? g + run_offset(s, row + 1, c) : nullptr);
      else
        run_drop_grad_bits(dyc, s.s, d0.scale, w, g + o);
    } else {
      for_each_drop_piece(d0, p.index0 + o, s.s, [&](int off, int len, const DropRun& d) {
        run_drop_grad(dyc + off, len, d, g + o + off);
      });
    }
    sum_g[c] += run_grad_sums(relu, x + o, g + o, s.s, save_mean[c], &sum_g_dev[c]);
  }
}

void act_bn_dropout_backward_row_finish_cpu(const BnShape& s, Activation act, int row, const float* x,
                                            const float* g, const float* gamma, const float* save_mean,
                                            const float* save_invstd, const double* sum_g, const double* sum_g_xhat,
                                            double m, float* dx_row, double* sum_dx) {
  GENER_CHECK(s.s > 1 && row >= 0 && row < s.n, "act_bn_dropout_backward_row_finish_cpu: row "
                                                    << row << " of " << s.n << " (S = " << s.s << ")");
  const bool relu = act == Activation::Relu;
  for (int c = 0; c < s.c; ++c) {
    const float mean = save_mean[c], invstd = save_invstd[c], k_scale = gamma[c] * invstd;
    const float mean_g = static_cast<float>(sum_g[c] / m), mean_gxhat = static_cast<float>(sum_g_xhat[c] / m);
    const size_t o = run_offset(s, row, c);
    float* dxc = dx_row + static_cast<size_t>(c) * s.s;
    if (row + 1 < s.n) {  // the next row's run of x and g asked for (into L2) as this one is read: see prefetch_next
      const size_t o1 = run_offset(s, row + 1, c);
      for (int k0 = 0; k0 < s.s; k0 += kFinishPiece) {
        const int len = std::min(kFinishPiece, s.s - k0);
        prefetch_next(x + o1 + k0, len);
        prefetch_next(g + o1 + k0, len);
        run_backward_finish(relu, x + o + k0, g + o + k0, len, mean, invstd, k_scale, mean_g, mean_gxhat, dxc + k0);
      }
    } else {
      run_backward_finish(relu, x + o, g + o, s.s, mean, invstd, k_scale, mean_g, mean_gxhat, dxc);
    }
    if (sum_dx) sum_dx[c] += run_act_sum(false, dxc, s.s);
  }
}

// ---- the whole batch as one lane ----

void act_bn_dropout_forward_train_fast_cpu(const BnShape& s, const BnDropoutParams& p, Activation act,
                                           const float* x, const float* gamma, const float* beta,
                                           float* running_mean, float* running_var, float* y, float* save_mean,
                                           float* save_invstd) {
  if (s.s == 1) {  // dense layers: small, strided by channel; the composition's row sweeps serve them
    act_bn_dropout_forward_train_cpu(s, p, act, x, gamma, beta, running_mean, running_var, y, save_mean,
                                     save_invstd);
    return;
  }
  const double m = static_cast<double>(s.n) * s.s;
  GENER_CHECK(m > 0, "act_bn_dropout_forward_train_fast_cpu: empty batch (N=" << s.n << ", S=" << s.s << ")");
  std::vector<double> st(4 * static_cast<size_t>(s.c));
  double *mean = st.data(), *m2 = mean + s.c, *bmean = m2 + s.c, *bvar = bmean + s.c;
  act_bn_lane_stats_cpu(s, act, x, mean, m2);
  bn_merge_lane_stats(s.c, 1, &m, mean, m2, bmean, bvar);
  std::vector<float> saved(2 * static_cast<size_t>(s.c));
  float* sm = save_mean ? save_mean : saved.data();
  float* si = save_invstd ? save_invstd : saved.data() + s.c;
  bn_finish_stats(s.c, p, bmean, bvar, running_mean, running_var, sm, si);
  act_bn_dropout_apply_cpu(s, p, act, x, gamma, beta, sm, si, y);
}

void act_bn_dropout_backward_fast_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                      const float* gamma, const float* save_mean, const float* save_invstd,
                                      const float* dy, float* dx, float* dgamma, float* dbeta, float* scratch) {
  if (s.s == 1) {
    act_bn_dropout_backward_cpu(s, p, act, x, gamma, save_mean, save_invstd, dy, dx, dgamma, dbeta, scratch);
    return;
  }
  GENER_CHECK(dx != x, "act_bn_dropout_backward_fast_cpu: dx must not alias x (the activation's mask reads x)");
  const double m = static_cast<double>(s.n) * s.s;
  if (m <= 0) {  // as batchnorm_backward_cpu: no rows, zero parameter gradients
    for (int c = 0; c < s.c; ++c) {
      if (dgamma) dgamma[c] = 0.0f;
      if (dbeta) dbeta[c] = 0.0f;
    }
    return;
  }
  std::vector<double> sums(2 * static_cast<size_t>(s.c));
  double *sum_g = sums.data(), *sum_gx = sum_g + s.c;
  act_bn_dropout_backward_lane_sums_cpu(s, p, act, x, save_mean, dy, dx, sum_g, sum_gx);
  for (int c = 0; c < s.c; ++c) {
    sum_gx[c] *= save_invstd[c];  // sum g * xhat, as finish_backward_channel
    if (dbeta) dbeta[c] = static_cast<float>(sum_g[c]);
    if (dgamma) dgamma[c] = static_cast<float>(sum_gx[c]);
  }
  act_bn_dropout_backward_lane_finish_cpu(s, act, x, gamma, save_mean, save_invstd, sum_g, sum_gx, m, dx);
}

}  // namespace gener::kernels
