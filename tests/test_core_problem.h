// test_core_problem.h — the small synthetic training problem the core training suites share: 300 genes x 64
// samples x 4000 pairs, split 10% / 10%, seeded (identical on every rank of an MPI test), built once per process.
#pragma once
#include "engine/core/trainer.h"
#include "engine/data/split.h"
#include "engine/data/synth.h"

namespace gener::core::test_problem {

struct Problem {
  data::SynthDataset ds;
  data::Splits splits;
  Problem() {
    data::SynthConfig sc;
    sc.genes = 300;
    sc.samples = 64;
    sc.pairs = 4000;
    sc.seed = 3;
    ds = data::make_synth(sc);
    splits = data::split_pairs(ds.pairs, 0.1, 0.1, 3);
  }
  static PairView view(const data::PairSet& p) { return {p.ab.data(), p.label.data(), p.size()}; }
  PairView train() const { return view(splits.train); }
  PairView val() const { return view(splits.val); }
  const float* expr() const { return ds.expr.values.data(); }
  int genes() const { return ds.expr.n_genes(); }
  int L() const { return ds.expr.L; }
};

inline const Problem& problem() {
  static const Problem p;
  return p;
}

}  // namespace gener::core::test_problem
