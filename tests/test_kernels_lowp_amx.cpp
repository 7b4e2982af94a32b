// test_kernels_lowp_amx.cpp — the AMX-BF16 tile kernels (kernels/lowp_amx_cpu.cpp) against the AVX512-BF16 kernels,
// which compute the same bf16 products in another order: element by element within fp32 reordering slack, on
// shapes that cross every tile edge (channels and outputs past 16, widths no multiple of 16, batch 1 and 1000);
// exact on small integers; deterministic and batch-independent; GENER_CPU_DISABLE=amx_bf16 selects AVX512-BF16.
// Skipped, saying so, on a CPU without AMX-BF16.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/lowp.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::random_uniform;

#define GENER_REQUIRE_AMX() \
  if (!amx_bf16_available()) GTEST_SKIP() << "this CPU lacks AMX-BF16 (or the kernel does not grant the tile state)"

std::vector<float> conv(LowpKernel k, int n, int c, int w, int o, int kw, const std::vector<float>& x,
                        const std::vector<float>& wt, const std::vector<float>& b, Activation act = Activation::None) {
  const LowpWeights lw = conv1row_lowp_pack(Precision::Bf16, o, c, kw, wt.data(), b.data(), k);
  EXPECT_EQ(lw.amx, k == LowpKernel::Best);
  LowpActs a;
  conv1row_lowp_convert(lw, n, w, x.data(), a);
  EXPECT_LE(a.data.size(), conv1row_lowp_bytes(lw, n, w));
  std::vector<float> y(static_cast<size_t>(n) * o * (w - kw + 1), -7.f);
  conv1row_lowp_forward(lw, n, w, a, act, y.data());
  return y;
}

std::vector<float> dense(LowpKernel k, int n, int in, int out, const std::vector<float>& x,
                         const std::vector<float>& wt, const std::vector<float>& b, Activation act = Activation::None) {
  const LowpWeights lw = dense_lowp_pack(Precision::Bf16, out, in, wt.data(), b.data(), k);
  EXPECT_EQ(lw.amx, k == LowpKernel::Best);
  LowpActs a;
  dense_lowp_convert(lw, n, x.data(), a);
  EXPECT_LE(a.data.size(), dense_lowp_bytes(lw, n));
  std::vector<float> y(static_cast<size_t>(n) * out, -7.f);
  dense_lowp_forward(lw, n, a, act, y.data());
  return y;
}

// |amx - avx512| <= 3e-5 · Σ|x||w| + 1e-6 per output (mag: that sum, from the fp32 operands). One misplaced operand
// of a K-long product moves an output by about mag / K, above this slack for every K tested here.
size_t count_apart(const std::vector<float>& a, const std::vector<float>& b, const std::vector<double>& mag) {
  size_t bad = 0;
  for (size_t i = 0; i < a.size(); ++i) bad += !(std::fabs(a[i] - b[i]) <= 3e-5 * mag[i] + 1e-6);
  return bad;
}

struct ConvCase { int n, c, w, o, kw; };

TEST(LowpAmx, ConvMatchesAvx512Bf16) {
  GENER_REQUIRE_AMX();
  // conv2 / conv3 of the paper model, channels past one 16-block (20, 33), outputs past one (17, 40), taps 1-5, widths
  // that leave 1, 2, 3 or 0 position tiles after the groups of four.
  for (ConvCase cs : {ConvCase{2, 16, 535, 16, 3}, ConvCase{3, 16, 533, 8, 1}, ConvCase{1, 5, 20, 9, 2},
                      ConvCase{2, 20, 40, 17, 4}, ConvCase{1, 33, 77, 40, 5}, ConvCase{5, 3, 50, 3, 3},
                      ConvCase{1, 16, 16, 16, 1}, ConvCase{2, 16, 66, 16, 3}}) {
    SCOPED_TRACE("n=" + std::to_string(cs.n) + " c=" + std::to_string(cs.c) + " w=" + std::to_string(cs.w) +
                 " o=" + std::to_string(cs.o) + " kw=" + std::to_string(cs.kw));
    const int wo = cs.w - cs.kw + 1;
    std::vector<float> x = random_uniform(static_cast<size_t>(cs.n) * cs.c * cs.w, -2.f, 2.f, 41);
    std::vector<float> wt = random_uniform(static_cast<size_t>(cs.o) * cs.c * cs.kw, -0.3f, 0.3f, 42);
    std::vector<float> b = random_uniform(static_cast<size_t>(cs.o), -0.5f, 0.5f, 43);
    std::vector<double> mag(static_cast<size_t>(cs.n) * cs.o * wo, 0.0);
    for (int s = 0; s < cs.n; ++s)
      for (int o = 0; o < cs.o; ++o)
        for (int j = 0; j < wo; ++j) {
          double m = std::fabs(b[static_cast<size_t>(o)]);
          for (int c = 0; c < cs.c; ++c)
            for (int k = 0; k < cs.kw; ++k)
              m += std::fabs(x[(static_cast<size_t>(s) * cs.c + c) * cs.w + j + k]) *
                   std::fabs(wt[(static_cast<size_t>(o) * cs.c + c) * cs.kw + k]);
          mag[(static_cast<size_t>(s) * cs.o + o) * wo + j] = m;
        }
    const std::vector<float> amx = conv(LowpKernel::Best, cs.n, cs.c, cs.w, cs.o, cs.kw, x, wt, b);
    const std::vector<float> avx = conv(LowpKernel::Avx512, cs.n, cs.c, cs.w, cs.o, cs.kw, x, wt, b);
    EXPECT_EQ(count_apart(amx, avx, mag), 0u);
    // ReLU in the epilogue: exactly max(0, ·) of the plain outputs.
    const std::vector<float> relu = conv(LowpKernel::Best, cs.n, cs.c, cs.w, cs.o, cs.kw, x, wt, b, Activation::Relu);
    size_t off = 0;
    for (size_t i = 0; i < relu.size(); ++i) off += relu[i] != std::max(amx[i], 0.f);
    EXPECT_EQ(off, 0u) << "ReLU epilogue";
  }
}

TEST(LowpAmx, DenseMatchesAvx512Bf16) {
  GENER_REQUIRE_AMX();
  struct Case { int n, in, out; };
  // fc1 and the MLP of the paper model; reductions that end inside a tile (33, 130) or a pair (45); 1-9 output
  // blocks (one group of four plus 0-3); row counts around the 16-row tile.
  for (Case c : {Case{16, 4264, 32}, Case{7, 536, 128}, Case{1000, 130, 17}, Case{1, 33, 70}, Case{17, 45, 35},
                 Case{33, 33, 144}, Case{15, 64, 2}}) {
    SCOPED_TRACE("n=" + std::to_string(c.n) + " " + std::to_string(c.in) + "->" + std::to_string(c.out));
    std::vector<float> x = random_uniform(static_cast<size_t>(c.n) * c.in, -3.f, 3.f, 51);
    std::vector<float> wt = random_uniform(static_cast<size_t>(c.out) * c.in, -0.2f, 0.2f, 52);
    std::vector<float> b = random_uniform(static_cast<size_t>(c.out), -0.5f, 0.5f, 53);
    std::vector<double> mag(static_cast<size_t>(c.n) * c.out, 0.0);
    for (int s = 0; s < c.n; ++s)
      for (int o = 0; o < c.out; ++o) {
        double m = std::fabs(b[static_cast<size_t>(o)]);
        for (int i = 0; i < c.in; ++i)
          m += std::fabs(x[static_cast<size_t>(s) * c.in + i]) * std::fabs(wt[static_cast<size_t>(o) * c.in + i]);
        mag[static_cast<size_t>(s) * c.out + o] = m;
      }
    const std::vector<float> amx = dense(LowpKernel::Best, c.n, c.in, c.out, x, wt, b);
    EXPECT_EQ(count_apart(amx, dense(LowpKernel::Avx512, c.n, c.in, c.out, x, wt, b), mag), 0u);
  }
}

// Integers bf16 holds exactly (|v| <= 256) give exact products and sums: AMX equals the fp32 result bit for bit.
TEST(LowpAmx, ExactOnSmallIntegersAcrossTileEdges) {
  GENER_REQUIRE_AMX();
  const int n = 3, c = 20, w = 41, o = 17, kw = 3, wo = w - kw + 1;
  std::vector<float> x = random_uniform(static_cast<size_t>(n) * c * w, -8.f, 8.f, 61);
  std::vector<float> wt = random_uniform(static_cast<size_t>(o) * c * kw, -4.f, 4.f, 62);
  for (float& v : x) v = std::round(v);
  for (float& v : wt) v = std::round(v);
  std::vector<float> b(static_cast<size_t>(o), 0.f), want(static_cast<size_t>(n) * o * wo, 0.f);
  for (int s = 0; s < n; ++s)
    for (int q = 0; q < o; ++q)
      for (int j = 0; j < wo; ++j) {
        float acc = 0.f;
        for (int ch = 0; ch < c; ++ch)
          for (int k = 0; k < kw; ++k)
            acc += x[(static_cast<size_t>(s) * c + ch) * w + j + k] * wt[(static_cast<size_t>(q) * c + ch) * kw + k];
        want[(static_cast<size_t>(s) * o + q) * wo + j] = acc;
      }
  EXPECT_EQ(conv(LowpKernel::Best, n, c, w, o, kw, x, wt, b), want);
}

// The same inputs give the same bits; a sample's outputs do not depend on the samples beside it (conv: by sample;
// dense: the 16-row tile it shares with others).
TEST(LowpAmx, DeterministicAndBatchIndependent) {
  GENER_REQUIRE_AMX();
  const int n = 20, c = 16, w = 535, o = 16, kw = 3, wo = w - kw + 1;
  std::vector<float> x = random_uniform(static_cast<size_t>(n) * c * w, 0.f, 2.f, 71);
  std::vector<float> wt = random_uniform(static_cast<size_t>(o) * c * kw, -0.3f, 0.3f, 72), b(o, 0.1f);
  const std::vector<float> y1 = conv(LowpKernel::Best, n, c, w, o, kw, x, wt, b);
  EXPECT_EQ(conv(LowpKernel::Best, n, c, w, o, kw, x, wt, b), y1);
  const int s = 17;
  std::vector<float> xs(x.begin() + static_cast<long>(s) * c * w, x.begin() + static_cast<long>(s + 1) * c * w);
  const std::vector<float> alone = conv(LowpKernel::Best, 1, c, w, o, kw, xs, wt, b);
  EXPECT_TRUE(std::equal(alone.begin(), alone.end(), y1.begin() + static_cast<long>(s) * o * wo)) << "conv sample";

  const int in = 536, out = 128;
  std::vector<float> dx = random_uniform(static_cast<size_t>(n) * in, -2.f, 2.f, 73);
  std::vector<float> dw = random_uniform(static_cast<size_t>(out) * in, -0.1f, 0.1f, 74), db(out, 0.1f);
  const std::vector<float> d1 = dense(LowpKernel::Best, n, in, out, dx, dw, db);
  EXPECT_EQ(dense(LowpKernel::Best, n, in, out, dx, dw, db), d1);
  std::vector<float> ds(dx.begin() + static_cast<long>(s) * in, dx.begin() + static_cast<long>(s + 1) * in);
  const std::vector<float> dalone = dense(LowpKernel::Best, 1, in, out, ds, dw, db);
  EXPECT_TRUE(std::equal(dalone.begin(), dalone.end(), d1.begin() + static_cast<long>(s) * out)) << "dense row";
}

// A convolution writing straight into the next layer's input (conv1row_lowp_forward_into) rounds the same fp32 values
// to bf16 as converting its fp32 output would: into a convolution, the next layer's outputs are the same bits; into a
// dense layer (position-major weights), they differ only in the order of the sum.
TEST(LowpAmx, ConvIntoNextLayerMatchesTheFp32HandOver) {
  GENER_REQUIRE_AMX();
  struct Case { int n, c, w, o, kw, o2, kw2; };
  // Output widths 533, 38, 18 and 16 (a whole number of tiles: the next layer's reads reach past the last tile).
  for (Case cs : {Case{3, 16, 535, 16, 3, 8, 1}, Case{2, 16, 40, 20, 3, 17, 2}, Case{1, 5, 19, 9, 2, 33, 4},
                  Case{2, 16, 18, 16, 3, 8, 1}}) {
    SCOPED_TRACE("c=" + std::to_string(cs.c) + " w=" + std::to_string(cs.w) + " o=" + std::to_string(cs.o));
    const int wo = cs.w - cs.kw + 1, wo2 = wo - cs.kw2 + 1;
    std::vector<float> x = random_uniform(static_cast<size_t>(cs.n) * cs.c * cs.w, -2.f, 2.f, 81);
    std::vector<float> wt = random_uniform(static_cast<size_t>(cs.o) * cs.c * cs.kw, -0.3f, 0.3f, 82);
    std::vector<float> b = random_uniform(static_cast<size_t>(cs.o), -0.2f, 0.5f, 83);
    std::vector<float> wt2 = random_uniform(static_cast<size_t>(cs.o2) * cs.o * cs.kw2, -0.3f, 0.3f, 84);
    std::vector<float> b2 = random_uniform(static_cast<size_t>(cs.o2), -0.5f, 0.5f, 85);
    const LowpWeights l1 = conv1row_lowp_pack(Precision::Bf16, cs.o, cs.c, cs.kw, wt.data(), b.data());
    LowpActs a1, mid;
    conv1row_lowp_convert(l1, cs.n, cs.w, x.data(), a1);
    const std::vector<float> y1 = conv(LowpKernel::Best, cs.n, cs.c, cs.w, cs.o, cs.kw, x, wt, b, Activation::Relu);

    const LowpWeights l2 = conv1row_lowp_pack(Precision::Bf16, cs.o2, cs.o, cs.kw2, wt2.data(), b2.data());
    mid.data.assign(size_t{4} << 20, 0xff);  // stale NaNs: the hand-over must write or zero all the next layer reads
    conv1row_lowp_forward_into(l1, cs.n, cs.w, a1, Activation::Relu, l2, mid);
    std::vector<float> y2(static_cast<size_t>(cs.n) * cs.o2 * wo2, -7.f);
    conv1row_lowp_forward(l2, cs.n, wo, mid, Activation::None, y2.data());
    EXPECT_EQ(y2, conv(LowpKernel::Best, cs.n, cs.o, wo, cs.o2, cs.kw2, y1, wt2, b2)) << "conv into conv";

    const int in = cs.o * wo;
    std::vector<float> wd = random_uniform(static_cast<size_t>(cs.o2) * in, -0.1f, 0.1f, 86);
    const std::vector<float> wdp = dense_weights_position_major(wd.data(), cs.o2, cs.o, wo);
    const LowpWeights ld = dense_lowp_pack(Precision::Bf16, cs.o2, in, wdp.data(), b2.data());
    mid.data.assign(size_t{4} << 20, 0xff);
    conv1row_lowp_forward_into(l1, cs.n, cs.w, a1, Activation::Relu, ld, mid);
    std::vector<float> yd(static_cast<size_t>(cs.n) * cs.o2, -7.f);
    dense_lowp_forward(ld, cs.n, mid, Activation::None, yd.data());
    std::vector<double> mag(yd.size(), 0.0);
    for (int s = 0; s < cs.n; ++s)
      for (int o = 0; o < cs.o2; ++o) {
        double m = std::fabs(b2[static_cast<size_t>(o)]);
        for (int i = 0; i < in; ++i)
          m += std::fabs(y1[static_cast<size_t>(s) * in + i]) * std::fabs(wd[static_cast<size_t>(o) * in + i]);
        mag[static_cast<size_t>(s) * cs.o2 + o] = m;
      }
    EXPECT_EQ(count_apart(yd, dense(LowpKernel::Best, cs.n, in, cs.o2, y1, wd, b2), mag), 0u) << "conv into dense";
  }
}

// conv1 of the paper model on AMX plans (conv_full_height_forward_into): fp32 arithmetic whose ReLU output, rounded to
// bf16, lands in the next convolution's position-major input. Against the reference conv op: each value within bf16
// rounding (half a step: at most 2^-8 relative) plus fp32 reordering slack, and exact zeros past the width and in the padded
// channels.
TEST(LowpAmx, FullHeightConvWritesTheNextConvInputInBf16) {
  GENER_REQUIRE_AMX();
  struct Case { int n, c, h, w, o, kw; };
  for (Case cs : {Case{3, 1, 2, 536, 16, 2}, Case{2, 2, 3, 37, 20, 3}, Case{1, 1, 2, 17, 5, 2}}) {
    SCOPED_TRACE("c=" + std::to_string(cs.c) + " h=" + std::to_string(cs.h) + " w=" + std::to_string(cs.w) +
                 " o=" + std::to_string(cs.o));
    const Conv2dShape sh{cs.n, cs.c, cs.h, cs.w, cs.o, cs.h, cs.kw};
    const int wo = sh.w_out();
    std::vector<float> x = random_uniform(static_cast<size_t>(cs.n) * cs.c * cs.h * cs.w, -2.f, 2.f, 91);
    std::vector<float> wt = random_uniform(static_cast<size_t>(cs.o) * cs.c * cs.h * cs.kw, -0.5f, 0.5f, 92);
    std::vector<float> b = random_uniform(static_cast<size_t>(cs.o), -0.3f, 0.3f, 93);
    std::vector<float> ref(static_cast<size_t>(cs.n) * cs.o * wo), ws(conv2d_workspace_floats_cpu(sh));
    conv2d_forward_cpu(sh, x.data(), wt.data(), b.data(), ref.data(), ws.data());
    activation_forward_cpu(Activation::Relu, static_cast<long long>(ref.size()), ref.data(), ref.data());

    std::vector<float> wn(static_cast<size_t>(4) * cs.o * 3, 0.1f), bn(4, 0.f);  // the next conv: o → 4, 1 x 3
    const LowpWeights next = conv1row_lowp_pack(Precision::Bf16, 4, cs.o, 3, wn.data(), bn.data());
    const LowpWeights lw = conv_full_height_pack(cs.o, cs.c, cs.h, cs.kw, wt.data(), b.data());
    LowpActs out;
    out.data.assign(size_t{1} << 20, 0xff);  // stale NaNs
    conv_full_height_forward_into(lw, cs.n, cs.w, x.data(), Activation::Relu, next, out);
    const int cp = (cs.o + 15) / 16 * 16;
    ASSERT_GE(out.stride, static_cast<size_t>(wo) * cp * 2);
    size_t bad = 0, nonzero_pad = 0;
    for (int s = 0; s < cs.n; ++s) {
      const uint16_t* row = reinterpret_cast<const uint16_t*>(out.data.data() + out.stride * s);
      for (size_t p = 0; p < out.stride / 2 / cp; ++p)
        for (int c = 0; c < cp; ++c) {
          const float got = bf16_to_float(row[p * cp + c]);
          if (static_cast<int>(p) >= wo || c >= cs.o) {
            nonzero_pad += got != 0.f;
            continue;
          }
          const float want = ref[(static_cast<size_t>(s) * cs.o + c) * wo + p];
          bad += !(std::fabs(got - want) <= std::fabs(want) / 256 + 1e-6f);
        }
    }
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(nonzero_pad, 0u);
  }
}

TEST(LowpAmx, DisabledAmxPacksForAvx512Bf16) {
  GENER_REQUIRE_AMX();
  EXPECT_TRUE(lowp_packs_for_amx(Precision::Bf16));
  EXPECT_FALSE(lowp_packs_for_amx(Precision::Int8));
  EXPECT_FALSE(lowp_packs_for_amx(Precision::Bf16, LowpKernel::Avx512));
  const char* old = std::getenv("GENER_CPU_DISABLE");
  const std::string saved = old ? old : "";
  setenv("GENER_CPU_DISABLE", "amx_bf16", 1);
  EXPECT_FALSE(amx_bf16_available());
  EXPECT_FALSE(lowp_packs_for_amx(Precision::Bf16));
  EXPECT_TRUE(precision_supported(Precision::Bf16)) << "bf16 stays, on AVX512-BF16";
  std::vector<float> w(16 * 16, 0.5f), b(16, 0.f);
  EXPECT_FALSE(dense_lowp_pack(Precision::Bf16, 16, 16, w.data(), b.data()).amx);
  if (old) setenv("GENER_CPU_DISABLE", saved.c_str(), 1);
  else unsetenv("GENER_CPU_DISABLE");
}

}  // namespace
}  // namespace gener::kernels
