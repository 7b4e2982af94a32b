// training_pairs.h — what an evaluation needs to know about a model's training pairs, by gene name: each gene's
// positive degree (the gene-degree baseline) and whether it occurs in any training pair (the C1/C2/C3 strata).
// Small enough to travel in a checkpoint's metadata.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/expression.h"
#include "engine/data/pairs.h"

namespace gener::eval {

struct TrainingPairsTable {
  std::vector<std::string> genes;        // (K) genes in at least one training pair, positive or negative
  std::vector<int32_t> positive_degree;  // (K) distinct positive partners among the training pairs
  double median_product = 1;             // median over the training pairs of deg(a) * deg(b), at least 1
  int64_t n_pairs = 0, n_positive = 0;   // the training pairs it was built from
};

// From the training pairs of `expr`'s rows (the positives' graph: data::build_training_graph).
TrainingPairsTable training_pairs_table(const data::Expression& expr, const data::PairSet& train);

// {"genes": [...], "positive_degree": [...], "median_product", "n_pairs", "n_positive"}; the reader checks the
// lengths and values and names `origin` in its errors.
nlohmann::json training_pairs_to_json(const TrainingPairsTable& t);
TrainingPairsTable training_pairs_from_json(const nlohmann::json& j, const std::string& origin);

// The table laid over an expression matrix's rows; a gene the table does not know has degree 0 and was not seen.
struct GeneTraining {
  std::vector<int32_t> degree;  // (G)
  std::vector<uint8_t> seen;    // (G) 1 = in a training pair
  double median_product = 1;
};
GeneTraining gene_training(const TrainingPairsTable& t, const data::Expression& expr);

// The gene-degree baseline, no expression at all: p = deg(a) * deg(b), scored s = sqrt(p) / (sqrt(p) + sqrt(m))
// with m the training median product. s never decreases with p (AUROC/AUPR are those of the product, up to float
// rounding among the very largest products) and is 0.5 at
// the training median, so its argmax class says "above the typical training pair".
std::vector<float> degree_scores(const GeneTraining& t, const data::PairSet& pairs);

}  // namespace gener::eval
