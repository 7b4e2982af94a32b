// score_job.h — scoring a range of a pair space across the ranks of a job: each rank scores a contiguous share,
// aligned to the network's batch (max_batch), with its threads or GPU and keeps its best rows; rank 0 merges them.
// The result is the same, byte for byte, for any rank count: batches fall where a one-rank run puts them, and
// ties rank by gene index.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "engine/core/network.h"
#include "engine/parallel/comm.h"
#include "engine/parallel/ranges.h"
#include "engine/scoring/pair_space.h"
#include "engine/scoring/ranked.h"

namespace gener::scoring {

struct ScoreJobOptions {
  long long top_k = 0;     // keep the best k (0: all)
  double threshold = -1;   // keep score >= threshold (< 0: no threshold)
  bool progress = true;    // rank 0 prints progress and ETA for the whole job
  std::string label = "score";
};

struct ScoreJobResult {
  std::vector<Scored> rows;  // ranked; on rank 0 only
  long long scored = 0;      // pairs scored by all ranks together
};

ScoreJobResult score_across_ranks(parallel::Comm& comm, core::Network& net, const PairSpace& space,
                                  parallel::Range range, const ScoreJobOptions& opt);

// What every rank of a job must agree on before scoring, as (what, value) fields: the model, matrix and pair
// list digests, the pair count, the batch (it places the rank boundaries), what is kept. Rank 0 broadcasts its
// fields and every other rank compares: a rank started differently fails, naming the first field that differs.
using JobIdentity = std::vector<std::pair<std::string, std::string>>;
void check_same_job(parallel::Comm& comm, const JobIdentity& mine);

}  // namespace gener::scoring
