// inference.cpp — batched inference over pair lists.
#include "engine/core/inference.h"

#include <algorithm>

#include "engine/core/progress.h"

namespace gener::core {

double evaluate_loss_sum(Network& net, PairView pairs, std::vector<float>* scores) {
  const int bs = net.max_batch();
  std::vector<int32_t> labels(static_cast<size_t>(bs));
  std::vector<float> p(static_cast<size_t>(bs));
  if (scores) scores->resize(pairs.n);
  if (pairs.n % bs) net.prepare_batch(static_cast<int>(pairs.n % bs));  // the tail batch, planned up front
  double sum = 0;
  for (size_t i = 0; i < pairs.n; i += bs) {
    int B = static_cast<int>(std::min<size_t>(bs, pairs.n - i));
    for (int b = 0; b < B; ++b) labels[b] = pairs.label[i + b];
    sum += net.predict(pairs.ab + 2 * i, B, p.data(), labels.data());
    if (scores) std::copy(p.begin(), p.begin() + B, scores->begin() + static_cast<long>(i));
  }
  return sum;
}

double evaluate_loss(Network& net, PairView pairs, std::vector<float>* scores) {
  const double sum = evaluate_loss_sum(net, pairs, scores);
  return pairs.n ? sum / static_cast<double>(pairs.n) : 0.0;
}

void predict_pairs(Network& net, const int32_t* ab, size_t n, float* scores, bool progress) {
  const int bs = net.max_batch();
  Progress prog("score", static_cast<long long>(n), progress);
  if (n % bs) net.prepare_batch(static_cast<int>(n % bs));  // the tail batch, planned up front
  for (size_t i = 0; i < n; i += bs) {
    int B = static_cast<int>(std::min<size_t>(bs, n - i));
    net.predict(ab + 2 * i, B, scores + i);
    prog.update(static_cast<long long>(i + B));
  }
  prog.update(static_cast<long long>(n), "", true);
}

}  // namespace gener::core
