// test_embed_planted.cpp — each learned embedding on a planted-partition graph (two dense communities, sparse
// between): held-out within-community edges score above between-community non-edges, test AUROC >= 0.9.
#include <gtest/gtest.h>

#include "engine/embed/baseline.h"
#include "tests/test_embed_util.h"

using namespace gener::embed;

namespace {

const gener::data::DatasetCache& planted() {
  static const gener::data::DatasetCache ds = gener::embedtest::planted_partition(50, 0.5, 0.01, 12, 3);
  return ds;
}

// Settings scaled to a 100-gene graph so each run takes well under a second (the defaults are sized for
// thousands of genes: with 128 dimensions and one pass over short walks a tiny graph is barely trained).
EmbedOptions small_options() {
  EmbedOptions o;
  o.line.dim = 32;
  o.line.samples_millions = 1;
  o.node2vec.dim = 32;
  o.node2vec.walk_length = 40;
  o.node2vec.walks_per_node = 20;
  o.node2vec.epochs = 3;
  o.gne.id_dim = o.gne.attr_dim = o.gne.dim = 32;
  o.gne.epochs = 30;
  o.gne.batch = 32;
  o.gne.patience = 5;
  return o;
}

double test_auroc(Method m, bool plus = false) {
  BaselineResult r = run_baseline({m, plus}, small_options(), planted());
  return gener::embedtest::auroc_of(r.test_scores, planted().splits.test);
}

}  // namespace

TEST(EmbedPlanted, DatasetIsWhatItSays) {
  const auto& ds = planted();
  EXPECT_EQ(ds.expr.n_genes(), 100);
  EXPECT_GT(ds.splits.test.size(), 50u);
  for (size_t i = 0; i < ds.splits.test.size(); ++i) {
    const bool same = (ds.splits.test.ab[2 * i] < 50) == (ds.splits.test.ab[2 * i + 1] < 50);
    EXPECT_EQ(same, ds.splits.test.label[i] == 1);
  }
}

TEST(EmbedPlanted, LineSeparatesCommunities) { EXPECT_GE(test_auroc(Method::Line), 0.9); }
TEST(EmbedPlanted, Node2vecSeparatesCommunities) { EXPECT_GE(test_auroc(Method::Node2vec), 0.9); }
TEST(EmbedPlanted, GneTopologySeparatesCommunities) { EXPECT_GE(test_auroc(Method::GneTopology), 0.9); }
TEST(EmbedPlanted, GneSeparatesCommunities) { EXPECT_GE(test_auroc(Method::Gne), 0.9); }
TEST(EmbedPlanted, PlusVariantUsesTheExpression) {
  // The expression carries the community, so node2vec+ is at least as good as node2vec here.
  EXPECT_GE(test_auroc(Method::Node2vec, true), 0.9);
}
