// training_pairs.cpp — the training-pair degree table, its JSON form and the gene-degree baseline.
#include "engine/eval/training_pairs.h"

#include <algorithm>
#include <cmath>

#include "engine/data/training_graph.h"
#include "kernels/check.h"

namespace gener::eval {

TrainingPairsTable training_pairs_table(const data::Expression& expr, const data::PairSet& train) {
  const int G = expr.n_genes();
  const data::TrainingGraph graph = data::build_training_graph(train, G);
  const std::vector<uint8_t> seen = data::genes_in_pairs(train, G);
  TrainingPairsTable t;
  for (int g = 0; g < G; ++g) {
    if (!seen[g]) continue;
    t.genes.push_back(expr.genes[g]);
    t.positive_degree.push_back(graph.degree(g));
  }
  std::vector<double> products(train.size());
  for (size_t i = 0; i < train.size(); ++i)
    products[i] = static_cast<double>(graph.degree(train.ab[2 * i])) * graph.degree(train.ab[2 * i + 1]);
  if (!products.empty()) {
    auto mid = products.begin() + static_cast<long>(products.size() / 2);
    std::nth_element(products.begin(), mid, products.end());
    t.median_product = std::max(1.0, *mid);
  }
  t.n_pairs = static_cast<int64_t>(train.size());
  t.n_positive = static_cast<int64_t>(train.n_positive());
  return t;
}

nlohmann::json training_pairs_to_json(const TrainingPairsTable& t) {
  return {{"genes", t.genes},
          {"positive_degree", t.positive_degree},
          {"median_product", t.median_product},
          {"n_pairs", t.n_pairs},
          {"n_positive", t.n_positive}};
}

TrainingPairsTable training_pairs_from_json(const nlohmann::json& j, const std::string& origin) {
  TrainingPairsTable t;
  try {
    t.genes = j.at("genes").get<std::vector<std::string>>();
    t.positive_degree = j.at("positive_degree").get<std::vector<int32_t>>();
    t.median_product = j.at("median_product").get<double>();
    t.n_pairs = j.at("n_pairs").get<int64_t>();
    t.n_positive = j.at("n_positive").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    GENER_THROW(origin << ": training-pair table: " << e.what());
  }
  GENER_CHECK(t.genes.size() == t.positive_degree.size(),
              origin << ": training-pair table has " << t.genes.size() << " genes but " << t.positive_degree.size()
                     << " degrees");
  GENER_CHECK(t.median_product >= 1, origin << ": training-pair table median product " << t.median_product
                                            << " is below 1");
  for (size_t i = 0; i < t.positive_degree.size(); ++i)
    GENER_CHECK(t.positive_degree[i] >= 0, origin << ": training-pair table: gene " << t.genes[i]
                                                  << " has degree " << t.positive_degree[i]);
  return t;
}

GeneTraining gene_training(const TrainingPairsTable& t, const data::Expression& expr) {
  GeneTraining g;
  g.degree.assign(static_cast<size_t>(expr.n_genes()), 0);
  g.seen.assign(static_cast<size_t>(expr.n_genes()), 0);
  g.median_product = t.median_product;
  for (size_t i = 0; i < t.genes.size(); ++i) {
    const int row = expr.find(t.genes[i]);
    if (row < 0) continue;
    g.degree[static_cast<size_t>(row)] = t.positive_degree[i];
    g.seen[static_cast<size_t>(row)] = 1;
  }
  return g;
}

std::vector<float> degree_scores(const GeneTraining& t, const data::PairSet& pairs) {
  const double sm = std::sqrt(t.median_product);
  const int G = static_cast<int>(t.degree.size());
  std::vector<float> s(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int32_t a = pairs.ab[2 * i], b = pairs.ab[2 * i + 1];
    GENER_CHECK(a >= 0 && a < G && b >= 0 && b < G,
                "degree baseline: pair " << i << " (" << a << ", " << b << ") names a gene outside [0, " << G << ")");
    const double sp = std::sqrt(static_cast<double>(t.degree[a]) * t.degree[b]);
    s[i] = static_cast<float>(sp / (sp + sm));
  }
  return s;
}

}  // namespace gener::eval
