// compendium.h — one expression matrix from one or several files as they come: each compendium read (either
// orientation), its missing values handled and normalised on its own, then stacked (arrays concatenated, genes
// joined by name through the gene map). The spec round-trips through JSON so a model can record it.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/data/expression.h"
#include "engine/data/normalize.h"

namespace gener::data {

enum class GeneJoin { Intersection, Union };

struct ExpressionSpec {
  std::vector<std::string> files;            // one or more; each may be a glob pattern naming one file
  std::string format = "matrix";             // matrix (expression TSV/CSV) | regulation_matrix (YEASTRACT TF x gene)
  Orientation orientation = Orientation::Auto;
  std::string gene_map;                      // optional id -> name file (net4_gene_ids.tsv)
  Normalization normalize = Normalization::None;
  MissingPolicy missing = MissingPolicy::Error;
  double max_missing = 0.0;                  // drop-genes: the largest missing fraction a kept gene may have
  GeneJoin genes = GeneJoin::Intersection;   // several files: genes in all of them, or in any (union)
};

struct ExpressionSet {
  Expression expr;
  ExpressionSpec spec;  // as used: every file (and the gene map) resolved to one absolute path
  std::unordered_map<std::string, std::string> id_to_name;  // the gene map (empty without one)
  nlohmann::json summary;  // per file and stacked: arrays, genes, missing values, what was dropped or filled
};

// Per file, in order: read; missing values (spec.missing); normalise (spec.normalize). Then, with several files,
// genes are matched by name — a gene-map id (G-id) stands for its name (ORF), so G-id and ORF files stack — and the
// arrays concatenated in file order (samples = the files' array names). Intersection keeps the genes every file
// has (first file's order); union keeps every gene and fills its arrays in the files that lack it with 0, its
// centred mean, which needs normalize center or zscore and a missing policy other than error. Errors name the
// file or key: files with no gene in common, a gene twice in one file after mapping, a union without centring.
ExpressionSet load_expression_set(const ExpressionSpec& spec);

// Every option by name (the model records ExpressionSet::spec, whose paths are absolute).
nlohmann::json expression_spec_to_json(const ExpressionSpec& spec);
// Back from JSON; an unknown value is an error naming `origin`.
ExpressionSpec expression_spec_from_json(const nlohmann::json& j, const std::string& origin);

const char* orientation_name(Orientation o);
Orientation parse_orientation(const std::string& s, const std::string& where);

}  // namespace gener::data
