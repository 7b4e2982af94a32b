// prepare.cpp — the prepare pipeline: expression set, interactions, negatives, splits, and the summary counts.
#include "engine/data/prepare.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "engine/data/interactions.h"
#include "engine/data/random.h"
#include "engine/data/training_graph.h"
#include "kernels/check.h"

namespace gener::data {
namespace {

PairSet concat(const PairSet& x, const PairSet& y) {
  PairSet out = x;
  out.ab.insert(out.ab.end(), y.ab.begin(), y.ab.end());
  out.label.insert(out.label.end(), y.label.begin(), y.label.end());
  return out;
}

PairSet without(const PairSet& p, const PairKeySet& drop) {
  PairSet out;
  for (size_t i = 0; i < p.size(); ++i)
    if (!drop.count(pair_key(p.ab[2 * i], p.ab[2 * i + 1]))) out.push(p.ab[2 * i], p.ab[2 * i + 1], p.label[i]);
  return out;
}

PairSet shuffled(const PairSet& p, uint64_t seed) { return split_pairs(p, 0.0, 0.0, seed).train; }

nlohmann::json split_counts(const PairSet& p) {
  std::unordered_set<int32_t> genes(p.ab.begin(), p.ab.end());
  const size_t pos = p.n_positive();
  return {{"pairs", p.size()}, {"positives", pos}, {"negatives", p.size() - pos}, {"genes", genes.size()}};
}

// C1 / C2 / C3: pairs with both, one or neither gene in a training pair.
nlohmann::json strata_counts(const PairSet& p, const std::vector<uint8_t>& seen) {
  int64_t n[3] = {0, 0, 0}, pos[3] = {0, 0, 0};
  for (size_t i = 0; i < p.size(); ++i) {
    const int k = 2 - seen[p.ab[2 * i]] - seen[p.ab[2 * i + 1]];
    ++n[k];
    pos[k] += p.label[i] == 1 ? 1 : 0;
  }
  nlohmann::json j;
  for (int k = 0; k < 3; ++k) j["C" + std::to_string(k + 1)] = {{"pairs", n[k]}, {"positives", pos[k]}};
  return j;
}

// Every split needs both classes; `what` says which key or file makes it.
void check_classes(const PairSet& p, const std::string& split, const std::string& what) {
  const size_t pos = p.n_positive();
  GENER_CHECK(pos > 0 && pos < p.size(), split << " split has " << pos << " positive and " << p.size() - pos
                                               << " negative pairs: it needs both classes (" << what << ")");
}

}  // namespace

PreparedDataset prepare_dataset(const PrepareSpec& spec) {
  const bool npy = !spec.test_npy.empty();
  GENER_CHECK(spec.validation_npy.empty() == spec.test_npy.empty(),
              spec.name << ": validation_npy and test_npy go together (got only "
                        << (spec.test_npy.empty() ? spec.validation_npy : spec.test_npy) << ")");
  GENER_CHECK(spec.negative_ratio > 0, spec.name << ": negative ratio must be > 0, got " << spec.negative_ratio);
  GENER_CHECK(spec.negatives != NegativeSampling::DegreeMatched || spec.negative_ratio == 1.0,
              spec.name << ": negatives.ratio must be 1 with degree_matched negatives (one negative per positive "
                        << "endpoint), got " << spec.negative_ratio);
  GENER_CHECK(!(npy && spec.split_by == SplitBy::Genes),
              spec.name << ": split.by genes makes its own splits; remove validation_npy / test_npy");
  PreparedDataset out;
  nlohmann::json& s = out.summary;
  s["name"] = spec.name;
  s["paper_table"] = spec.paper_table;
  s["seed"] = spec.seed;

  // The matrix.
  ExpressionSet es = load_expression_set(spec.expr);
  out.expr = std::move(es.expr);
  Expression& e = out.expr;
  s["expression"] = es.summary;
  s["expression_spec"] = expression_spec_to_json(es.spec);
  GeneResolver genes(e, es.id_to_name, spec.expr.gene_map);

  // The interactions.
  const std::string inter_file = resolve_file_pattern(spec.interactions, "interactions");
  NamePairs raw;
  nlohmann::json& si = s["interactions"];
  si["file"] = inter_file;
  if (spec.interactions_format == "biogrid") {
    BiogridStats st;
    raw = read_biogrid(inter_file, spec.biogrid, &st);
    si["format"] = "BioGRID " + st.format;
    si["organism"] = spec.biogrid.organism;
    si["systems"] = std::string(spec.biogrid.physical ? "physical" : "") +
                    (spec.biogrid.physical && spec.biogrid.genetic ? "+" : "") + (spec.biogrid.genetic ? "genetic" : "");
    si["rows"] = st.rows;
    si["other_organism"] = st.other_organism;
    si["other_system"] = st.other_system;
  } else {
    GENER_CHECK(spec.interactions_format == "edges", spec.name << ": unknown interactions format '"
                                                               << spec.interactions_format
                                                               << "' (expected biogrid or edges)");
    if (spec.by_index) {
      PairSet p = read_pairs(inter_file, e, true);
      for (size_t i = 0; i < p.size(); ++i)
        raw.push(e.genes[static_cast<size_t>(p.ab[2 * i])], e.genes[static_cast<size_t>(p.ab[2 * i + 1])], p.label[i]);
    } else {
      raw = read_edge_list_names(inter_file, genes);
    }
    si["format"] = spec.by_index ? "edge list (0-based indices)" : "edge list (names)";
    si["rows"] = raw.size();
  }
  si["kept"] = raw.size();
  ResolvedInteractions ri = resolve_interactions(raw, genes);
  si["used"] = ri.input - ri.missing - ri.self_pairs - ri.duplicates;
  s["dropped"] = {{"self_pairs", ri.self_pairs}, {"duplicates", ri.duplicates}, {"conflicting_labels", ri.conflicting}};
  s["missing"] = {{"interactions", ri.missing}, {"genes", ri.missing_genes}, {"examples", ri.missing_examples}};
  GENER_CHECK(ri.positives.size() > 0, inter_file << ": no interaction left among the genes of the expression data ("
                                                  << ri.input << " read, " << ri.missing << " with a gene without data, "
                                                  << ri.self_pairs << " self-pairs)");
  const bool file_negatives = ri.negatives.size() > 0;
  s["negatives_source"] = file_negatives ? "file" : "sampled";
  s["negative_sampling"] = negative_sampling_name(spec.negatives);
  s["split_by"] = npy ? "npy" : split_by_name(spec.split_by);
  s["split_source"] = npy ? "npy" : "seeded";

  // Negatives for `pos` among `among` (all genes when null), none in `exclude`; degree-match stats into s.
  nlohmann::json degree_match = nlohmann::json::array();
  auto sample = [&](const PairSet& pos, const std::vector<int32_t>* among, const PairKeySet& exclude,
                    uint64_t seed) {
    if (spec.negatives == NegativeSampling::DegreeMatched) {
      DegreeMatchStats st;
      PairSet neg = sample_degree_matched_negatives(pos, exclude, seed, &st);
      degree_match.push_back(degree_match_to_json(st));
      return neg;
    }
    const size_t n = static_cast<size_t>(std::llround(spec.negative_ratio * static_cast<double>(pos.size())));
    return among ? sample_negatives_among(*among, n, exclude, seed) : sample_negatives(e.n_genes(), n, exclude, seed);
  };

  PairKeySet positive_keys = pair_keys(ri.positives);
  Splits& sp = out.splits;
  s["positives"] = ri.positives.size();
  if (npy) {
    DroppedPairs dv, dt;
    std::vector<int64_t> val_rows;
    sp.val = read_pairs_npy_by_id(spec.validation_npy, e, es.id_to_name, &dv, &val_rows);
    sp.test = read_pairs_npy_by_id(spec.test_npy, e, es.id_to_name, &dt);
    PairKeySet held = pair_keys(sp.test);
    for (size_t i = 0; i < sp.val.size(); ++i) {
      const int32_t a = sp.val.ab[2 * i], b = sp.val.ab[2 * i + 1];
      GENER_CHECK(!held.count(pair_key(a, b)), spec.validation_npy << ": row " << val_rows[i] << ": pair ("
                                                                   << e.genes[a] << ", " << e.genes[b]
                                                                   << ") is also in " << spec.test_npy);
    }
    for (size_t i = 0; i < sp.val.size(); ++i) held.insert(pair_key(sp.val.ab[2 * i], sp.val.ab[2 * i + 1]));
    PairSet pos = without(ri.positives, held);
    PairSet neg;
    if (file_negatives) {
      neg = without(ri.negatives, held);
    } else {
      PairKeySet exclude = held;
      exclude.insert(positive_keys.begin(), positive_keys.end());
      neg = sample(pos, nullptr, exclude, spec.seed);
    }
    s["negatives"] = neg.size() + (sp.val.size() - sp.val.n_positive()) + (sp.test.size() - sp.test.n_positive());
    s["held_out_positives_removed_from_training"] = ri.positives.size() - pos.size();
    sp.train = shuffled(concat(pos, neg), spec.seed);
    s["split"] = {{"validation_npy", spec.validation_npy}, {"test_npy", spec.test_npy}};
    s["without_data"] = {{"val", dropped_to_json(dv)}, {"test", dropped_to_json(dt)}};
    check_classes(sp.val, "the validation", spec.validation_npy + " after dropping pairs without data");
    check_classes(sp.test, "the test", spec.test_npy + " after dropping pairs without data");
  } else if (spec.split_by == SplitBy::Pairs) {
    PairSet neg = file_negatives ? ri.negatives : sample(ri.positives, nullptr, positive_keys, spec.seed);
    s["negatives"] = neg.size();
    sp = split_pairs(concat(ri.positives, neg), spec.test_frac, spec.val_frac, spec.seed);
    s["split"] = {{"test", spec.test_frac}, {"validation", spec.val_frac}};
    for (const auto& [set, name] : {std::pair<const PairSet*, const char*>{&sp.val, "the validation"},
                                    {&sp.test, "the test"}})
      check_classes(*set, name, "raise split.test / split.validation (--test-frac / --val-frac)");
  } else {
    const GenePartition gp = partition_genes(e.n_genes(), spec.test_frac, spec.val_frac, spec.seed);
    PairSet crossing_pos, crossing_neg;
    Splits pos = split_by_genes(ri.positives, gp, &crossing_pos);
    Splits neg;
    if (file_negatives) neg = split_by_genes(ri.negatives, gp, &crossing_neg);
    const GenePart parts[3] = {GenePart::Train, GenePart::Val, GenePart::Test};
    PairSet* pos_of[3] = {&pos.train, &pos.val, &pos.test};
    PairSet* neg_of[3] = {&neg.train, &neg.val, &neg.test};
    PairSet* out_of[3] = {&sp.train, &sp.val, &sp.test};
    size_t n_neg = 0;
    for (int k = 0; k < 3; ++k) {
      if (!file_negatives) {
        const std::vector<int32_t> among = gp.genes(parts[k]);
        *neg_of[k] = sample(*pos_of[k], &among, positive_keys, mix_seed(spec.seed, 0x50415254ULL + k));  // "PART"
      }
      n_neg += neg_of[k]->size();
      *out_of[k] = shuffled(concat(*pos_of[k], *neg_of[k]), mix_seed(spec.seed, 0x53485546ULL + k));  // "SHUF"
    }
    s["negatives"] = n_neg;
    s["split"] = {{"test", spec.test_frac},
                  {"validation", spec.val_frac},
                  {"genes", {{"train", gp.count(GenePart::Train)}, {"val", gp.count(GenePart::Val)},
                             {"test", gp.count(GenePart::Test)}}},
                  {"positives_across_parts", crossing_pos.size()},
                  {"negatives_across_parts", crossing_neg.size()}};
    const char* names[3] = {"the training", "the validation", "the test"};
    for (int k = 0; k < 3; ++k)
      check_classes(*out_of[k], names[k], "split by genes: raise split.test / split.validation");
  }
  check_classes(sp.train, "the training", "the interactions leave no pair of both classes to train on");
  if (!degree_match.empty()) s["degree_match"] = degree_match;
  s["splits"] = {{"train", split_counts(sp.train)}, {"val", split_counts(sp.val)}, {"test", split_counts(sp.test)}};
  const std::vector<uint8_t> seen = genes_in_pairs(sp.train, e.n_genes());
  s["strata"] = {{"val", strata_counts(sp.val, seen)}, {"test", strata_counts(sp.test, seen)}};
  return out;
}

}  // namespace gener::data
