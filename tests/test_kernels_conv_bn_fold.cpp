// test_kernels_conv_bn_fold.cpp — the first conv's weight gradient folded through the training batchnorm block
// (conv_bn_fold.h) against the unfolded composition: the block's finish (dz) then the conv's backward (dw, db), on
// awkward shapes (one output position, taps from 1 to 9, widths not a multiple of 16), both activations, one row or
// many, and the batch split over lanes whose results add; on AVX-512 and on the portable path.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/conv2d.h"
#include "kernels/conv_bn_fold.h"
#include "kernels/cpu_features.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_uniform;

struct FoldCase {
  Conv2dShape s;  // s.n: the batch's rows
  Activation act;
  int lanes;
};

std::string tag(const FoldCase& k) {
  const Conv2dShape& s = k.s;
  return " (N=" + std::to_string(s.n) + ", in " + std::to_string(s.c_in) + "x" + std::to_string(s.h) + "x" +
         std::to_string(s.w) + ", out " + std::to_string(s.c_out) + ", kernel " + std::to_string(s.kh) + "x" +
         std::to_string(s.kw) + (k.act == Activation::Relu ? ", relu" : ", none") + ", " + std::to_string(k.lanes) +
         " lanes)";
}

// The block's statistics from y as the training forward makes them: mean and invstd of act(y) per channel.
void block_stats(const Conv2dShape& s, Activation act, const std::vector<float>& y, std::vector<float>* mean,
                 std::vector<float>* invstd) {
  const int wo = s.w_out();
  for (int c = 0; c < s.c_out; ++c) {
    double sum = 0, sq = 0;
    for (int n = 0; n < s.n; ++n)
      for (int k = 0; k < wo; ++k) {
        double v = y[(static_cast<size_t>(n) * s.c_out + c) * wo + k];
        if (act == Activation::Relu && v < 0) v = 0;
        sum += v;
        sq += v * v;
      }
    const double m = static_cast<double>(s.n) * wo, mu = sum / m, var = std::max(0.0, sq / m - mu * mu);
    (*mean)[static_cast<size_t>(c)] = static_cast<float>(mu);
    (*invstd)[static_cast<size_t>(c)] = static_cast<float>(1.0 / std::sqrt(var + 1e-3));
  }
}

void check_fold(const FoldCase& k, uint32_t seed) {
  const Conv2dShape& s = k.s;
  const int wo = s.w_out(), C = s.c_out, taps = s.c_in * s.kh * s.kw;
  ASSERT_TRUE(conv_bn_fold_available(s, k.act)) << tag(k);
  const size_t in_row = static_cast<size_t>(s.c_in) * s.h * s.w, out_row = static_cast<size_t>(C) * wo;
  const std::vector<float> x = random_uniform(in_row * s.n, -2.f, 2.f, seed);
  const std::vector<float> y = random_uniform(out_row * s.n, -1.f, 1.5f, seed + 1);
  const std::vector<float> g = random_uniform(out_row * s.n, -0.5f, 0.7f, seed + 2);  // a mean away from zero
  const std::vector<float> gamma = random_uniform(static_cast<size_t>(C), 0.5f, 1.5f, seed + 3);
  std::vector<float> mean(static_cast<size_t>(C)), invstd(static_cast<size_t>(C));
  block_stats(s, k.act, y, &mean, &invstd);
  // The batch's sums the block's meeting makes: sum g and sum g * xhat.
  std::vector<double> sum_g(static_cast<size_t>(C), 0.0), sum_gx(static_cast<size_t>(C), 0.0);
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < C; ++c)
      for (int p = 0; p < wo; ++p) {
        const size_t i = (static_cast<size_t>(n) * C + c) * wo + p;
        const double a = k.act == Activation::Relu && y[i] < 0 ? 0.0 : y[i];
        sum_g[static_cast<size_t>(c)] += g[i];
        sum_gx[static_cast<size_t>(c)] += g[i] * (a - mean[static_cast<size_t>(c)]) * invstd[static_cast<size_t>(c)];
      }
  const double m = static_cast<double>(s.n) * wo;

  // The composition: dz from the block's finish, then the conv's backward.
  std::vector<float> dz = g;
  act_bn_dropout_backward_lane_finish_cpu(BnShape{s.n, C, wo}, k.act, y.data(), gamma.data(), mean.data(),
                                          invstd.data(), sum_g.data(), sum_gx.data(), m, dz.data());
  const std::vector<float> w = random_uniform(static_cast<size_t>(C) * taps, -1.f, 1.f, seed + 4);
  std::vector<float> dw_ref(static_cast<size_t>(C) * taps), db_ref(static_cast<size_t>(C));
  std::vector<float> ws(conv2d_workspace_floats_cpu(s));
  conv2d_backward_cpu(s, x.data(), w.data(), dz.data(), nullptr, dw_ref.data(), db_ref.data(), ws.data());

  // Folded: each lane's rows summed alone, finished with the batch's sums, the lanes' results added.
  std::vector<float> dw(dw_ref.size(), 0.f), db(db_ref.size(), 0.f), dw_l(dw.size()), db_l(db.size());
  std::vector<double> sums(conv_bn_fold_sums_doubles(s));
  std::vector<float> scratch(conv_bn_fold_scratch_floats(s));
  for (int l = 0; l < k.lanes; ++l) {
    const int r0 = s.n * l / k.lanes, r1 = s.n * (l + 1) / k.lanes;
    std::fill(sums.begin(), sums.end(), 0.0);
    for (int r = r0; r < r1; ++r)
      conv_bn_fold_row_cpu(s, k.act, x.data() + r * in_row, y.data() + r * out_row, g.data() + r * out_row,
                           scratch.data(), sums.data());
    conv_bn_fold_finish_cpu(s, sums.data(), gamma.data(), mean.data(), invstd.data(), sum_g.data(), sum_gx.data(),
                            m, dw_l.data(), db_l.data());
    for (size_t i = 0; i < dw.size(); ++i) dw[i] += dw_l[i];
    for (size_t i = 0; i < db.size(); ++i) db[i] += db_l[i];
  }
  float scale = 0;  // the gradients' magnitude: the tolerance is relative to it (the terms cancel)
  for (float v : dw_ref) scale = std::max(scale, std::fabs(v));
  for (float v : db_ref) scale = std::max(scale, std::fabs(v));
  if (m > 1) {
    ASSERT_GT(scale, 1e-6f) << "reference gradients vanish" << tag(k);
  }
  scale = std::max(scale, 1.0f);  // one element per channel: batchnorm passes no gradient, both sides near zero
  EXPECT_TRUE(all_close(dw, dw_ref, 2e-5f * scale, 1e-4f, "dw" + tag(k)));
  EXPECT_TRUE(all_close(db, db_ref, 2e-5f * scale, 1e-4f, "db" + tag(k)));
}

void check_fold_shapes() {
  const Conv2dShape shapes[] = {
      {0, 1, 2, 536, 16, 2, 2},  // the paper's conv1: 4 taps, 535 positions
      {0, 3, 1, 20, 5, 1, 3},    // 9 taps: the tap-by-tap path
      {0, 2, 2, 17, 3, 2, 2},    // 8 taps, 16 positions
      {0, 1, 1, 1, 2, 1, 1},     // one tap, one position
      {0, 1, 2, 40, 7, 2, 3},    // 6 taps, 38 positions
      {0, 3, 1, 33, 4, 1, 1},    // 3 taps, 33 positions
  };
  uint32_t seed = 100;
  for (Conv2dShape s : shapes)
    for (int n : {1, 7, 33})
      for (Activation act : {Activation::Relu, Activation::None})
        for (int lanes : {1, 2}) {
          if (lanes > n) continue;
          s.n = n;
          check_fold({s, act, lanes}, seed += 10);
        }
}

TEST(ConvBnFold, MatchesTheBlockFinishThenTheConvBackward) { check_fold_shapes(); }

TEST(ConvBnFold, PortablePathMatchesToo) {
  test::ScopedEnv env("GENER_CPU_DISABLE", "avx512f");
  ASSERT_NE(fp32_simd(), Fp32Simd::Avx512);
  check_fold_shapes();
}

TEST(ConvBnFold, RefusesShapesItCannotFold) {
  EXPECT_FALSE(conv_bn_fold_available(Conv2dShape{1, 1, 3, 10, 4, 2, 2}, Activation::Relu));  // output height 2
  EXPECT_FALSE(conv_bn_fold_available(Conv2dShape{1, 40, 1, 10, 4, 1, 2}, Activation::Relu));  // 80 taps
  EXPECT_TRUE(conv_bn_fold_available(Conv2dShape{1, 1, 2, 10, 4, 2, 2}, Activation::None));
}

}  // namespace
}  // namespace gener::kernels
