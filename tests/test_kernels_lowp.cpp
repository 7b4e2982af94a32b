// test_kernels_lowp.cpp — bf16 / int8 kernels (kernels/lowp.h) against the fp32 reference ops: exact on small
// integers, within the rounding bound on random data, at batch 1, 7, 1000 and widths that are no multiple of 16;
// deterministic; independent of batch composition; the GENER_CPU_DISABLE fallback.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/cpu_features.h"
#include "kernels/dense.h"
#include "kernels/lowp.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_uniform;

// Reference conv (1 row) + ReLU: conv2d_forward_cpu then activation_forward_cpu. x (N, C, W), w (O, C, 1, KW).
std::vector<float> ref_conv(int n, int c, int w, int o, int kw, const std::vector<float>& x,
                            const std::vector<float>& wt, const std::vector<float>& b) {
  Conv2dShape s{n, c, 1, w, o, 1, kw};
  std::vector<float> y(static_cast<size_t>(n) * o * s.w_out()), ws(conv2d_workspace_floats_cpu(s));
  conv2d_forward_cpu(s, x.data(), wt.data(), b.data(), y.data(), ws.data());
  activation_forward_cpu(Activation::Relu, static_cast<long long>(y.size()), y.data(), y.data());
  return y;
}

std::vector<float> ref_dense(int n, int in, int out, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b) {
  std::vector<float> y(static_cast<size_t>(n) * out);
  dense_forward_cpu(n, in, out, x.data(), w.data(), b.data(), y.data());
  activation_forward_cpu(Activation::Relu, static_cast<long long>(y.size()), y.data(), y.data());
  return y;
}

std::vector<float> low_conv(Precision p, int n, int c, int w, int o, int kw, const std::vector<float>& x,
                            const std::vector<float>& wt, const std::vector<float>& b) {
  LowpWeights lw = conv1row_lowp_pack(p, o, c, kw, wt.data(), b.data());
  LowpActs a;
  conv1row_lowp_convert(lw, n, w, x.data(), a);
  std::vector<float> y(static_cast<size_t>(n) * o * (w - kw + 1), -1.f);
  conv1row_lowp_forward(lw, n, w, a, Activation::Relu, y.data());
  return y;
}

std::vector<float> low_dense(Precision p, int n, int in, int out, const std::vector<float>& x,
                             const std::vector<float>& w, const std::vector<float>& b) {
  LowpWeights lw = dense_lowp_pack(p, out, in, w.data(), b.data());
  LowpActs a;
  dense_lowp_convert(lw, n, x.data(), a);
  std::vector<float> y(static_cast<size_t>(n) * out, -1.f);
  dense_lowp_forward(lw, n, a, Activation::Relu, y.data());
  return y;
}

std::vector<float> small_ints(size_t n, int lo, int hi, uint32_t seed) {
  std::vector<float> v = random_uniform(n, static_cast<float>(lo), static_cast<float>(hi) + 0.999f, seed);
  for (float& f : v) f = std::floor(f);
  return v;
}

// Integers the formats hold exactly give exact products and sums: bf16 (|v| <= 256), int8 (inputs in 0..255 with 255
// present, weights in -127..127 with ±127 present in every output, so both scales are exactly 1).
TEST(LowpKernels, ExactOnSmallIntegers) {
  for (Precision p : {Precision::Bf16, Precision::Int8}) {
    if (!precision_supported(p)) continue;
    for (int n : {1, 7}) {
      const int c = 16, w = 37, o = 13, kw = 3;
      std::vector<float> x = small_ints(static_cast<size_t>(n) * c * w, 0, 255, 1);
      std::vector<float> wt = small_ints(static_cast<size_t>(o) * c * kw, -127, 127, 2);
      for (int s = 0; s < n; ++s) x[static_cast<size_t>(s) * c * w] = 255.f;
      for (int k = 0; k < o; ++k) wt[static_cast<size_t>(k) * c * kw] = (k % 2) ? 127.f : -127.f;
      std::vector<float> b = small_ints(o, -50, 50, 3);
      EXPECT_TRUE(all_close(low_conv(p, n, c, w, o, kw, x, wt, b), ref_conv(n, c, w, o, kw, x, wt, b), 0, 0,
                            std::string("conv ") + precision_name(p) + " n=" + std::to_string(n)));
      const int in = 45, out = 35;
      std::vector<float> dx = small_ints(static_cast<size_t>(n) * in, 0, 255, 4);
      std::vector<float> dw = small_ints(static_cast<size_t>(out) * in, -127, 127, 5);
      for (int s = 0; s < n; ++s) dx[static_cast<size_t>(s) * in] = 255.f;
      for (int k = 0; k < out; ++k) dw[static_cast<size_t>(k) * in] = 127.f;
      std::vector<float> db = small_ints(out, -50, 50, 6);
      EXPECT_TRUE(all_close(low_dense(p, n, in, out, dx, dw, db), ref_dense(n, in, out, dx, dw, db), 0, 0,
                            std::string("dense ") + precision_name(p) + " n=" + std::to_string(n)));
    }
  }
}

// Per output, the worst case of rounding every input and weight: Σ |w| |dx| + |x| |dw| + |dx| |dw| with the
// format's step (bf16: 2^-8 relative; int8: half a quantization step), plus fp32 accumulation slack.
std::vector<float> error_bound(Precision p, int n, int k, int out, const std::vector<float>& x,
                               const std::vector<float>& w, bool signed_x) {
  std::vector<float> bound(static_cast<size_t>(n) * out);
  for (int s = 0; s < n; ++s) {
    float xmax = 0;
    for (int i = 0; i < k; ++i) xmax = std::max(xmax, std::fabs(x[static_cast<size_t>(s) * k + i]));
    for (int o = 0; o < out; ++o) {
      float wmax = 0;
      for (int i = 0; i < k; ++i) wmax = std::max(wmax, std::fabs(w[static_cast<size_t>(o) * k + i]));
      double e = 0;
      for (int i = 0; i < k; ++i) {
        const double xv = std::fabs(x[static_cast<size_t>(s) * k + i]), wv = std::fabs(w[static_cast<size_t>(o) * k + i]);
        const double dx = p == Precision::Bf16 ? xv / 256 : xmax / (signed_x ? 127.0 : 255.0) / 2;
        const double dw = p == Precision::Bf16 ? wv / 256 : wmax / 127.0 / 2;
        e += wv * dx + xv * dw + dx * dw;
      }
      bound[static_cast<size_t>(s) * out + o] = static_cast<float>(e * 1.01 + 1e-5);
    }
  }
  return bound;
}

// Dense layers as the paper model has them (fc1 4264 -> 32, mlp 536 -> 128) and odd ones, batch 1, 7, 1000. Widths
// of 3, 5, 6 and 7 vectors end in a partial register block (1 or 3, 3, 2, 1 vectors past the packed width), whose
// weight loads scripts/sanitize.sh checks stay inside the packed weights.
TEST(LowpKernels, DenseWithinRoundingBound) {
  struct Case { int n, in, out; bool signed_x; };
  for (Precision p : {Precision::Bf16, Precision::Int8}) {
    if (!precision_supported(p)) continue;
    for (Case c : {Case{1, 4264, 32, false}, Case{7, 536, 128, true}, Case{1000, 130, 17, false}, Case{7, 33, 70, true},
                   Case{7, 45, 35, false}, Case{7, 33, 90, true}, Case{7, 33, 100, false}}) {
      std::vector<float> x = random_uniform(static_cast<size_t>(c.n) * c.in, c.signed_x ? -3.f : 0.f, 3.f, 7);
      std::vector<float> w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.1f, 0.1f, 8);
      std::vector<float> b = random_uniform(c.out, -0.5f, 0.5f, 9);
      // Compare before the ReLU: a bias large enough keeps every output positive.
      for (float& v : b) v += 1000.f;
      const std::vector<float> got = low_dense(p, c.n, c.in, c.out, x, w, b), ref = ref_dense(c.n, c.in, c.out, x, w, b);
      const std::vector<float> bound = error_bound(p, c.n, c.in, c.out, x, w, c.signed_x);
      size_t bad = 0;
      for (size_t i = 0; i < got.size(); ++i) bad += !(std::fabs(got[i] - ref[i]) <= bound[i] + 1000.f * 1.2e-7f);
      EXPECT_EQ(bad, 0u) << precision_name(p) << " dense n=" << c.n << " " << c.in << "->" << c.out;
    }
  }
}

// conv2 / conv3 of the paper model (16 -> 16 x 3, 16 -> 8 x 1) at W = 535 / 533 and small odd shapes.
TEST(LowpKernels, ConvWithinRoundingBound) {
  struct Case { int n, c, w, o, kw; };
  for (Precision p : {Precision::Bf16, Precision::Int8}) {
    if (!precision_supported(p)) continue;
    for (Case cs : {Case{1, 16, 535, 16, 3}, Case{7, 16, 533, 8, 1}, Case{3, 5, 20, 9, 2}, Case{2, 3, 50, 3, 3}}) {
      const int wo = cs.w - cs.kw + 1;
      std::vector<float> x = random_uniform(static_cast<size_t>(cs.n) * cs.c * cs.w, 0.f, 2.f, 11);
      std::vector<float> w = random_uniform(static_cast<size_t>(cs.o) * cs.c * cs.kw, -0.3f, 0.3f, 12);
      std::vector<float> b(static_cast<size_t>(cs.o), 1000.f);
      const std::vector<float> got = low_conv(p, cs.n, cs.c, cs.w, cs.o, cs.kw, x, w, b);
      const std::vector<float> ref = ref_conv(cs.n, cs.c, cs.w, cs.o, cs.kw, x, w, b);
      size_t bad = 0;
      for (int s = 0; s < cs.n; ++s) {
        // Each output position is a dense product over the window: bound it as one, per position.
        float xmax = 0;
        for (int i = 0; i < cs.c * cs.w; ++i) xmax = std::max(xmax, x[static_cast<size_t>(s) * cs.c * cs.w + i]);
        for (int o = 0; o < cs.o; ++o)
          for (int j = 0; j < wo; ++j) {
            std::vector<float> win, wr;
            for (int c = 0; c < cs.c; ++c)
              for (int k = 0; k < cs.kw; ++k) {
                win.push_back(x[(static_cast<size_t>(s) * cs.c + c) * cs.w + j + k]);
                wr.push_back(w[(static_cast<size_t>(o) * cs.c + c) * cs.kw + k]);
              }
            if (p == Precision::Int8) win.push_back(xmax), wr.push_back(0.f);  // the sample's scale, no weight
            const float bd = error_bound(p, 1, static_cast<int>(win.size()), 1, win, wr, false)[0];
            const size_t i = (static_cast<size_t>(s) * cs.o + o) * wo + j;
            bad += !(std::fabs(got[i] - ref[i]) <= bd + 1000.f * 1.2e-7f);
          }
      }
      EXPECT_EQ(bad, 0u) << precision_name(p) << " conv n=" << cs.n << " c=" << cs.c << " w=" << cs.w;
    }
  }
}

// The same inputs give the same bits, and a sample's output does not depend on the other samples of its batch.
TEST(LowpKernels, DeterministicAndBatchIndependent) {
  for (Precision p : {Precision::Bf16, Precision::Int8}) {
    if (!precision_supported(p)) continue;
    const int n = 7, in = 536, out = 128;
    std::vector<float> x = random_uniform(static_cast<size_t>(n) * in, -2.f, 2.f, 21);
    std::vector<float> w = random_uniform(static_cast<size_t>(out) * in, -0.1f, 0.1f, 22), b(out, 0.1f);
    const std::vector<float> y1 = low_dense(p, n, in, out, x, w, b), y2 = low_dense(p, n, in, out, x, w, b);
    EXPECT_TRUE(all_close(y1, y2, 0, 0, "dense rerun"));
    std::vector<float> x5(x.begin() + 5 * in, x.begin() + 6 * in);
    const std::vector<float> y5 = low_dense(p, 1, in, out, x5, w, b);
    EXPECT_TRUE(all_close(y5.data(), y1.data() + 5 * out, out, 0, 0, "sample 5 alone vs in its batch"));
  }
}

// The fp32 dense kernel of folded inference (Precision::Fp32 weights): the reference dense op within fp32 rounding of
// a reordered sum (|dy| <= 1e-6 · Σ|x||w| + 1e-6 · |y|), at batch 1, 7, 1000 and widths no multiple of 16; every row
// computed alone (bit-identical when scored by itself) and the same bits on a rerun.
// Run on every instruction set this CPU has (AVX-512F, then AVX2 with AVX-512F hidden).
TEST(LowpKernels, Fp32DenseMatchesReferenceRowByRow) {
  if (!fp32_dense_fast_available()) GTEST_SKIP() << "this CPU lacks AVX2 + FMA and AVX-512F (or they are disabled)";
  const bool avx512 = fp32_simd() == Fp32Simd::Avx512;
  for (const char* off : {"", "avx512f"}) {
    if (*off && !avx512) continue;  // the first pass ran AVX2 already
    test::ScopedEnv env("GENER_CPU_DISABLE", off);
    SCOPED_TRACE(std::string("kernel ") + fp32_simd_name(fp32_simd()));
    struct Case { int n, in, out; };
    for (Case c : {Case{1, 4264, 32}, Case{7, 536, 128}, Case{1000, 130, 17}, Case{7, 33, 70}, Case{1000, 160, 2},
                   Case{7, 45, 35}, Case{7, 33, 90}, Case{7, 33, 100}}) {  // 35..100: partial last blocks
      SCOPED_TRACE("n=" + std::to_string(c.n) + " " + std::to_string(c.in) + "->" + std::to_string(c.out));
      std::vector<float> x = random_uniform(static_cast<size_t>(c.n) * c.in, -3.f, 3.f, 31);
      std::vector<float> w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.2f, 0.2f, 32);
      std::vector<float> b = random_uniform(c.out, -0.5f, 0.5f, 33);
      for (float& v : b) v += 100.f;  // every output positive: the ReLU passes all of them
      const std::vector<float> got = low_dense(Precision::Fp32, c.n, c.in, c.out, x, w, b);
      const std::vector<float> ref = ref_dense(c.n, c.in, c.out, x, w, b);
      size_t bad = 0;
      for (int s = 0; s < c.n; ++s)
        for (int o = 0; o < c.out; ++o) {
          double mag = 0;
          for (int i = 0; i < c.in; ++i)
            mag += std::fabs(x[static_cast<size_t>(s) * c.in + i]) * std::fabs(w[static_cast<size_t>(o) * c.in + i]);
          const size_t i = static_cast<size_t>(s) * c.out + o;
          bad += !(std::fabs(got[i] - ref[i]) <= 1e-6 * mag + 1e-6 * std::fabs(ref[i]));
        }
      EXPECT_EQ(bad, 0u);
      EXPECT_EQ(low_dense(Precision::Fp32, c.n, c.in, c.out, x, w, b), got) << "rerun";
      const int s = c.n - 1;  // the last row (a partial block in every case but n = 1) scored alone
      std::vector<float> xs(x.begin() + static_cast<long>(s) * c.in, x.begin() + static_cast<long>(s + 1) * c.in);
      EXPECT_TRUE(all_close(low_dense(Precision::Fp32, 1, c.in, c.out, xs, w, b).data(),
                            got.data() + static_cast<size_t>(s) * c.out, c.out, 0, 0,
                            "last row alone vs in its batch"));
    }
    // The test can fail: a weight moved by one fp32 step at the far end of a row changes that output.
    std::vector<float> x(33, 1.f), w = random_uniform(70 * 33, 0.1f, 0.2f, 34), b(70, 1.f);
    const std::vector<float> y0 = low_dense(Precision::Fp32, 1, 33, 70, x, w, b);
    w[32] = std::nextafter(w[32], 1.f) + 1e-3f;
    EXPECT_NE(low_dense(Precision::Fp32, 1, 33, 70, x, w, b)[0], y0[0]);
  }
}

// AVX-512 and AVX2 compute each output as one FMA chain over the inputs in order, from zero, then + bias: the same
// bits, so a score does not depend on which of the two machines of a cluster ran it.
TEST(LowpKernels, Fp32DenseSameBitsOnAvx512AndAvx2) {
  if (fp32_simd() != Fp32Simd::Avx512) GTEST_SKIP() << "this CPU lacks AVX-512F: nothing to compare AVX2 with";
  struct Case { int n, in, out; };
  for (Case c : {Case{1, 4264, 32}, Case{1000, 130, 17}, Case{7, 33, 70}, Case{1000, 160, 2}, Case{30, 536, 128}}) {
    SCOPED_TRACE("n=" + std::to_string(c.n) + " " + std::to_string(c.in) + "->" + std::to_string(c.out));
    std::vector<float> x = random_uniform(static_cast<size_t>(c.n) * c.in, -3.f, 3.f, 41);
    std::vector<float> w = random_uniform(static_cast<size_t>(c.out) * c.in, -0.2f, 0.2f, 42);
    std::vector<float> b = random_uniform(c.out, -0.5f, 0.5f, 43);
    const std::vector<float> wide = low_dense(Precision::Fp32, c.n, c.in, c.out, x, w, b);
    test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
    ASSERT_EQ(fp32_simd(), Fp32Simd::Avx2);
    EXPECT_EQ(low_dense(Precision::Fp32, c.n, c.in, c.out, x, w, b), wide);
  }
}

TEST(LowpKernels, DisabledFeatureFallsBackToFp32) {
  const char* old = std::getenv("GENER_CPU_DISABLE");
  const std::string saved = old ? old : "";
  setenv("GENER_CPU_DISABLE", "avx512_bf16,avx512_vnni", 1);
  std::string note;
  EXPECT_FALSE(precision_supported(Precision::Bf16));
  EXPECT_FALSE(precision_supported(Precision::Int8));
  EXPECT_EQ(resolve_precision(Precision::Bf16, &note), Precision::Fp32);
  EXPECT_NE(note.find("AVX512-BF16"), std::string::npos) << note;
  EXPECT_EQ(resolve_precision(Precision::Int8, &note), Precision::Fp32);
  EXPECT_NE(note.find("VNNI"), std::string::npos) << note;
  EXPECT_TRUE(precision_supported(Precision::Fp32));
  if (old) setenv("GENER_CPU_DISABLE", saved.c_str(), 1);
  else unsetenv("GENER_CPU_DISABLE");
  EXPECT_THROW(parse_precision("fp16"), Error);
}

TEST(LowpKernels, Bf16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(bf16_to_float(0x3f81)), 0x3f81);
  // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties to even (1.0); 1 + 3 * 2^-8 rounds up to 1 + 2^-6.
  EXPECT_EQ(float_to_bf16(1.0f + 1.0f / 256), 0x3f80);
  EXPECT_EQ(float_to_bf16(1.0f + 3.0f / 256), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(NAN))));
}

}  // namespace
}  // namespace gener::kernels
