// test_core_data_parallel.cpp — the pieces of data-parallel training that one process can check exactly: a share
// of a global batch carries the global 1/B, an empty share contributes zero, dropout is keyed by the global row,
// and on one rank the data-parallel step is the plain step.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "engine/core/data_parallel.h"
#include "engine/core/network.h"
#include "engine/parallel/comm.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

constexpr int kL = 12, kGenes = 19, kBatch = 10;

ModelConfig tiny(float dropout) {
  ModelConfig c;
  c.cnn_conv = {{3, 2, 2}, {2, 1, 3}};
  c.cnn_dense = {5};
  c.mlp_dense = {6};
  c.dropout = dropout;
  return c;
}

struct Bench {
  Graph g;
  std::vector<float> expr;
  std::vector<int32_t> pairs, labels;
  explicit Bench(float dropout) : g(build_gener_graph(tiny(dropout), kL)) {
    expr = test::random_uniform(static_cast<size_t>(kGenes) * kL, -2.f, 2.f, 5);
    for (float v : test::random_ints(2 * kBatch, 0, kGenes - 1, 6)) pairs.push_back(static_cast<int32_t>(v));
    for (int i = 0; i < kBatch; ++i) labels.push_back(i % 3 == 0 ? 1 : 0);
  }
  std::unique_ptr<Network> net(uint64_t seed = 9) const {
    NetworkOptions o;
    o.max_batch = kBatch;
    o.mode = PlanMode::Training;
    o.train.seed = seed;
    auto n = make_cpu_network(g, o);
    n->set_expression(expr.data(), kGenes);
    return n;
  }
};

TEST(DataParallel, ShareGradientCarriesTheGlobalBatchSize) {
  // The same rows as a half of a batch twice their number: every gradient exactly halves (1/2B instead of 1/B).
  Bench s(0.5f);
  auto a = s.net(), b = s.net();
  const float la = a->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 3);
  const float lb = b->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 3, BatchShare{0, 2 * kBatch});
  EXPECT_EQ(la, lb) << "the returned loss is the share's own mean";
  std::vector<float> ga = a->get_grads(), gb = b->get_grads();
  for (float& v : ga) v *= 0.5f;
  EXPECT_TRUE(test::all_close(gb, ga, 0.f, 0.f, "share gradient vs half the batch gradient"));
}

TEST(DataParallel, EmptyShareContributesZero) {
  Bench s(0.5f);
  auto n = s.net();
  n->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 0);  // non-zero gradients first
  EXPECT_EQ(n->forward_backward(nullptr, nullptr, 0, 1, BatchShare{kBatch, kBatch}), 0.f);
  for (float v : n->get_grads()) ASSERT_EQ(v, 0.f);
  EXPECT_THROW(n->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 0, BatchShare{0, kBatch - 1}), Error);
}

TEST(DataParallel, DropoutIsKeyedByTheGlobalRow) {
  // Element indices of a share start at its first row's place in the global batch.
  Bench s(0.5f);
  for (const Node& node : s.g.nodes) {
    if (node.op != OpKind::ActBnDropout) continue;
    const auto p0 = bn_dropout_params(node, 9, 4), p5 = bn_dropout_params(node, 9, 4, 5);
    EXPECT_EQ(p0.index0, 0u);
    EXPECT_EQ(p5.index0, 5u * static_cast<uint64_t>(node.bn_c) * static_cast<uint64_t>(node.bn_s)) << node.name;
    EXPECT_EQ(p0.seed, p5.seed);
  }
  // The same rows placed at row 0 or row 10 of a global batch draw other masks, hence other gradients.
  auto a = s.net(), b = s.net();
  a->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 3, BatchShare{0, 2 * kBatch});
  b->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 3, BatchShare{kBatch, 2 * kBatch});
  EXPECT_NE(a->get_grads(), b->get_grads());
  // Without dropout the place does not matter.
  Bench nd(0.f);
  auto c = nd.net(), d = nd.net();
  c->forward_backward(nd.pairs.data(), nd.labels.data(), kBatch, 3, BatchShare{0, 2 * kBatch});
  d->forward_backward(nd.pairs.data(), nd.labels.data(), kBatch, 3, BatchShare{kBatch, 2 * kBatch});
  EXPECT_EQ(c->get_grads(), d->get_grads());
}

TEST(DataParallel, OnOneRankTheStepIsThePlainStep) {
  Bench s(0.5f);
  auto one = parallel::make_single_rank();
  DataParallel dp(*one);
  EXPECT_EQ(dp.share(kBatch), (parallel::Range{0, kBatch}));
  auto a = s.net(), b = s.net();
  const float la = a->forward_backward(s.pairs.data(), s.labels.data(), kBatch, 7);
  const float lb = dp.forward_backward(*b, s.pairs.data(), s.labels.data(), kBatch, 7);
  EXPECT_EQ(la, lb);
  EXPECT_EQ(a->get_grads(), b->get_grads());
  const std::vector<float> st = b->get_state();
  dp.average_state(*b);
  EXPECT_EQ(b->get_state(), st);
  EXPECT_EQ(DataParallel::gradient_bytes(*b), s.g.n_params * sizeof(float));
  EXPECT_EQ(b->gradient_buffer()[0], b->get_grads()[0]);
  EXPECT_FALSE(b->gradients_on_device());
}

}  // namespace
}  // namespace gener::core
