// test_kernels_bn_train_fused.cpp — the CPU fast path of the training-mode act → batchnorm → dropout block
// against the composition of the unfused reference ops: awkward shapes, both activations, dropout on and off,
// in-place use and a dropout index range that crosses 2^32 (its finite-difference gradients are checked beside
// the composition's, in test_kernels_batchnorm.cpp).
#include <gtest/gtest.h>

#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "tests/test_util.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::random_uniform;

struct Case {
  BnShape s;
  Activation act;
  float rate;
  uint64_t index0;
};

std::string tag(const Case& k) {
  return " (N=" + std::to_string(k.s.n) + ", C=" + std::to_string(k.s.c) + ", S=" + std::to_string(k.s.s) +
         (k.act == Activation::Relu ? ", relu" : ", none") + ", rate " + std::to_string(k.rate) + ", index0 " +
         std::to_string(k.index0) + ")";
}

std::vector<Case> cases() {
  std::vector<Case> v;
  const BnShape shapes[] = {{1, 4, 11}, {7, 3, 13}, {64, 16, 535}, {5, 8, 533}, {1000, 2, 37}, {9, 130, 1}};
  for (const BnShape& s : shapes)
    for (Activation act : {Activation::Relu, Activation::None})
      for (float rate : {0.0f, 0.5f, 0.3f}) v.push_back({s, act, rate, 0});
  // Flat dropout indices that cross 2^32 inside a run and inside a channel.
  v.push_back({{7, 3, 13}, Activation::Relu, 0.5f, (uint64_t{1} << 32) - 100});
  v.push_back({{3, 4, 535}, Activation::Relu, 0.5f, (uint64_t{3} << 32) - 1000});
  return v;
}

TEST(ActBnDropoutFastCpu, EqualsCompositionOfReferenceOps) {
  uint32_t seed = 700;
  for (const Case& k : cases()) {
    const BnShape& s = k.s;
    const long long n = s.count();
    BnDropoutParams p;
    p.drop_rate = k.rate;
    p.seed = 1234;
    p.step = 77;
    p.index0 = k.index0;
    const auto x = random_uniform(n, -1.0f, 2.0f, seed++);
    const auto gamma = random_uniform(s.c, 0.5f, 1.5f, seed++), beta = random_uniform(s.c, -0.5f, 0.5f, seed++);
    const auto dy = random_uniform(n, -1.0f, 1.0f, seed++);
    std::vector<float> y_ref(n), rm_ref(s.c, 0.1f), rv_ref(s.c, 1.2f), m_ref(s.c), is_ref(s.c);
    act_bn_dropout_forward_train_cpu(s, p, k.act, x.data(), gamma.data(), beta.data(), rm_ref.data(), rv_ref.data(),
                                     y_ref.data(), m_ref.data(), is_ref.data());
    std::vector<float> dx_ref(n), dgamma_ref(s.c), dbeta_ref(s.c), scratch(n);
    act_bn_dropout_backward_cpu(s, p, k.act, x.data(), gamma.data(), m_ref.data(), is_ref.data(), dy.data(),
                                dx_ref.data(), dgamma_ref.data(), dbeta_ref.data(), scratch.data());

    std::vector<float> y(n), rm(s.c, 0.1f), rv(s.c, 1.2f), m(s.c), is(s.c);
    act_bn_dropout_forward_train_fast_cpu(s, p, k.act, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(),
                                          y.data(), m.data(), is.data());
    std::vector<float> dx(n), dgamma(s.c), dbeta(s.c);
    act_bn_dropout_backward_fast_cpu(s, p, k.act, x.data(), gamma.data(), m.data(), is.data(), dy.data(), dx.data(),
                                     dgamma.data(), dbeta.data(), scratch.data());
    const std::string t = tag(k);
    EXPECT_TRUE(all_close(y, y_ref, 1e-6f, 1e-6f, "fast y" + t));
    EXPECT_TRUE(all_close(rm, rm_ref, 1e-6f, 1e-6f, "fast running mean" + t));
    EXPECT_TRUE(all_close(rv, rv_ref, 1e-6f, 1e-6f, "fast running var" + t));
    EXPECT_TRUE(all_close(m, m_ref, 1e-6f, 1e-6f, "fast save_mean" + t));
    EXPECT_TRUE(all_close(is, is_ref, 1e-6f, 1e-6f, "fast save_invstd" + t));
    EXPECT_TRUE(all_close(dx, dx_ref, 1e-6f, 1e-5f, "fast dx" + t));
    EXPECT_TRUE(all_close(dgamma, dgamma_ref, 1e-5f, 1e-5f, "fast dgamma" + t));
    EXPECT_TRUE(all_close(dbeta, dbeta_ref, 1e-5f, 1e-5f, "fast dbeta" + t));
    // Dropped elements are exactly zero in both, so the masks agree element by element.
    if (k.rate > 0.0f)
      for (long long i = 0; i < n; ++i)
        if ((y[i] == 0.0f) != (y_ref[i] == 0.0f)) {
          ADD_FAILURE() << "mask differs at " << i << t;
          break;
        }

    // In place, as the network may run it: y == x forward, dx == dy backward.
    std::vector<float> xy = x, g = dy;
    std::vector<float> rm2(s.c, 0.1f), rv2(s.c, 1.2f), m2(s.c), is2(s.c);
    act_bn_dropout_forward_train_fast_cpu(s, p, k.act, xy.data(), gamma.data(), beta.data(), rm2.data(), rv2.data(),
                                          xy.data(), m2.data(), is2.data());
    EXPECT_TRUE(all_close(xy, y_ref, 1e-6f, 1e-6f, "fast y in place" + t));
    act_bn_dropout_backward_fast_cpu(s, p, k.act, x.data(), gamma.data(), m.data(), is.data(), g.data(), g.data(),
                                     dgamma.data(), dbeta.data(), scratch.data());
    EXPECT_TRUE(all_close(g, dx_ref, 1e-6f, 1e-5f, "fast dx in place" + t));
  }
}

TEST(ActBnDropoutFastCpu, BackwardRefusesDxAliasingX) {
  const BnShape s{2, 2, 5};
  BnDropoutParams p;
  std::vector<float> x(s.count(), 1.0f), gamma(2, 1.0f), m(2, 0.0f), is(2, 1.0f), dy(s.count(), 1.0f), dg(2), db(2);
  EXPECT_THROW(act_bn_dropout_backward_fast_cpu(s, p, Activation::Relu, x.data(), gamma.data(), m.data(), is.data(),
                                                dy.data(), x.data(), dg.data(), db.data(), nullptr),
               Error);
}

}  // namespace
}  // namespace gener::kernels
