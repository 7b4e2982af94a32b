// test_kernels_bn_train_fused.cpp — the CPU fast path of the training-mode act → batchnorm → dropout block
// against the composition of the unfused reference ops: awkward shapes, both activations, dropout on and off,
// in-place use and a dropout index range that crosses 2^32 (its finite-difference gradients are checked beside
// the composition's, in test_kernels_batchnorm.cpp); and the same block run as the training step runs it, over
// lanes of rows that merge their per-channel sums, against the composition over the whole batch.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/cpu_features.h"
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

// One case's random inputs (drawn from `seed` on) and the composition of the reference ops over the whole batch,
// with the dropout stream (stream, step).
struct Reference {
  BnDropoutParams p;
  std::vector<float> x, gamma, beta, dy, y, rm, rv, m, is, dx, dgamma, dbeta;
};
Reference reference(const Case& k, uint64_t stream, uint64_t step, uint32_t& seed) {
  const BnShape& s = k.s;
  const long long n = s.count();
  Reference r;
  r.p.drop_rate = k.rate;
  r.p.seed = stream;
  r.p.step = step;
  r.p.index0 = k.index0;
  r.x = random_uniform(n, -1.0f, 2.0f, seed++);
  r.gamma = random_uniform(s.c, 0.5f, 1.5f, seed++);
  r.beta = random_uniform(s.c, -0.5f, 0.5f, seed++);
  r.dy = random_uniform(n, -1.0f, 1.0f, seed++);
  r.y.resize(n);
  r.rm.assign(s.c, 0.1f);
  r.rv.assign(s.c, 1.2f);
  r.m.resize(s.c);
  r.is.resize(s.c);
  act_bn_dropout_forward_train_cpu(s, r.p, k.act, r.x.data(), r.gamma.data(), r.beta.data(), r.rm.data(), r.rv.data(),
                                   r.y.data(), r.m.data(), r.is.data());
  r.dx.resize(n);
  r.dgamma.resize(s.c);
  r.dbeta.resize(s.c);
  std::vector<float> scratch(n);
  act_bn_dropout_backward_cpu(s, r.p, k.act, r.x.data(), r.gamma.data(), r.m.data(), r.is.data(), r.dy.data(),
                              r.dx.data(), r.dgamma.data(), r.dbeta.data(), scratch.data());
  return r;
}

TEST(ActBnDropoutFastCpu, EqualsCompositionOfReferenceOps) {
  uint32_t seed = 700;
  for (const Case& k : cases()) {
    const BnShape& s = k.s;
    const long long n = s.count();
    const Reference ref = reference(k, 1234, 77, seed);
    const BnDropoutParams& p = ref.p;
    const auto &x = ref.x, &gamma = ref.gamma, &beta = ref.beta, &dy = ref.dy;
    const auto &y_ref = ref.y, &rm_ref = ref.rm, &rv_ref = ref.rv, &m_ref = ref.m, &is_ref = ref.is;
    const auto &dx_ref = ref.dx, &dgamma_ref = ref.dgamma, &dbeta_ref = ref.dbeta;
    std::vector<float> scratch(n);

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

// The block over `lanes` lanes of rows, as the CPU network's training step runs it (one lane after another here,
// each with its own rows, statistics and dropout offset; merged in lane order).
struct LaneRun {
  std::vector<float> y, rm, rv, m, is, dx, dgamma, dbeta;
  std::vector<double> sum_dx;  // per channel, over all lanes' rows
};
LaneRun run_lanes(const BnShape& s, BnDropoutParams p, Activation act, int lanes, const std::vector<float>& x,
                  const std::vector<float>& gamma, const std::vector<float>& beta, const std::vector<float>& dy) {
  const int C = s.c;
  const size_t row = static_cast<size_t>(C) * s.s;
  auto first = [&](int t) { return static_cast<int>(static_cast<long long>(s.n) * t / lanes); };
  LaneRun r{std::vector<float>(x.size()), std::vector<float>(C, 0.1f), std::vector<float>(C, 1.2f),
            std::vector<float>(C), std::vector<float>(C), std::vector<float>(x.size()), std::vector<float>(C),
            std::vector<float>(C), std::vector<double>(C, 0.0)};
  std::vector<double> means(static_cast<size_t>(lanes) * C), m2s(means.size()), counts(lanes), mean(C), var(C);
  const uint64_t index0 = p.index0;
  for (int t = 0; t < lanes; ++t) {
    const BnShape ls{first(t + 1) - first(t), C, s.s};
    counts[t] = static_cast<double>(ls.n) * s.s;
    act_bn_lane_stats_cpu(ls, act, x.data() + first(t) * row, means.data() + t * C, m2s.data() + t * C);
  }
  bn_merge_lane_stats(C, lanes, counts.data(), means.data(), m2s.data(), mean.data(), var.data());
  bn_finish_stats(C, p, mean.data(), var.data(), r.rm.data(), r.rv.data(), r.m.data(), r.is.data());
  std::vector<double> sg(means.size()), sd(means.size()), sum_g(C, 0.0), sum_gx(C, 0.0);
  for (int t = 0; t < lanes; ++t) {
    const BnShape ls{first(t + 1) - first(t), C, s.s};
    p.index0 = index0 + first(t) * row;
    const size_t o = first(t) * row;
    act_bn_dropout_apply_cpu(ls, p, act, x.data() + o, gamma.data(), beta.data(), r.m.data(), r.is.data(),
                             r.y.data() + o);
    act_bn_dropout_backward_lane_sums_cpu(ls, p, act, x.data() + o, r.m.data(), dy.data() + o, r.dx.data() + o,
                                          sg.data() + t * C, sd.data() + t * C);
  }
  for (int c = 0; c < C; ++c) {
    for (int t = 0; t < lanes; ++t) {
      sum_g[c] += sg[t * C + c];
      sum_gx[c] += sd[t * C + c];
    }
    sum_gx[c] *= r.is[c];
    r.dbeta[c] = static_cast<float>(sum_g[c]);
    r.dgamma[c] = static_cast<float>(sum_gx[c]);
  }
  for (int t = 0; t < lanes; ++t) {
    const BnShape ls{first(t + 1) - first(t), C, s.s};
    const size_t o = first(t) * row;
    std::vector<double> lane_dx(C, -1.0);
    act_bn_dropout_backward_lane_finish_cpu(ls, act, x.data() + o, gamma.data(), r.m.data(), r.is.data(),
                                            sum_g.data(), sum_gx.data(), static_cast<double>(s.n) * s.s,
                                            r.dx.data() + o, lane_dx.data());
    for (int c = 0; c < C; ++c) r.sum_dx[c] += lane_dx[c];
  }
  return r;
}

TEST(ActBnDropoutLanesCpu, LanesEqualCompositionOverTheWholeBatch) {
  uint32_t seed = 900;
  std::vector<Case> v = cases();
  v.push_back({{64, 128, 1}, Activation::Relu, 0.5f, 0});  // the paper's dense blocks
  v.push_back({{7, 32, 1}, Activation::None, 0.3f, (uint64_t{1} << 32) - 50});
  for (const Case& k : v) {
    const BnShape& s = k.s;
    const long long n = s.count();
    const Reference ref = reference(k, 4321, 5, seed);
    const BnDropoutParams& p = ref.p;
    const auto &x = ref.x, &gamma = ref.gamma, &beta = ref.beta, &dy = ref.dy;
    const auto &y_ref = ref.y, &rm_ref = ref.rm, &rv_ref = ref.rv, &m_ref = ref.m, &is_ref = ref.is;
    const auto &dx_ref = ref.dx, &dgamma_ref = ref.dgamma, &dbeta_ref = ref.dbeta;
    for (int lanes : {1, 2, 3, 5}) {
      if (lanes > s.n) continue;
      const LaneRun r = run_lanes(s, p, k.act, lanes, x, gamma, beta, dy);
      const std::string t = tag(k) + " over " + std::to_string(lanes) + " lanes";
      EXPECT_TRUE(all_close(r.y, y_ref, 1e-6f, 1e-5f, "lanes y" + t));
      EXPECT_TRUE(all_close(r.rm, rm_ref, 1e-6f, 1e-6f, "lanes running mean" + t));
      EXPECT_TRUE(all_close(r.rv, rv_ref, 1e-6f, 1e-6f, "lanes running var" + t));
      EXPECT_TRUE(all_close(r.m, m_ref, 1e-6f, 1e-6f, "lanes save_mean" + t));
      EXPECT_TRUE(all_close(r.is, is_ref, 1e-6f, 1e-5f, "lanes save_invstd" + t));
      EXPECT_TRUE(all_close(r.dx, dx_ref, 1e-6f, 1e-5f, "lanes dx" + t));
      EXPECT_TRUE(all_close(r.dgamma, dgamma_ref, 1e-5f, 1e-5f, "lanes dgamma" + t));
      EXPECT_TRUE(all_close(r.dbeta, dbeta_ref, 1e-5f, 1e-5f, "lanes dbeta" + t));
      // The per-channel sum of dx (the conv bias gradient the block hands back) is the sum of the dx it wrote
      // (checked against the reference above, element by element).
      for (int c = 0; c < s.c; ++c) {
        double sum = 0, mag = 0;
        for (int nn = 0; nn < s.n; ++nn)
          for (int kk = 0; kk < s.s; ++kk) {
            const double v = r.dx[(static_cast<size_t>(nn) * s.c + c) * s.s + kk];
            sum += v;
            mag += std::abs(v);
          }
        EXPECT_NEAR(r.sum_dx[c], sum, 1e-12 * (1 + mag)) << "sum of dx, channel " << c << t;
      }
      if (k.rate > 0.0f)
        for (long long i = 0; i < n; ++i)
          if ((r.y[i] == 0.0f) != (y_ref[i] == 0.0f)) {
            ADD_FAILURE() << "mask differs at " << i << t;
            break;
          }
    }
  }
}

// The row functions with the dropout decisions kept as bits (BnKeepBits), as the training step runs them: the
// forward's apply_row writes the bits, the backward's apply_row and row sums read them. Each against the same row
// function hashing its decisions, bit for bit, on the AVX-512 kernels (where this CPU has them) and the portable
// loops, over every case (runs shorter than a word, ragged tails, a run crossing 2^32).
TEST(ActBnDropoutRowsCpu, KeepBitsGiveTheHashingRowsBits) {
  uint32_t seed = 990;
  const bool has512 = fp32_simd() == Fp32Simd::Avx512;
  if (!has512) std::printf("[ note ] no AVX-512 here: only the portable keep-bit loops are checked\n");
  for (const Case& k : cases()) {
    const BnShape& s = k.s;
    if (s.s == 1) continue;  // the row functions serve conv-shaped blocks
    const size_t n = static_cast<size_t>(s.count()), row_len = static_cast<size_t>(s.c) * s.s;
    BnDropoutParams p;
    p.drop_rate = k.rate;
    p.seed = 77;
    p.step = 3;
    p.index0 = k.index0;
    const std::vector<float> x = random_uniform(n, -1.0f, 2.0f, seed++), dy = random_uniform(n, -1.0f, 1.0f, seed++);
    const std::vector<float> gamma = random_uniform(s.c, 0.5f, 1.5f, seed++);
    const std::vector<float> beta = random_uniform(s.c, -0.5f, 0.5f, seed++);
    const std::vector<float> mean = random_uniform(s.c, -0.2f, 0.5f, seed++);
    const std::vector<float> invstd = random_uniform(s.c, 0.7f, 1.3f, seed++);
    for (bool avx512 : {false, true}) {
      if (avx512 && !has512) continue;
      const std::string t = tag(k) + (avx512 ? " AVX-512" : " portable");
      std::vector<uint16_t> words(static_cast<size_t>(s.n) * s.c * bn_keep_words(s.s), 0xffff);
      std::vector<float> y_ref(row_len), y_made(row_len), y_again(row_len), g_ref(n), g_bits(n);
      std::vector<double> sg_ref(s.c, 0.0), sd_ref(s.c, 0.0), sg_bits(s.c, 0.0), sd_bits(s.c, 0.0);
      for (int r = 0; r < s.n; ++r) {
        act_bn_dropout_apply_row_cpu(s, p, k.act, r, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(),
                                     y_ref.data());
        act_bn_dropout_apply_row_cpu(s, p, k.act, r, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(),
                                     y_made.data(), {words.data(), false, avx512});
        act_bn_dropout_apply_row_cpu(s, p, k.act, r, x.data(), gamma.data(), beta.data(), mean.data(), invstd.data(),
                                     y_again.data(), {words.data(), true, avx512});
        for (size_t i = 0; i < row_len; ++i) {
          if (std::memcmp(&y_made[i], &y_ref[i], sizeof(float)) != 0 ||
              std::memcmp(&y_again[i], &y_ref[i], sizeof(float)) != 0) {
            ADD_FAILURE() << "apply_row with keep bits differs at row " << r << " element " << i << ": " << y_made[i]
                          << " / " << y_again[i] << " vs " << y_ref[i] << t;
            break;
          }
        }
        const float* dyr = dy.data() + r * row_len;
        act_bn_dropout_backward_row_sums_cpu(s, p, k.act, r, x.data(), mean.data(), dyr, g_ref.data(), sg_ref.data(),
                                             sd_ref.data());
        act_bn_dropout_backward_row_sums_cpu(s, p, k.act, r, x.data(), mean.data(), dyr, g_bits.data(),
                                             sg_bits.data(), sd_bits.data(), {words.data(), true, avx512});
      }
      EXPECT_EQ(0, std::memcmp(g_bits.data(), g_ref.data(), n * sizeof(float))) << "dropped gradient" << t;
      EXPECT_EQ(sg_bits, sg_ref) << "sum of g" << t;
      EXPECT_EQ(sd_bits, sd_ref) << "sum of g * (act(x) - mean)" << t;
      // Bits past each run's end stay zero, and at rate 0 every element is kept.
      const int words_per_run = bn_keep_words(s.s);
      for (size_t run = 0; run < static_cast<size_t>(s.n) * s.c; ++run) {
        const uint16_t last = words[(run + 1) * words_per_run - 1];
        const int used = s.s - 16 * (words_per_run - 1);
        if (used < 16) {
          EXPECT_EQ(0, last >> used) << "bits past the end of run " << run << t;
        }
        if (k.rate == 0.0f) {
          EXPECT_EQ(used < 16 ? (1u << used) - 1u : 0xffffu, last) << "rate 0, run " << run << t;
        }
      }
    }
  }
  // A row function asked to read bits that were never made refuses.
  const BnShape s{2, 1, 20};
  std::vector<float> x(40, 1.0f), dy(20, 1.0f), g(40);
  std::vector<double> sg(1), sd(1);
  std::vector<uint16_t> words(4);
  const float mean = 0.0f;
  BnDropoutParams p;
  test::expect_error([&] {
    act_bn_dropout_backward_row_sums_cpu(s, p, Activation::Relu, 0, x.data(), &mean, dy.data(), g.data(), sg.data(),
                                         sd.data(), {words.data(), false, false});
  }, {"keep bits not made", "row 0"});
}

// Statistics from per-run sums (what the conv epilogue writes) against the two-pass statistics of the same rows.
TEST(ActBnDropoutLanesCpu, StatsFromRunSumsMatchTwoPass) {
  uint32_t seed = 950;
  for (const BnShape& s : {BnShape{1, 4, 11}, BnShape{7, 3, 13}, BnShape{32, 16, 535}, BnShape{5, 8, 533}})
    for (Activation act : {Activation::Relu, Activation::None}) {
      const auto x = random_uniform(s.count(), -1.0f, 2.0f, seed++);
      std::vector<double> runs(2 * static_cast<size_t>(s.n) * s.c);
      for (int n = 0; n < s.n; ++n)
        for (int c = 0; c < s.c; ++c) {
          double sum = 0, sq = 0;
          for (int k = 0; k < s.s; ++k) {
            float v = x[(static_cast<size_t>(n) * s.c + c) * s.s + k];
            if (act == Activation::Relu) v = v > 0 ? v : 0;
            sum += v;
            sq += static_cast<double>(v) * v;
          }
          runs[(static_cast<size_t>(n) * s.c + c) * 2] = sum;
          runs[(static_cast<size_t>(n) * s.c + c) * 2 + 1] = sq;
        }
      std::vector<double> mean(s.c), m2(s.c), mean_ref(s.c), m2_ref(s.c);
      bn_lane_stats_from_runs(s, runs.data(), mean.data(), m2.data());
      act_bn_lane_stats_cpu(s, act, x.data(), mean_ref.data(), m2_ref.data());
      for (int c = 0; c < s.c; ++c) {
        EXPECT_NEAR(mean[c], mean_ref[c], 1e-12 * (1 + std::abs(mean_ref[c]))) << "channel " << c;
        EXPECT_NEAR(m2[c], m2_ref[c], 1e-9 * (1 + m2_ref[c])) << "channel " << c;
      }
    }
}

// Merging lanes keeps the two-pass variance's accuracy where a sum of squares would lose it: values near 1e4
// with a spread of 1e-2, lanes of unequal sizes and an empty lane.
TEST(ActBnDropoutLanesCpu, MergedVarianceStaysAccurateFarFromZero) {
  const int C = 2;
  const std::vector<double> counts = {3, 0, 5, 1};
  std::vector<double> values;
  for (int i = 0; i < 9; ++i) values.push_back(1e4 + 1e-2 * ((i * 7) % 5));
  std::vector<double> means(counts.size() * C), m2s(means.size());
  size_t at = 0;
  for (size_t l = 0; l < counts.size(); ++l) {
    double mu = 0, q = 0;
    for (int i = 0; i < counts[l]; ++i) mu += values[at + i];
    if (counts[l] > 0) mu /= counts[l];
    for (int i = 0; i < counts[l]; ++i) q += (values[at + i] - mu) * (values[at + i] - mu);
    at += static_cast<size_t>(counts[l]);
    for (int c = 0; c < C; ++c) {
      means[l * C + c] = mu;
      m2s[l * C + c] = q;
    }
  }
  double mu = 0, q = 0;
  for (double v : values) mu += v;
  mu /= values.size();
  for (double v : values) q += (v - mu) * (v - mu);
  std::vector<double> mean(C), var(C);
  bn_merge_lane_stats(C, static_cast<int>(counts.size()), counts.data(), means.data(), m2s.data(), mean.data(),
                      var.data());
  for (int c = 0; c < C; ++c) {
    EXPECT_NEAR(mean[c], mu, 1e-9);
    EXPECT_NEAR(var[c], q / values.size(), 1e-12 * (1 + q / values.size()));
    EXPECT_GT(var[c], 0.0);
  }
}

}  // namespace
}  // namespace gener::kernels
