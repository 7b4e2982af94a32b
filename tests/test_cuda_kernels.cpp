// test_cuda_kernels.cpp — hand-written CUDA kernels against the CPU reference: pair features, concat/split,
// softmax cross-entropy, optimizers, and fused act → batchnorm → dropout (vs the unfused CPU ops; exact masks).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "tests/cuda_test_util.h"
#include "tests/test_util.h"

#if defined(GENER_HAVE_CUDA)
#include "kernels/batchnorm.h"
#include "kernels/concat.h"
#include "kernels/gpu_context.h"
#include "kernels/hash.h"
#include "kernels/optimizer.h"
#include "kernels/pair_features.h"
#include "kernels/softmax_xent.h"

namespace gener::kernels {
namespace {

using test::all_close;
using test::DeviceBuffer;
using test::random_ints;
using test::random_uniform;

std::string tag(const BnShape& s) {
  return "(N=" + std::to_string(s.n) + ", C=" + std::to_string(s.c) + ", S=" + std::to_string(s.s) + ")";
}

void check_context() {
  GpuContext a;
  EXPECT_FALSE(a.tf32());
  void* ws = a.workspace(1000);
  EXPECT_NE(ws, nullptr);
  EXPECT_GE(a.workspace_bytes(), 1000u);
  EXPECT_EQ(a.workspace(10), ws);  // a smaller request reuses the buffer
  a.set_tf32(true);
  EXPECT_TRUE(a.tf32());
  a.set_tf32(false);
  GpuContext b(std::move(a));
  EXPECT_EQ(a.stream(), nullptr);  // the moved-from context is empty
  EXPECT_NE(b.stream(), nullptr);
  EXPECT_GE(b.workspace_bytes(), 1000u);
  GpuContext c;
  c = std::move(b);
  EXPECT_NE(c.cublas(), nullptr);
  EXPECT_NE(c.cudnn(), nullptr);
  c.synchronize();
}

void check_pair_features() {
  GpuContext ctx;
  const int genes = 40;
  for (int L : {13, 536}) {
    const auto expr = random_uniform(static_cast<size_t>(genes) * L, -2.0f, 2.0f, 1);
    DeviceBuffer<float> d_expr(expr, ctx.stream());
    for (int B : {1, 7, 1000}) {
      std::vector<int32_t> pairs(2 * static_cast<size_t>(B));
      const auto idx = random_ints(pairs.size(), 0, genes - 1, 2 + B);
      for (size_t i = 0; i < pairs.size(); ++i) pairs[i] = static_cast<int32_t>(idx[i]);
      std::vector<float> cnn(static_cast<size_t>(B) * 2 * L), mlp(static_cast<size_t>(B) * L);
      pair_features_cpu(expr.data(), L, pairs.data(), B, cnn.data(), mlp.data());
      DeviceBuffer<int32_t> d_pairs(pairs, ctx.stream());
      DeviceBuffer<float> d_cnn(cnn.size()), d_mlp(mlp.size());
      d_cnn.poison(ctx.stream());
      d_mlp.poison(ctx.stream());
      pair_features_cuda(d_expr.get(), L, d_pairs.get(), B, d_cnn.get(), d_mlp.get(), ctx.stream());
      const std::string what = " B=" + std::to_string(B) + " L=" + std::to_string(L);
      EXPECT_TRUE(all_close(d_cnn.download(ctx.stream()), cnn, 0.0f, 0.0f, "x_cnn (B, 1, 2, L)" + what));
      EXPECT_TRUE(all_close(d_mlp.download(ctx.stream()), mlp, 0.0f, 0.0f, "x_mlp (B, L)" + what));
      d_mlp.poison(ctx.stream());  // each output alone
      pair_features_cuda(d_expr.get(), L, d_pairs.get(), B, nullptr, d_mlp.get(), ctx.stream());
      EXPECT_TRUE(all_close(d_mlp.download(ctx.stream()), mlp, 0.0f, 0.0f, "x_mlp only" + what));
    }
  }
}

void check_concat() {
  GpuContext ctx;
  for (int B : {1, 7, 1000}) {
    for (auto [n1, n2] : {std::pair{32, 128}, std::pair{13, 3}, std::pair{1, 1}}) {
      const auto x1 = random_uniform(static_cast<size_t>(B) * n1, -1.0f, 1.0f, 3);
      const auto x2 = random_uniform(static_cast<size_t>(B) * n2, -1.0f, 1.0f, 4);
      std::vector<float> y(static_cast<size_t>(B) * (n1 + n2)), dx1(x1.size()), dx2(x2.size());
      concat2_cpu(B, n1, n2, x1.data(), x2.data(), y.data());
      split2_cpu(B, n1, n2, y.data(), dx1.data(), dx2.data());
      DeviceBuffer<float> d_x1(x1, ctx.stream()), d_x2(x2, ctx.stream()), d_y(y.size());
      DeviceBuffer<float> d_dx1(x1.size()), d_dx2(x2.size());
      d_y.poison(ctx.stream());
      d_dx1.poison(ctx.stream());
      d_dx2.poison(ctx.stream());
      concat2_cuda(B, n1, n2, d_x1.get(), d_x2.get(), d_y.get(), ctx.stream());
      split2_cuda(B, n1, n2, d_y.get(), d_dx1.get(), nullptr, ctx.stream());
      split2_cuda(B, n1, n2, d_y.get(), nullptr, d_dx2.get(), ctx.stream());
      const std::string what = " B=" + std::to_string(B) + " n1=" + std::to_string(n1) + " n2=" + std::to_string(n2);
      EXPECT_TRUE(all_close(d_y.download(ctx.stream()), y, 0.0f, 0.0f, "concat y" + what));
      EXPECT_TRUE(all_close(d_dx1.download(ctx.stream()), dx1, 0.0f, 0.0f, "split dx1" + what));
      EXPECT_TRUE(all_close(d_dx2.download(ctx.stream()), dx2, 0.0f, 0.0f, "split dx2" + what));
    }
  }
}

void check_softmax_xent() {
  GpuContext ctx;
  for (int B : {1, 7, 1000}) {
    for (int C : {2, 5}) {
      auto logits = random_uniform(static_cast<size_t>(B) * C, -10.0f, 10.0f, 5 + B);
      logits[0] = 1000.0f;  // a huge logit: stable softmax, loss clamped at -log(FLT_MIN) like the CPU
      const auto lab = random_ints(static_cast<size_t>(B), 0, C - 1, 6);
      std::vector<int32_t> labels(lab.begin(), lab.end());
      labels[0] = 1;  // row 0: the label's probability underflows to 0
      const float scale = 1.0f / static_cast<float>(B);
      std::vector<float> probs(logits.size()), losses(static_cast<size_t>(B)), dlogits(logits.size());
      softmax_xent_cpu(B, C, logits.data(), labels.data(), scale, probs.data(), losses.data(), dlogits.data());
      DeviceBuffer<float> d_logits(logits, ctx.stream()), d_probs(probs.size()), d_losses(losses.size());
      DeviceBuffer<float> d_dlogits(dlogits.size());
      DeviceBuffer<int32_t> d_labels(labels, ctx.stream());
      d_probs.poison(ctx.stream());
      d_losses.poison(ctx.stream());
      d_dlogits.poison(ctx.stream());
      softmax_xent_cuda(B, C, d_logits.get(), d_labels.get(), scale, d_probs.get(), d_losses.get(), d_dlogits.get(),
                        ctx.stream());
      const std::string what = " B=" + std::to_string(B) + " C=" + std::to_string(C);
      EXPECT_TRUE(all_close(d_probs.download(ctx.stream()), probs, 1e-6f, 1e-5f, "probs" + what));
      EXPECT_TRUE(all_close(d_losses.download(ctx.stream()), losses, 1e-5f, 1e-5f, "losses" + what));
      EXPECT_TRUE(all_close(d_dlogits.download(ctx.stream()), dlogits, 1e-6f, 1e-5f, "dlogits" + what));
    }
  }
}

void check_optimizers() {
  GpuContext ctx;
  for (long long n : {1LL, 1000LL, 223706LL}) {
    const size_t un = static_cast<size_t>(n);
    const std::string what = " n=" + std::to_string(n);
    for (float momentum : {0.0f, 0.9f}) {
      auto w = random_uniform(un, -1.0f, 1.0f, 7);
      std::vector<float> v(un, 0.0f);
      DeviceBuffer<float> d_w(w, ctx.stream()), d_v(v, ctx.stream()), d_g(un);
      for (int step = 0; step < 3; ++step) {
        const auto g = random_uniform(un, -1.0f, 1.0f, 8 + step);
        d_g.upload(g, ctx.stream());
        sgd_update_cpu(n, 0.01f, momentum, w.data(), g.data(), momentum == 0.0f ? nullptr : v.data());
        sgd_update_cuda(n, 0.01f, momentum, d_w.get(), d_g.get(), momentum == 0.0f ? nullptr : d_v.get(),
                        ctx.stream());
      }
      const std::string m = " momentum=" + std::to_string(momentum) + what;
      EXPECT_TRUE(all_close(d_w.download(ctx.stream()), w, 1e-6f, 1e-5f, "sgd w" + m));
      EXPECT_TRUE(all_close(d_v.download(ctx.stream()), v, 1e-6f, 1e-5f, "sgd v" + m));
    }
    auto w = random_uniform(un, -1.0f, 1.0f, 9);
    std::vector<float> m(un, 0.0f), v(un, 0.0f);
    DeviceBuffer<float> d_w(w, ctx.stream()), d_m(m, ctx.stream()), d_v(v, ctx.stream()), d_g(un);
    for (long long t = 1; t <= 3; ++t) {
      const auto g = random_uniform(un, -1.0f, 1.0f, 10 + static_cast<uint32_t>(t));
      d_g.upload(g, ctx.stream());
      adam_update_cpu(n, 1e-3f, 0.9f, 0.999f, 1e-7f, t, w.data(), g.data(), m.data(), v.data());
      adam_update_cuda(n, 1e-3f, 0.9f, 0.999f, 1e-7f, t, d_w.get(), d_g.get(), d_m.get(), d_v.get(), ctx.stream());
    }
    EXPECT_TRUE(all_close(d_w.download(ctx.stream()), w, 1e-6f, 1e-5f, "adam w" + what));
    EXPECT_TRUE(all_close(d_m.download(ctx.stream()), m, 1e-6f, 1e-5f, "adam m" + what));
    EXPECT_TRUE(all_close(d_v.download(ctx.stream()), v, 1e-7f, 1e-5f, "adam v" + what));
  }
}

// Shapes after GENER's layers for L = 13 and 536 (S = L-1, L-3; dense S = 1), batches 1, 7, 1000.
// (1000, 8, 533) and (1000, 16, 12) take the two-stage reduction; the others one block per channel.
std::vector<BnShape> bn_shapes() {
  return {{1, 128, 1}, {7, 128, 1}, {1000, 128, 1}, {1000, 32, 1}, {1, 16, 12},
          {7, 16, 535}, {1000, 16, 12}, {1000, 8, 533}};
}

// Channel c: spread (c % 4 + 1), offset ((c % 3) - 1) / 2 — channels differ and ReLU cuts some more than others.
std::vector<float> bn_input(const BnShape& s, uint32_t seed) {
  auto x = random_uniform(static_cast<size_t>(s.count()), -1.0f, 1.0f, seed);
  for (size_t i = 0; i < x.size(); ++i) {
    const int c = static_cast<int>((i / static_cast<size_t>(s.s)) % static_cast<size_t>(s.c));
    x[i] = x[i] * static_cast<float>(c % 4 + 1) + 0.5f * static_cast<float>(c % 3 - 1);
  }
  return x;
}

// Tolerance for a float sum of k terms of size ~1 computed in two different orders.
float sum_atol(double k) { return static_cast<float>(1e-6 * k + 1e-4); }

void check_bn_dropout(Activation act, float rate) {
  GpuContext ctx;
  for (const BnShape& s : bn_shapes()) {
    const size_t n = static_cast<size_t>(s.count()), c = static_cast<size_t>(s.c);
    const double m = static_cast<double>(s.n) * s.s;
    const std::string what = " " + tag(s) + (act == Activation::Relu ? " relu" : " none") + " rate " +
                             std::to_string(rate);
    BnDropoutParams p;
    p.drop_rate = rate;
    p.seed = 0x5eed0000ULL + n;
    p.step = 17;
    const auto x = bn_input(s, 21);
    const auto gamma = random_uniform(c, 0.5f, 1.5f, 22), beta = random_uniform(c, -0.5f, 0.5f, 23);
    std::vector<float> rmean = random_uniform(c, -0.1f, 0.1f, 24), rvar = random_uniform(c, 0.5f, 1.5f, 25);

    // CPU reference: the composition of the unfused ops.
    std::vector<float> a(n), y(n), smean(c), sinv(c), rmean_ref = rmean, rvar_ref = rvar;
    activation_forward_cpu(act, s.count(), x.data(), a.data());
    batchnorm_forward_train_cpu(s, p.eps, p.momentum, a.data(), gamma.data(), beta.data(), rmean_ref.data(),
                                rvar_ref.data(), y.data(), smean.data(), sinv.data());
    dropout_forward_cpu(s.count(), rate, p.seed, p.step, y.data(), y.data());

    DeviceBuffer<float> d_x(x, ctx.stream()), d_gamma(gamma, ctx.stream()), d_beta(beta, ctx.stream());
    DeviceBuffer<float> d_rmean(rmean, ctx.stream()), d_rvar(rvar, ctx.stream());
    DeviceBuffer<float> d_y(n), d_smean(c), d_sinv(c);
    d_y.poison(ctx.stream());
    act_bn_dropout_forward_train_cuda(s, p, act, d_x.get(), d_gamma.get(), d_beta.get(), d_rmean.get(),
                                      d_rvar.get(), d_y.get(), d_smean.get(), d_sinv.get(), ctx.stream());
    const auto y_gpu = d_y.download(ctx.stream());
    const auto smean_gpu = d_smean.download(ctx.stream()), sinv_gpu = d_sinv.download(ctx.stream());
    EXPECT_TRUE(all_close(y_gpu, y, 2e-4f, 1e-4f, "y" + what));
    EXPECT_TRUE(all_close(smean_gpu, smean, 1e-5f, 1e-5f, "save_mean" + what));
    EXPECT_TRUE(all_close(sinv_gpu, sinv, 1e-5f, 1e-4f, "save_invstd" + what));
    EXPECT_TRUE(all_close(d_rmean.download(ctx.stream()), rmean_ref, 1e-5f, 1e-5f, "running_mean" + what));
    EXPECT_TRUE(all_close(d_rvar.download(ctx.stream()), rvar_ref, 1e-5f, 1e-5f, "running_var" + what));
    // Dropout masks must be identical: dropped exactly where the host hash drops, nonzero where the CPU kept
    // a nonzero value.
    size_t mask_mismatch = 0, first = n;
    for (size_t i = 0; i < n; ++i) {
      const bool keep = dropout_keep(p.seed, p.step, i, rate);
      const bool bad = keep ? (y[i] != 0.0f && y_gpu[i] == 0.0f) : y_gpu[i] != 0.0f;
      if (bad && mask_mismatch++ == 0) first = i;
    }
    EXPECT_EQ(mask_mismatch, 0u) << "dropout mask differs" << what << ", first at flat index " << first;

    // Backward vs CPU composition, both from the GPU's saved statistics (so only the backward is compared).
    const auto dy = random_uniform(n, -1.0f, 1.0f, 26);
    std::vector<float> dz(n), dx(n), dgamma(c), dbeta(c);
    dropout_backward_cpu(s.count(), rate, p.seed, p.step, dy.data(), dz.data());
    batchnorm_backward_cpu(s, a.data(), gamma.data(), smean_gpu.data(), sinv_gpu.data(), dz.data(), dx.data(),
                           dgamma.data(), dbeta.data());
    activation_backward_cpu(act, s.count(), x.data(), dx.data(), dx.data());
    DeviceBuffer<float> d_dy(dy, ctx.stream()), d_dx(n), d_dgamma(c), d_dbeta(c);
    d_dx.poison(ctx.stream());
    d_dgamma.poison(ctx.stream());
    d_dbeta.poison(ctx.stream());
    act_bn_dropout_backward_cuda(s, p, act, d_x.get(), d_gamma.get(), d_smean.get(), d_sinv.get(), d_dy.get(),
                                 d_dx.get(), d_dgamma.get(), d_dbeta.get(), ctx.stream());
    EXPECT_TRUE(all_close(d_dx.download(ctx.stream()), dx, 1e-4f, 1e-3f, "dx" + what));
    EXPECT_TRUE(all_close(d_dgamma.download(ctx.stream()), dgamma, sum_atol(m), 1e-4f, "dgamma" + what));
    EXPECT_TRUE(all_close(d_dbeta.download(ctx.stream()), dbeta, sum_atol(m), 1e-4f, "dbeta" + what));

    // Eval vs the CPU fused eval (running statistics, no dropout); in place on the GPU.
    std::vector<float> ye(n);
    act_bn_dropout_forward_eval_cpu(s, p.eps, act, x.data(), gamma.data(), beta.data(), rmean.data(), rvar.data(),
                                    ye.data());
    DeviceBuffer<float> d_rmean0(rmean, ctx.stream()), d_rvar0(rvar, ctx.stream()), d_xe(x, ctx.stream());
    act_bn_dropout_forward_eval_cuda(s, p.eps, act, d_xe.get(), d_gamma.get(), d_beta.get(), d_rmean0.get(),
                                     d_rvar0.get(), d_xe.get(), ctx.stream());
    EXPECT_TRUE(all_close(d_xe.download(ctx.stream()), ye, 1e-5f, 1e-5f, "eval y (in place)" + what));
  }
}

void check_bn_deterministic() {
  GpuContext ctx;
  const BnShape s{1000, 8, 533};
  const size_t n = static_cast<size_t>(s.count()), c = static_cast<size_t>(s.c);
  BnDropoutParams p;
  DeviceBuffer<float> d_x(bn_input(s, 31), ctx.stream()), d_dy(random_uniform(n, -1.0f, 1.0f, 32), ctx.stream());
  DeviceBuffer<float> d_gamma(std::vector<float>(c, 1.0f), ctx.stream()), d_beta(std::vector<float>(c, 0.0f),
                                                                                  ctx.stream());
  DeviceBuffer<float> d_y(n), d_dx(n), d_mean(c), d_inv(c), d_dg(c), d_db(c);
  std::vector<std::vector<float>> runs;
  for (int r = 0; r < 2; ++r) {
    act_bn_dropout_forward_train_cuda(s, p, Activation::Relu, d_x.get(), d_gamma.get(), d_beta.get(), nullptr,
                                      nullptr, d_y.get(), d_mean.get(), d_inv.get(), ctx.stream());
    act_bn_dropout_backward_cuda(s, p, Activation::Relu, d_x.get(), d_gamma.get(), d_mean.get(), d_inv.get(),
                                 d_dy.get(), d_dx.get(), d_dg.get(), d_db.get(), ctx.stream());
    std::vector<float> all = d_y.download(ctx.stream());
    for (const DeviceBuffer<float>* b : {&d_dx, &d_mean, &d_inv, &d_dg, &d_db}) {
      const auto h = b->download(ctx.stream());
      all.insert(all.end(), h.begin(), h.end());
    }
    runs.push_back(std::move(all));
  }
  EXPECT_EQ(0, std::memcmp(runs[0].data(), runs[1].data(), runs[0].size() * sizeof(float)))
      << "two identical runs of the fused batchnorm differ bitwise";
}

}  // namespace
}  // namespace gener::kernels
#endif  // GENER_HAVE_CUDA

namespace gener::kernels {
namespace {

TEST(CudaContext, CreatesMovesAndGrowsWorkspace) { GENER_RUN_ON_CUDA(check_context()); }
TEST(CudaPairFeatures, MatchesCpuExactly) { GENER_RUN_ON_CUDA(check_pair_features()); }
TEST(CudaConcat, ConcatAndSplitMatchCpuExactly) { GENER_RUN_ON_CUDA(check_concat()); }
TEST(CudaSoftmaxXent, MatchesCpu) { GENER_RUN_ON_CUDA(check_softmax_xent()); }
TEST(CudaOptimizer, SgdAndAdamMatchCpu) { GENER_RUN_ON_CUDA(check_optimizers()); }
TEST(CudaBnDropout, ReluHalfDropoutMatchesCpuComposition) {
  GENER_RUN_ON_CUDA(check_bn_dropout(Activation::Relu, 0.5f));
}
TEST(CudaBnDropout, NoActivationNoDropoutMatchesCpuComposition) {
  GENER_RUN_ON_CUDA(check_bn_dropout(Activation::None, 0.0f));
}
TEST(CudaBnDropout, ReluLowDropoutMatchesCpuComposition) {
  GENER_RUN_ON_CUDA(check_bn_dropout(Activation::Relu, 0.1f));
}
TEST(CudaBnDropout, RepeatedRunsAreBitwiseIdentical) { GENER_RUN_ON_CUDA(check_bn_deterministic()); }

}  // namespace
}  // namespace gener::kernels
