// fuzz_pairs.cpp — pair lists by name and by index, and edge lists (gene_a gene_b [label]).
#include "engine/data/interactions.h"
#include "engine/data/pairs.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gener::data::Expression e;
  e.genes = {"G1", "G2", "G3", "G4", "G5"};
  e.L = 2;
  e.values.assign(10, 0.f);
  e.build_index();
  const std::string p = gener::fuzz::as_file(data, size, "pairs.tsv");
  gener::fuzz::expect_clean([&] { gener::data::read_pairs(p, e); });
  gener::fuzz::expect_clean([&] { gener::data::read_pairs(p, e, true); });
  gener::fuzz::expect_clean([&] {
    gener::data::DroppedPairs dropped;
    gener::data::read_pairs(p, e, false, &dropped);
  });
  gener::fuzz::expect_clean([&] { gener::data::read_edge_list_names(p, gener::data::GeneResolver(e, {})); });
  return 0;
}
