// normalize.h — what is done to one compendium before it is used or stacked: missing values (error, the gene's mean,
// or dropping genes) and normalisation (centre or z-score per gene, quantile across samples).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/data/expression.h"

namespace gener::data {

enum class Normalization { None, Center, Zscore, Quantile };
// "none" | "center" | "zscore" | "quantile"; anything else is an error naming `where` (a flag or YAML key).
Normalization parse_normalization(const std::string& s, const std::string& where);
const char* normalization_name(Normalization n);

enum class MissingPolicy { Error, Impute, DropGenes };
// "error" | "impute" | "drop-genes"; anything else is an error naming `where`.
MissingPolicy parse_missing_policy(const std::string& s, const std::string& where);
const char* missing_policy_name(MissingPolicy p);

// What handle_missing did to one compendium.
struct MissingReport {
  int64_t values = 0;              // missing values found
  int64_t genes_with_missing = 0;  // genes with at least one
  int64_t imputed = 0;             // values filled with their gene's mean
  int64_t dropped_genes = 0;       // genes removed: no data at all, or (drop-genes) above max_missing
  int64_t no_data_genes = 0;       // of those, genes with every value missing
  std::vector<std::string> dropped_examples;  // the first few removed genes
};

// Error: any missing value is an error (reject_missing). Impute: a gene's missing values become the mean of its
// observed values. DropGenes: genes whose missing fraction exceeds max_missing (in [0, 1]) are removed, the rest
// imputed as above. A gene with no observed value is removed under every policy: it is absent, never filled.
// Rows keep their order; the index is rebuilt.
MissingReport handle_missing(Expression& expr, MissingPolicy policy, double max_missing = 0.0);

// Quantile normalisation across samples (each sample = one column of length G): every column is replaced by
// the mean of the sorted columns at each value's rank; tied values get the average of the rank means over
// their tie group.
void quantile_normalize(Expression& expr);

// Per-gene standardisation: each row minus its mean, divided by its population standard deviation
// (ddof = 0, like scipy.stats.zscore); constant rows become all zeros.
void zscore_per_gene(Expression& expr);

// Each row minus its mean.
void center_per_gene(Expression& expr);

void normalize(Expression& expr, Normalization n);

}  // namespace gener::data
