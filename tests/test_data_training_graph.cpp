// test_data_training_graph.cpp — the CSR graph of training positives: only positives, undirected, deduplicated.
#include <gtest/gtest.h>

#include "engine/data/training_graph.h"
#include "kernels/check.h"

using gener::data::PairSet;

TEST(TrainingGraph, KeepsPositivesOnlyUndirectedDeduplicated) {
  PairSet s;
  s.push(0, 1, 1);
  s.push(1, 0, 1);  // duplicate, other direction
  s.push(2, 3, 0);  // a negative never enters
  s.push(1, 3, 1);
  s.push(4, 4, 1);  // self-pair dropped
  auto g = gener::data::build_training_graph(s, 6);
  EXPECT_EQ(g.n_nodes, 6);
  EXPECT_EQ(g.n_edges(), 2u);
  EXPECT_EQ(g.degree(0), 1);
  EXPECT_EQ(g.degree(1), 2);
  EXPECT_EQ(g.degree(2), 0);
  EXPECT_EQ(g.degree(3), 1);
  EXPECT_EQ(g.degree(4), 0);
  EXPECT_EQ(g.degree(5), 0);  // isolated gene is still a node
  EXPECT_TRUE(g.has_edge(0, 1));
  EXPECT_TRUE(g.has_edge(3, 1));
  EXPECT_FALSE(g.has_edge(2, 3));
  EXPECT_EQ(g.begin(1)[0], 0);
  EXPECT_EQ(g.begin(1)[1], 3);
}

TEST(TrainingGraph, GenesInPairsCountsNegativesToo) {
  PairSet s;
  s.push(0, 1, 1);
  s.push(2, 3, 0);
  auto seen = gener::data::genes_in_pairs(s, 5);
  EXPECT_EQ(seen, (std::vector<uint8_t>{1, 1, 1, 1, 0}));
}

TEST(TrainingGraph, RejectsOutOfRangeGene) {
  PairSet s;
  s.push(0, 7, 1);
  EXPECT_THROW(gener::data::build_training_graph(s, 5), gener::Error);
  EXPECT_THROW(gener::data::genes_in_pairs(s, 5), gener::Error);
}
