// fuzz_expression.cpp — the expression matrix reader (TSV/CSV, either orientation, plain or gzip) and the gene map.
#include "engine/data/expression.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string p = gener::fuzz::as_file(data, size, "expression.tsv");
  gener::fuzz::expect_clean([&] { gener::data::read_expression(p); });
  gener::fuzz::expect_clean([&] { gener::data::read_expression(p, gener::data::Orientation::SamplesByGenes); });
  gener::fuzz::expect_clean([&] { gener::data::read_gene_map(p); });
  return 0;
}
