// test_kernels_dropout_offset.cpp — dropout masks drawn at a global element offset (data-parallel ranks): a
// share's mask is exactly its slice of the whole batch's mask, also across a 2^32 index boundary.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/hash.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;

TEST(DropoutOffset, ShareMaskIsTheSliceOfTheWholeMask) {
  const long long n = 40000;  // several of the CPU's 2^14-element chunks
  const auto x = test::random_away_from_zero(n, 0.5f, 1.5f, 71);
  std::vector<float> whole(n);
  dropout_forward_cpu(n, 0.5f, 11, 4, x.data(), whole.data());
  for (long long first : {0LL, 1LL, 7LL, 16384LL, 20001LL}) {
    const long long len = n - first;
    std::vector<float> part(static_cast<size_t>(len)), back(static_cast<size_t>(len));
    dropout_forward_cpu(len, 0.5f, 11, 4, x.data() + first, part.data(), static_cast<uint64_t>(first));
    EXPECT_TRUE(all_close(part.data(), whole.data() + first, static_cast<size_t>(len), 0.f, 0.f,
                          "rows from " + std::to_string(first)));
    dropout_backward_cpu(len, 0.5f, 11, 4, x.data() + first, back.data(), static_cast<uint64_t>(first));
    EXPECT_TRUE(all_close(back, part, 0.f, 0.f, "backward mask from " + std::to_string(first)));
  }
}

TEST(DropoutOffset, CrossesA32BitIndexBoundary) {
  const long long n = 5000;
  const uint64_t index0 = (uint64_t{1} << 32) - 1234;  // the run's indices wrap the low word
  const std::vector<float> ones(n, 1.0f);
  std::vector<float> y(n);
  const float rate = 0.3f, scale = 1.0f / (1.0f - rate);
  dropout_forward_cpu(n, rate, 5, 9, ones.data(), y.data(), index0);
  long long dropped = 0;
  for (long long i = 0; i < n; ++i) {
    const float want = dropout_keep(5, 9, index0 + static_cast<uint64_t>(i), rate) ? scale : 0.0f;
    ASSERT_EQ(y[i], want) << "element " << i << " (index " << index0 + i << ")";
    dropped += y[i] == 0.0f;
  }
  EXPECT_GT(dropped, n / 5);
  EXPECT_LT(dropped, n / 2);
}

TEST(DropoutOffset, FusedBlockUsesTheOffset) {
  // The fused training block's dropout is the plain op's at index0: compare y with the composition.
  const BnShape s{6, 3, 5};
  const long long n = s.count();
  const auto x = test::random_away_from_zero(n, 0.2f, 2.0f, 72);
  const std::vector<float> gamma{1.f, 0.5f, 2.f}, beta{0.f, 0.1f, -0.2f};
  BnDropoutParams p;
  p.drop_rate = 0.5f;
  p.seed = 99;
  p.step = 3;
  p.index0 = 6 * 3 * 5 * 2;  // the third share of 6 rows
  std::vector<float> rm(3, 0.f), rv(3, 1.f), y(n), sm(3), si(3);
  act_bn_dropout_forward_train_cpu(s, p, Activation::Relu, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                   y.data(), sm.data(), si.data());
  std::vector<float> a(n), rm2(3, 0.f), rv2(3, 1.f), sm2(3), si2(3), ref(n);
  activation_forward_cpu(Activation::Relu, n, x.data(), a.data());
  batchnorm_forward_train_cpu(s, p.eps, p.momentum, a.data(), gamma.data(), beta.data(), rm2.data(), rv2.data(),
                              a.data(), sm2.data(), si2.data());
  dropout_forward_cpu(n, p.drop_rate, p.seed, p.step, a.data(), ref.data(), p.index0);
  EXPECT_TRUE(all_close(y, ref, 0.f, 0.f, "fused block (6, 3, 5) at index0 180"));
  std::vector<float> at_zero(n);
  dropout_forward_cpu(n, p.drop_rate, p.seed, p.step, a.data(), at_zero.data(), 0);
  long long differ = 0;
  for (long long i = 0; i < n; ++i) differ += (at_zero[i] == 0.f) != (ref[i] == 0.f);
  EXPECT_GT(differ, 0) << "the offset must move the mask";
}

}  // namespace
}  // namespace gener::kernels
