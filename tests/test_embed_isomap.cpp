// test_embed_isomap.cpp — Isomap: classical MDS against hand-computed cases, geodesics of known graphs (path,
// ring, grid) recovered up to rotation and sign, the kNN graph over adjacency rows by hand, and the two
// eigen-solvers (Eigen dense, Spectra Lanczos) agreeing.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <vector>

#include "engine/embed/isomap.h"
#include "engine/embed/mds.h"
#include "engine/data/random.h"
#include "tests/test_embed_util.h"
#include "tests/test_util.h"

using namespace gener::embed;
using gener::embedtest::graph_of;

namespace {

std::vector<float> pairwise(const std::vector<std::vector<double>>& pts) {
  const size_t n = pts.size();
  std::vector<float> d(n * n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t k = 0; k < pts[i].size(); ++k) s += (pts[i][k] - pts[j][k]) * (pts[i][k] - pts[j][k]);
      d[i * n + j] = static_cast<float>(std::sqrt(s));
    }
  return d;
}

// R² of the best affine map from the first `k` embedding columns to each column of `truth` (n, t).
std::vector<double> affine_r2(const Embedding& e, int k, const Eigen::MatrixXd& truth) {
  Eigen::MatrixXd a(e.n, k + 1);
  for (int i = 0; i < e.n; ++i) {
    for (int c = 0; c < k; ++c) a(i, c) = e.row(i)[c];
    a(i, k) = 1.0;
  }
  Eigen::MatrixXd coef = a.colPivHouseholderQr().solve(truth);
  Eigen::MatrixXd res = truth - a * coef;
  std::vector<double> r2;
  for (int c = 0; c < truth.cols(); ++c) {
    const double mean = truth.col(c).mean();
    r2.push_back(1.0 - res.col(c).squaredNorm() / (truth.col(c).array() - mean).square().sum());
  }
  return r2;
}

}  // namespace

TEST(EmbedMds, ThreeCollinearPointsByHand) {
  // Points 0, 1, 3 on a line: centred coordinates 4/3, 1/3, -5/3; eigenvalue 16/9 + 1/9 + 25/9 = 14/3; rank 1.
  // The sign rule makes the largest-magnitude entry (-5/3) positive.
  std::vector<float> d = {0, 1, 3, 1, 0, 2, 3, 2, 0};
  std::vector<double> ev;
  Embedding e = classical_mds(d, 3, 2, EigenSolver::Dense, &ev);
  ASSERT_EQ(e.n, 3);
  ASSERT_EQ(e.dim, 2);
  EXPECT_NEAR(ev[0], 14.0 / 3.0, 1e-5);
  EXPECT_NEAR(ev[1], 0.0, 1e-5);
  EXPECT_NEAR(e.row(0)[0], -4.0 / 3.0, 1e-5);
  EXPECT_NEAR(e.row(1)[0], -1.0 / 3.0, 1e-5);
  EXPECT_NEAR(e.row(2)[0], 5.0 / 3.0, 1e-5);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(e.row(i)[1], 0.0, 1e-3);
}

TEST(EmbedMds, RightTriangleDistancesArePreserved) {
  // A 3-4-5 triangle: the 2-D embedding reproduces all three distances exactly.
  std::vector<float> d = {0, 3, 4, 3, 0, 5, 4, 5, 0};
  const std::vector<float> orig = d;
  Embedding e = classical_mds(d, 3, 2, EigenSolver::Dense);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double dx = e.row(i)[0] - e.row(j)[0], dy = e.row(i)[1] - e.row(j)[1];
      EXPECT_NEAR(std::sqrt(dx * dx + dy * dy), orig[i * 3 + j], 1e-4) << i << "," << j;
    }
}

TEST(EmbedMds, MoreDimensionsThanPointsAreZero) {
  std::vector<float> d = {0, 1, 1, 0};
  Embedding e = classical_mds(d, 2, 5, EigenSolver::Auto);
  ASSERT_EQ(e.dim, 5);
  EXPECT_NEAR(std::fabs(e.row(0)[0]), 0.5, 1e-6);
  for (int k = 1; k < 5; ++k) EXPECT_EQ(e.row(0)[k], 0.0f);
}

TEST(EmbedIsomap, PathGeodesicsGiveTheLine) {
  // Path 0-1-...-8: hop distances are |i - j|, so MDS recovers i - 4 up to sign, and nothing else.
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i + 1 < 9; ++i) edges.push_back({i, i + 1});
  auto g = graph_of(9, edges);
  std::vector<float> d = geodesic_distances(unit_weight_graph(g));
  EXPECT_FLOAT_EQ(d[0 * 9 + 8], 8.0f);
  std::vector<double> ev;
  Embedding e = classical_mds(d, 9, 3, EigenSolver::Dense, &ev);
  const float sign = e.row(0)[0] > 0 ? 1.0f : -1.0f;
  for (int i = 0; i < 9; ++i) {
    EXPECT_NEAR(e.row(i)[0], sign * (4.0f - i), 1e-4) << i;
    EXPECT_NEAR(e.row(i)[1], 0.0f, 1e-2) << i;
  }
  EXPECT_NEAR(ev[1] / ev[0], 0.0, 1e-6);
}

TEST(EmbedIsomap, RingGeodesicsGiveACircle) {
  // Ring of 12: circular hop distances; B is circulant, its top eigenvalue has a cos/sin pair, so the 2-D
  // embedding puts the genes on a circle at equal angles (any rotation of that pair is a valid answer).
  const int n = 12;
  std::vector<std::pair<int, int>> edges;
  for (int i = 0; i < n; ++i) edges.push_back({i, (i + 1) % n});
  std::vector<float> d = geodesic_distances(unit_weight_graph(graph_of(n, edges)));
  EXPECT_FLOAT_EQ(d[0 * n + 6], 6.0f);
  EXPECT_FLOAT_EQ(d[0 * n + 9], 3.0f);
  Embedding e = classical_mds(d, n, 2, EigenSolver::Dense);
  const double r0 = std::hypot(e.row(0)[0], e.row(0)[1]);
  EXPECT_NEAR(r0, 2.7320508, 1e-4);  // sqrt(2 λ / n), λ = 44.7846 (numpy)
  for (int i = 0; i < n; ++i) {
    EXPECT_NEAR(std::hypot(e.row(i)[0], e.row(i)[1]), r0, 1e-4) << i;
    const int j = (i + 1) % n;
    const double cosang = (e.row(i)[0] * e.row(j)[0] + e.row(i)[1] * e.row(j)[1]) / (r0 * r0);
    EXPECT_NEAR(cosang, std::cos(2 * M_PI / n), 1e-4) << i;
  }
}

TEST(EmbedIsomap, GridGeodesicsGiveTheGridUpToRotation) {
  // 4 x 5 grid: hop distances are Manhattan, not Euclidean, so the recovery is close rather than exact; the
  // top two coordinates map affinely onto (row, column) with R² >= 0.98 each (0.989 / 0.994 by numpy).
  const int R = 4, C = 5;
  std::vector<std::pair<int, int>> edges;
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) {
      if (c + 1 < C) edges.push_back({r * C + c, r * C + c + 1});
      if (r + 1 < R) edges.push_back({r * C + c, (r + 1) * C + c});
    }
  std::vector<float> d = geodesic_distances(unit_weight_graph(graph_of(R * C, edges)));
  Embedding e = classical_mds(d, R * C, 2, EigenSolver::Dense);
  Eigen::MatrixXd truth(R * C, 2);
  for (int v = 0; v < R * C; ++v) truth(v, 0) = v / C, truth(v, 1) = v % C;
  for (double r2 : affine_r2(e, 2, truth)) EXPECT_GE(r2, 0.98);
}

TEST(EmbedIsomap, KnnOverAdjacencyRowsByHand) {
  // Edges 0-1 0-2 0-3 3-4. Squared row distances deg u + deg v - 2 common(u, v): the nearest of 0 is 4 (2),
  // of 1 is 2 (0), of 2 is 1 (0), of 3 is 1 (1; tie with 2, lower index wins), of 4 is 0 (2; ties with 1 and 2).
  // Components {0, 4} and {1, 2, 3} are joined by their closest pair, (1, 4) at sqrt(2).
  auto g = graph_of(5, {{0, 1}, {0, 2}, {0, 3}, {3, 4}});
  int comps = 0;
  WeightedGraph w = adjacency_knn_graph(g, 1, &comps);
  EXPECT_EQ(comps, 2);
  auto weight = [&](int u, int v) -> float {
    for (int64_t e = w.offsets[u]; e < w.offsets[u + 1]; ++e)
      if (w.neighbors[e] == v) return w.weights[e];
    return -1.0f;
  };
  EXPECT_EQ(w.neighbors.size(), 2u * 4u);  // edges 0-4, 1-2, 1-3, 1-4
  EXPECT_FLOAT_EQ(weight(0, 4), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(weight(4, 0), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(weight(1, 2), 0.0f);
  EXPECT_FLOAT_EQ(weight(1, 3), 1.0f);
  EXPECT_FLOAT_EQ(weight(1, 4), std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(weight(0, 1), -1.0f);
  // Every geodesic is finite after the join.
  for (float x : geodesic_distances(w)) EXPECT_TRUE(std::isfinite(x));
}

TEST(EmbedIsomap, LanczosAgreesWithDense) {
  // 400 random points in 4-D with distinct spreads: the top 4 eigenpairs are well separated, so Spectra's
  // Lanczos and Eigen's dense solver must give the same coordinates (signs fixed by the same rule).
  std::mt19937_64 rng(5);
  gener::data::NormalSource normal;
  std::vector<std::vector<double>> pts(400);
  for (auto& p : pts) p = {4 * normal(rng), 3 * normal(rng), 2 * normal(rng), normal(rng)};
  std::vector<float> d1 = pairwise(pts), d2 = d1;
  std::vector<double> ev1, ev2;
  Embedding a = classical_mds(d1, 400, 4, EigenSolver::Dense, &ev1);
  Embedding b = classical_mds(d2, 400, 4, EigenSolver::Lanczos, &ev2);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(ev1[k], ev2[k], 1e-3 * ev1[k]);
  EXPECT_TRUE(gener::test::all_close(b.values, a.values, 2e-3f, 2e-3f, "lanczos vs dense (400, 4)"));
}

TEST(EmbedIsomap, WholeMethodOnTwoCliques) {
  // Two 6-cliques joined by one edge: adjacency rows of one clique are close to each other, so the first
  // Isomap coordinate separates the cliques.
  std::vector<std::pair<int, int>> edges;
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 6; ++i)
      for (int j = i + 1; j < 6; ++j) edges.push_back({6 * c + i, 6 * c + j});
  edges.push_back({5, 6});
  IsomapOptions o;
  o.dim = 3;
  o.n_neighbors = 3;
  Embedding e = isomap_embed(graph_of(12, edges), o);
  ASSERT_EQ(e.dim, 3);
  const float s = e.row(0)[0];
  for (int v = 0; v < 5; ++v) EXPECT_GT(e.row(v)[0] * s, 0.0f) << v;
  for (int v = 7; v < 12; ++v) EXPECT_LT(e.row(v)[0] * s, 0.0f) << v;
}
