// split.cpp — seeded pair splits and dataset directory writing/reading.
#include "engine/data/split.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <vector>

#include "engine/data/random.h"
#include "engine/io/atomic_file.h"
#include "kernels/check.h"

namespace gener::data {

namespace {

// floor(x) that forgives binary rounding just below an integer (879733 * 0.9 and the like).
size_t floor_count(double x) { return static_cast<size_t>(std::floor(x + 1e-9)); }

PairSet gather(const PairSet& src, const std::vector<size_t>& perm, size_t begin, size_t end) {
  PairSet out;
  out.ab.reserve(2 * (end - begin));
  out.label.reserve(end - begin);
  for (size_t k = begin; k < end; ++k) {
    size_t i = perm[k];
    out.push(src.ab[2 * i], src.ab[2 * i + 1], src.label[i]);
  }
  return out;
}

}  // namespace

Splits split_pairs(const PairSet& pairs, double test_frac, double val_frac, uint64_t seed) {
  GENER_CHECK(test_frac >= 0 && test_frac < 1, "split_pairs: test_frac " << test_frac << " not in [0, 1)");
  GENER_CHECK(val_frac >= 0 && val_frac < 1, "split_pairs: val_frac " << val_frac << " not in [0, 1)");
  GENER_CHECK(pairs.ab.size() == 2 * pairs.size(), "split_pairs: " << pairs.ab.size() << " indices for "
                                                                  << pairs.size() << " labels");
  const size_t n = pairs.size();
  const size_t n_test = floor_count(static_cast<double>(n) * test_frac);
  const size_t n_rest = n - n_test;
  const size_t n_train = floor_count(static_cast<double>(n_rest) * (1.0 - val_frac));
  std::vector<size_t> perm(n);  // (N) shuffled pair order: test, then validation, then training
  std::iota(perm.begin(), perm.end(), size_t{0});
  std::mt19937_64 rng(mix_seed(seed, 0x53504c4954ULL));  // stream "SPLIT"
  shuffle_n(perm.data(), n, rng);
  Splits s;
  s.test = gather(pairs, perm, 0, n_test);
  s.val = gather(pairs, perm, n_test, n - n_train);
  s.train = gather(pairs, perm, n - n_train, n);
  return s;
}

SplitBy parse_split_by(const std::string& s, const std::string& where) {
  if (s == "pairs") return SplitBy::Pairs;
  if (s == "genes") return SplitBy::Genes;
  GENER_THROW(where << ": unknown split '" << s << "' (expected pairs or genes)");
}

const char* split_by_name(SplitBy s) {
  switch (s) {
    case SplitBy::Pairs: return "pairs";
    case SplitBy::Genes: return "genes";
  }
  return "?";
}

size_t GenePartition::count(GenePart p) const { return static_cast<size_t>(std::count(part.begin(), part.end(), p)); }

std::vector<int32_t> GenePartition::genes(GenePart p) const {
  std::vector<int32_t> out;
  for (size_t g = 0; g < part.size(); ++g)
    if (part[g] == p) out.push_back(static_cast<int32_t>(g));
  return out;
}

GenePartition partition_genes(int n_genes, double test_frac, double val_frac, uint64_t seed) {
  GENER_CHECK(n_genes >= 0, "partition_genes: negative gene count " << n_genes);
  GENER_CHECK(test_frac >= 0 && val_frac >= 0 && test_frac + val_frac < 1,
              "split by genes: test (" << test_frac << ") + validation (" << val_frac << ") must be in [0, 1)");
  const size_t n = static_cast<size_t>(n_genes);
  std::vector<int32_t> perm(n);  // (G) shuffled genes: test, then validation, then training
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937_64 rng(mix_seed(seed, 0x47454e4553ULL));  // stream "GENES"
  shuffle_n(perm.data(), n, rng);
  const size_t n_test = floor_count(static_cast<double>(n) * test_frac);
  const size_t n_val = floor_count(static_cast<double>(n) * val_frac);
  GenePartition gp;
  gp.part.assign(n, GenePart::Train);
  for (size_t k = 0; k < n_test + n_val && k < n; ++k) gp.part[perm[k]] = k < n_test ? GenePart::Test : GenePart::Val;
  return gp;
}

Splits split_by_genes(const PairSet& pairs, const GenePartition& gp, PairSet* crossing) {
  Splits s;
  const int32_t G = static_cast<int32_t>(gp.part.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int32_t a = pairs.ab[2 * i], b = pairs.ab[2 * i + 1];
    GENER_CHECK(a >= 0 && a < G && b >= 0 && b < G,
                "split by genes: pair " << i << " (" << a << ", " << b << ") names a gene outside [0, " << G << ")");
    if (gp.part[a] != gp.part[b]) {
      if (crossing) crossing->push(a, b, pairs.label[i]);
      continue;
    }
    PairSet& dst = gp.part[a] == GenePart::Test ? s.test : gp.part[a] == GenePart::Val ? s.val : s.train;
    dst.push(a, b, pairs.label[i]);
  }
  return s;
}

void write_synth_dataset(const std::string& dir, const Expression& expr, const Splits& splits) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  GENER_CHECK(!ec, dir << ": cannot create directory: " << ec.message());
  const std::string d = dir + "/";
  write_expression_tsv(d + "expression.tsv", expr, Orientation::SamplesByGenes);
  {
    io::AtomicFile out(d + "gene_ids.tsv");
    std::string buf = "#ID\tName\n";
    for (const std::string& g : expr.genes) buf += g + "\tSYN_" + g + "\n";
    out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
    out.commit();
  }
  write_pairs_tsv(d + "train.tsv", splits.train, expr);
  write_pairs_tsv(d + "val.tsv", splits.val, expr);
  write_pairs_tsv(d + "test.tsv", splits.test, expr);
}

LoadedDataset load_dataset_dir(const std::string& dir) {
  const std::string d = dir + "/";
  LoadedDataset ds;
  ds.expr = read_expression(d + "expression.tsv");
  if (std::filesystem::exists(d + "gene_ids.tsv")) ds.gene_names = read_gene_map(d + "gene_ids.tsv");
  ds.splits.train = read_pairs(d + "train.tsv", ds.expr);
  ds.splits.val = read_pairs(d + "val.tsv", ds.expr);
  ds.splits.test = read_pairs(d + "test.tsv", ds.expr);
  return ds;
}

}  // namespace gener::data
