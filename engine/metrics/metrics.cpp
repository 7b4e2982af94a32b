// metrics.cpp — AUROC / average precision with scikit-learn semantics, micro-average, MCC, curve thinning.
#include "engine/metrics/metrics.h"

#include <algorithm>
#include <cmath>

#include "kernels/check.h"

namespace gener::metrics {

namespace {

// One scored sample; sorted by decreasing score.
struct Scored {
  float s;
  uint8_t y;
};

const char* class_name(int c) { return c == 1 ? "class 1 (interacting)" : "class 0 (not interacting)"; }

void check_both_classes(int64_t n_pos, int64_t n) {
  GENER_CHECK(n_pos > 0 && n_pos < n, "only " << class_name(n_pos > 0 ? 1 : 0) << " is present among " << n
                                              << " samples: AUROC/AUPR are undefined");
}

// Sorted copy of generic (key, label) data, validated, for the convenience entry points.
void sort_keys(const std::vector<double>& key, const std::vector<int>& label, std::vector<double>* k,
               std::vector<uint8_t>* y) {
  GENER_CHECK(key.size() == label.size(), "key/label size mismatch: " << key.size() << " vs " << label.size());
  GENER_CHECK(!key.empty(), "no samples");
  std::vector<size_t> order(key.size());
  int64_t n_pos = 0;
  for (size_t i = 0; i < key.size(); ++i) {
    GENER_CHECK(std::isfinite(key[i]), "non-finite score " << key[i] << " at index " << i);
    GENER_CHECK(label[i] == 0 || label[i] == 1, "label " << label[i] << " at index " << i << " is not 0 or 1");
    n_pos += label[i];
    order[i] = i;
  }
  check_both_classes(n_pos, static_cast<int64_t>(key.size()));
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return key[a] > key[b]; });
  k->resize(key.size());
  y->resize(key.size());
  for (size_t i = 0; i < order.size(); ++i) {
    (*k)[i] = key[order[i]];
    (*y)[i] = static_cast<uint8_t>(label[order[i]]);
  }
}

}  // namespace

ClfCounts clf_counts_sorted(const double* key, const uint8_t* label, size_t n) {
  ClfCounts c;
  int64_t tp = 0, fp = 0;
  for (size_t i = 0; i < n; ++i) {
    tp += label[i];
    fp += 1 - label[i];
    // A threshold closes at the last sample of each run of equal keys.
    if (i + 1 == n || key[i + 1] != key[i]) {
      c.threshold.push_back(key[i]);
      c.tp.push_back(tp);
      c.fp.push_back(fp);
    }
  }
  return c;
}

double roc_auc_from_counts(const ClfCounts& c) {
  GENER_CHECK(!c.tp.empty(), "no samples");
  const int64_t p = c.tp.back(), n = c.fp.back();
  check_both_classes(p, p + n);
  // Trapezoid rule on integer counts: twice the area is sum (fp_i - fp_{i-1}) (tp_i + tp_{i-1}).
  int64_t twice_area = 0, tp_prev = 0, fp_prev = 0;
  for (size_t i = 0; i < c.tp.size(); ++i) {
    twice_area += (c.fp[i] - fp_prev) * (c.tp[i] + tp_prev);
    tp_prev = c.tp[i];
    fp_prev = c.fp[i];
  }
  return static_cast<double>(twice_area) / (2.0 * static_cast<double>(p) * static_cast<double>(n));
}

double average_precision_from_counts(const ClfCounts& c) {
  GENER_CHECK(!c.tp.empty(), "no samples");
  const int64_t p = c.tp.back();
  check_both_classes(p, p + c.fp.back());
  double ap = 0;
  int64_t tp_prev = 0;
  for (size_t i = 0; i < c.tp.size(); ++i) {
    if (c.tp[i] == tp_prev) continue;  // recall unchanged: contributes 0
    const double d_recall = static_cast<double>(c.tp[i] - tp_prev) / static_cast<double>(p);
    const double precision = static_cast<double>(c.tp[i]) / static_cast<double>(c.tp[i] + c.fp[i]);
    ap += d_recall * precision;
    tp_prev = c.tp[i];
  }
  return ap;
}

Curve roc_curve_from_counts(const ClfCounts& c) {
  GENER_CHECK(!c.tp.empty(), "no samples");
  const double p = static_cast<double>(c.tp.back()), n = static_cast<double>(c.fp.back());
  Curve r;
  r.x.reserve(c.tp.size() + 1);
  r.y.reserve(c.tp.size() + 1);
  r.x.push_back(0.f);
  r.y.push_back(0.f);
  for (size_t i = 0; i < c.tp.size(); ++i) {
    r.x.push_back(n > 0 ? static_cast<float>(c.fp[i] / n) : 0.f);
    r.y.push_back(p > 0 ? static_cast<float>(c.tp[i] / p) : 0.f);
  }
  return r;
}

Curve pr_curve_from_counts(const ClfCounts& c) {
  GENER_CHECK(!c.tp.empty(), "no samples");
  const double p = static_cast<double>(c.tp.back());
  Curve r;
  r.x.reserve(c.tp.size() + 1);
  r.y.reserve(c.tp.size() + 1);
  r.x.push_back(0.f);
  r.y.push_back(1.f);
  for (size_t i = 0; i < c.tp.size(); ++i) {
    r.x.push_back(p > 0 ? static_cast<float>(c.tp[i] / p) : 0.f);
    r.y.push_back(static_cast<float>(static_cast<double>(c.tp[i]) / static_cast<double>(c.tp[i] + c.fp[i])));
  }
  return r;
}

double roc_auc_score(const std::vector<double>& key, const std::vector<int>& label) {
  std::vector<double> k;
  std::vector<uint8_t> y;
  sort_keys(key, label, &k, &y);
  return roc_auc_from_counts(clf_counts_sorted(k.data(), y.data(), k.size()));
}

double average_precision_score(const std::vector<double>& key, const std::vector<int>& label) {
  std::vector<double> k;
  std::vector<uint8_t> y;
  sort_keys(key, label, &k, &y);
  return average_precision_from_counts(clf_counts_sorted(k.data(), y.data(), k.size()));
}

double matthews_corrcoef(int64_t tp, int64_t tn, int64_t fp, int64_t fn) {
  const double a = static_cast<double>(tp), b = static_cast<double>(tn);
  const double c = static_cast<double>(fp), d = static_cast<double>(fn);
  const double denom = (a + c) * (a + d) * (b + c) * (b + d);
  if (denom == 0) return 0.0;
  return (a * b - c * d) / std::sqrt(denom);
}

Curve thin_curve(const Curve& c, size_t max_points) {
  GENER_CHECK(c.x.size() == c.y.size(), "curve x/y size mismatch: " << c.x.size() << " vs " << c.y.size());
  GENER_CHECK(max_points >= 2, "thin_curve: max_points must be at least 2, got " << max_points);
  const size_t n = c.x.size();
  if (n <= 2) return c;
  // 1) Drop interior points exactly on the segment between their kept neighbours (same direction).
  Curve a;
  a.x.push_back(c.x[0]);
  a.y.push_back(c.y[0]);
  for (size_t i = 1; i + 1 < n; ++i) {
    const double x0 = a.x.back(), y0 = a.y.back();
    const double dx1 = c.x[i] - x0, dy1 = c.y[i] - y0, dx2 = c.x[i + 1] - c.x[i], dy2 = c.y[i + 1] - c.y[i];
    const bool collinear = dx1 * dy2 == dy1 * dx2 && dx1 * dx2 + dy1 * dy2 >= 0;
    if (!collinear) {
      a.x.push_back(c.x[i]);
      a.y.push_back(c.y[i]);
    }
  }
  a.x.push_back(c.x[n - 1]);
  a.y.push_back(c.y[n - 1]);
  if (a.x.size() <= max_points) return a;
  // 2) Keep points at least `step` apart along the polyline: at most max_points - 2 interior points.
  double length = 0;
  for (size_t i = 1; i < a.x.size(); ++i) length += std::hypot(a.x[i] - a.x[i - 1], a.y[i] - a.y[i - 1]);
  Curve r;
  r.x.push_back(a.x[0]);
  r.y.push_back(a.y[0]);
  if (max_points > 2 && length > 0) {
    // The first point at or past each arc-length target k * step is kept, k = 1, 2, ...
    const double step = length / static_cast<double>(max_points - 2);
    double walked = 0, target = step;
    for (size_t i = 1; i + 1 < a.x.size(); ++i) {
      walked += std::hypot(a.x[i] - a.x[i - 1], a.y[i] - a.y[i - 1]);
      if (walked >= target && r.x.size() < max_points - 1) {
        r.x.push_back(a.x[i]);
        r.y.push_back(a.y[i]);
        target = (std::floor(walked / step) + 1) * step;
      }
    }
  }
  r.x.push_back(a.x.back());
  r.y.push_back(a.y.back());
  return r;
}

Metrics compute_metrics(const std::vector<float>& score, const std::vector<int>& label) {
  GENER_CHECK(score.size() == label.size(), "score/label size mismatch: " << score.size() << " scores vs "
                                                                          << label.size() << " labels");
  GENER_CHECK(!score.empty(), "no pairs to evaluate (empty score list)");
  const size_t n = score.size();
  Metrics m;
  m.n_pairs = static_cast<int64_t>(n);

  // Validate; count the confusion matrix of the argmax prediction (s > 0.5 -> class 1).
  std::vector<Scored> items(n);
  int64_t tp = 0, tn = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < n; ++i) {
    const float s = score[i];
    GENER_CHECK(std::isfinite(s), "non-finite score " << s << " at index " << i);
    GENER_CHECK(s >= 0.f && s <= 1.f, "score " << s << " at index " << i << " is outside [0, 1]");
    GENER_CHECK(label[i] == 0 || label[i] == 1, "label " << label[i] << " at index " << i << " is not 0 or 1");
    const bool pred = s > 0.5f, pos = label[i] == 1;
    tp += pred && pos;
    tn += !pred && !pos;
    fp += pred && !pos;
    fn += !pred && pos;
    items[i] = {s, static_cast<uint8_t>(label[i])};
  }
  m.n_pos = tp + fn;
  check_both_classes(m.n_pos, m.n_pairs);
  m.accuracy = static_cast<double>(tp + tn) / static_cast<double>(n);
  // Class 1 one-vs-rest is the matrix itself; class 0 swaps the roles (its TP are our TN, ...).
  m.mcc[1] = matthews_corrcoef(tp, tn, fp, fn);
  m.mcc[0] = matthews_corrcoef(tn, tp, fn, fp);

  std::sort(items.begin(), items.end(), [](const Scored& a, const Scored& b) { return a.s > b.s; });

  // Positive class: keys s, decreasing.
  std::vector<double> key(n);
  std::vector<uint8_t> y(n);
  for (size_t i = 0; i < n; ++i) {
    key[i] = items[i].s;
    y[i] = items[i].y;
  }
  {
    const ClfCounts c = clf_counts_sorted(key.data(), y.data(), n);
    m.auroc = roc_auc_from_counts(c);
    m.aupr = average_precision_from_counts(c);
    m.roc = thin_curve(roc_curve_from_counts(c), kMaxCurvePoints);
    m.pr = thin_curve(pr_curve_from_counts(c), kMaxCurvePoints);
  }

  // Micro: merge {(s, y)} (decreasing) with {(1 - s, 1 - y)} (decreasing when s is read backwards).
  // 1 - s is exact in double for every float s in [0, 1], so ties across the two columns are exact.
  std::vector<double> mkey(2 * n);
  std::vector<uint8_t> my(2 * n);
  size_t a = 0, b = n, o = 0;  // a walks items forwards; b - 1 walks them backwards
  while (a < n || b > 0) {
    const double ka = a < n ? key[a] : -1.0;
    const double kb = b > 0 ? 1.0 - key[b - 1] : -1.0;
    if (a < n && (b == 0 || ka >= kb)) {
      mkey[o] = ka;
      my[o++] = y[a++];
    } else {
      mkey[o] = kb;
      my[o++] = static_cast<uint8_t>(1 - y[--b]);
    }
  }
  {
    const ClfCounts c = clf_counts_sorted(mkey.data(), my.data(), 2 * n);
    m.auroc_micro = roc_auc_from_counts(c);
    m.aupr_micro = average_precision_from_counts(c);
    m.roc_micro = thin_curve(roc_curve_from_counts(c), kMaxCurvePoints);
    m.pr_micro = thin_curve(pr_curve_from_counts(c), kMaxCurvePoints);
  }
  return m;
}

nlohmann::json metrics_to_json(const Metrics& m) {
  nlohmann::json j;
  j["auroc_micro"] = m.auroc_micro;
  j["aupr_micro"] = m.aupr_micro;
  j["auroc"] = m.auroc;
  j["aupr"] = m.aupr;
  j["mcc"] = nlohmann::json::array({m.mcc[0], m.mcc[1]});
  j["accuracy"] = m.accuracy;
  j["n_pairs"] = m.n_pairs;
  j["n_pos"] = m.n_pos;
  return j;
}

}  // namespace gener::metrics
