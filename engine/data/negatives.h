// negatives.h — negative pairs: uniform over the pairs of a gene set, or degree-matched (each gene's negative
// degree follows its positive degree, so a gene's degree carries no label signal).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/interactions.h"
#include "engine/data/pairs.h"

namespace gener::data {

enum class NegativeSampling { Uniform, DegreeMatched };
// "uniform" | "degree_matched"; anything else is an error naming `where`.
NegativeSampling parse_negative_sampling(const std::string& s, const std::string& where);
const char* negative_sampling_name(NegativeSampling n);

// `count` distinct pairs (a < b, label 0) drawn uniformly from the pairs of distinct genes of `genes` (ascending
// matrix rows) that are not in `exclude`, in draw order; deterministic for a seed. For genes = 0..G-1 this is
// sample_negatives(G, ...). Throws when fewer than `count` pairs are free.
PairSet sample_negatives_among(const std::vector<int32_t>& genes, size_t count, const PairKeySet& exclude,
                               uint64_t seed);

struct DegreeMatchStats {
  int64_t target = 0;              // negatives wanted = positives given
  int64_t placed = 0;              // negatives drawn
  int64_t genes = 0;               // genes with a positive
  int64_t genes_exact = 0;         // whose negative degree equals their positive degree
  int64_t genes_off_by_more = 0;   // off by more than one (hubs with too few free partners)
  int64_t max_deficit = 0;         // the largest positive-minus-negative degree of one gene
  double mean_abs_deviation = 0;   // mean |negative - positive degree| over genes with a positive
};
nlohmann::json degree_match_to_json(const DegreeMatchStats& s);

// One negative per positive (label 1) of `positives`, drawn so every gene's negative degree equals its positive
// degree: the positives' endpoints (stubs) are shuffled and paired; a pair that is a self-pair, in `exclude` (pass
// every positive and held-out pair) or already drawn is repaired by rewiring it with a random drawn pair; one that
// cannot be repaired in 200 tries is left out, so a gene ends within ±1 of its positive degree unless it is a hub
// with too few free partners (stats say how many). Deterministic for a seed; a < b; in draw order.
PairSet sample_degree_matched_negatives(const PairSet& positives, const PairKeySet& exclude, uint64_t seed,
                                        DegreeMatchStats* stats = nullptr);

}  // namespace gener::data
