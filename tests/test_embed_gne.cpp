// test_embed_gne.cpp — GNE's network: the analytic gradient of every parameter block against central
// differences (with and without the expression branch, dropout mask fixed), and the representation's shape.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/embed/gne_model.h"
#include "tests/test_util.h"

using namespace gener::embed;

namespace {

void gradient_check(float alpha, float dropout) {
  GneShape s;
  s.n = 9;
  s.m = alpha > 0 ? 7 : 0;
  s.id_dim = 5;
  s.attr_dim = 3;
  s.dim = 6;
  GneParams p(s);
  gne_init(p, 4);
  // Smaller weights than the authors' N(0, 1) keep tanh away from saturation, so differences are informative.
  for (size_t i = p.w_attr; i < p.out_bias; ++i) p.w[i] *= 0.3f;
  for (size_t i = p.out_bias; i < p.total; ++i) p.w[i] = 0.05f * static_cast<float>(i % 5) - 0.1f;
  const std::vector<int32_t> node = {0, 3, 3, 8, 5, 1, 7}, label = {2, 4, 1, 0, 6, 1, 3};
  const std::vector<int32_t> sampled = {6, 1, 4};  // 1 is row 2's and row 5's true neighbour: left out there
  std::vector<float> attr = gener::test::random_uniform(node.size() * static_cast<size_t>(s.m), -1.f, 1.f, 8);
  GneBatch b;
  b.B = static_cast<int>(node.size());
  b.node = node.data();
  b.label = label.data();
  b.attr = alpha > 0 ? attr.data() : nullptr;
  b.sampled = sampled.data();
  b.K = 3;
  b.alpha = alpha;
  b.dropout = dropout;
  b.seed = 17;
  b.step = 2;
  std::vector<float> grad(p.total), scratch(p.total);
  const double l0 = gne_loss_grad(p, b, grad.data());
  EXPECT_TRUE(std::isfinite(l0));
  EXPECT_GT(l0, 0.0);
  // A second call gives the same gradient (no accumulation across calls).
  std::vector<float> again(p.total);
  gne_loss_grad(p, b, again.data());
  EXPECT_EQ(grad, again);
  auto loss = [&]() { return gne_loss_grad(p, b, scratch.data()); };
  gener::test::GradCheckOptions opt;
  opt.eps = 2e-3f;
  opt.atol = 2e-4f;
  opt.rtol = 2e-2f;
  opt.max_checks = 0;
  struct Block {
    const char* name;
    size_t begin, end;
  };
  for (const Block& blk : {Block{"in_emb", p.in_emb, p.w_attr}, Block{"w_attr", p.w_attr, p.w_hidden},
                           Block{"w_hidden", p.w_hidden, p.out_emb}, Block{"out_emb", p.out_emb, p.out_bias},
                           Block{"out_bias", p.out_bias, p.total}}) {
    if (blk.end == blk.begin) continue;
    EXPECT_TRUE(gener::test::check_gradient(loss, p.w.data() + blk.begin, blk.end - blk.begin,
                                            grad.data() + blk.begin,
                                            std::string(blk.name) + " alpha " + std::to_string(alpha), opt));
  }
  // Genes in no row and not sampled get no gradient in their embedding rows.
  for (int k = 0; k < s.id_dim; ++k) EXPECT_EQ(grad[p.in_emb + 2 * s.id_dim + k], 0.0f);
  if (alpha == 0) {  // the expression half of the hidden layer sees zeros
    for (int o = 0; o < s.dim; ++o)
      for (int k = s.id_dim; k < s.id_dim + s.attr_dim; ++k)
        EXPECT_EQ(grad[p.w_hidden + static_cast<size_t>(o) * (s.id_dim + s.attr_dim) + k], 0.0f);
  }
}

}  // namespace

TEST(EmbedGne, GradientCheckWithExpression) { gradient_check(1.0f, 0.0f); }
TEST(EmbedGne, GradientCheckWithExpressionAndDropout) { gradient_check(1.0f, 0.5f); }
TEST(EmbedGne, GradientCheckTopologyOnly) { gradient_check(0.0f, 0.5f); }

TEST(EmbedGne, RepresentationIsHiddenPlusOutputEmbedding) {
  GneShape s;
  s.n = 4;
  s.m = 0;
  s.id_dim = 3;
  s.attr_dim = 2;
  s.dim = 2;
  GneParams p(s);
  gne_init(p, 1);
  Embedding e = gne_representation(p, 0.0f, nullptr);
  ASSERT_EQ(e.n, 4);
  ASSERT_EQ(e.dim, 2);
  // By hand for gene 2: h = tanh(W_h · [l2norm(in_emb[2]), 0, 0]).
  const float* x = p.w.data() + p.in_emb + 2 * 3;
  const double nrm = std::sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
  for (int o = 0; o < 2; ++o) {
    const float* w = p.w.data() + p.w_hidden + o * 5;
    const double h = std::tanh((w[0] * x[0] + w[1] * x[1] + w[2] * x[2]) / nrm);
    EXPECT_NEAR(e.row(2)[o], h + p.w[p.out_emb + 2 * 2 + o], 1e-5);
  }
}
