// ranked.h — scored pairs in rank order (best first, ties by gene indices), what a scoring job keeps (all, the top
// k, or those above a threshold) with bounded memory, the merge of ranked runs, and the scores TSV.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gener::scoring {

struct Scored {
  float score;
  int32_t a, b;  // gene rows of the expression matrix
};
// Higher score first; equal scores by (a, b): a strict order, so every split of a job ranks alike.
inline bool better(const Scored& x, const Scored& y) {
  if (x.score != y.score) return x.score > y.score;
  return x.a != y.a ? x.a < y.a : x.b < y.b;
}

// Keeps everything, the top k (k > 0) or those with score >= threshold (threshold >= 0), or both.
class Collector {
 public:
  Collector(long long top_k, double threshold) : k_(top_k), t_(threshold) {}
  void add(const int32_t* ab, const float* s, size_t n);  // ab (n, 2), s (n)
  std::vector<Scored> finish();                            // ranked

 private:
  void trim();
  long long k_;
  double t_;
  std::vector<Scored> kept_;
};

// Runs, each ranked, merged into one ranked list of at most k rows (k <= 0: all).
std::vector<Scored> merge_ranked(const std::vector<std::vector<Scored>>& runs, long long k);

// Rows as bytes for a gather between ranks of one job (same machine type), and back; `origin` names the sender.
std::vector<char> pack_rows(const std::vector<Scored>& rows);
std::vector<Scored> unpack_rows(const std::vector<char>& bytes, const std::string& origin);

// TSV "gene_a gene_b score" in rank order, scores as %.9g (round-trips the float), written atomically.
void write_scores_tsv(const std::string& path, const std::vector<Scored>& rows, const std::vector<std::string>& genes);

}  // namespace gener::scoring
