// metrics.h — the paper's evaluation: AUROC/AUPR (positive class and micro over both classes), MCC per class, curves.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace gener::metrics {

// A curve for drawing: x/y points in order (ROC: x = FPR, y = TPR; PR: x = recall, y = precision).
struct Curve {
  std::vector<float> x, y;
};

// Everything the paper reports for one scored pair set. Metrics are computed on the full data;
// the curves are thinned to at most kMaxCurvePoints points for output.
struct Metrics {
  double auroc_micro = 0, aupr_micro = 0;  // both softmax columns [1-s, s] vs one-hot labels, flattened
  double auroc = 0, aupr = 0;              // positive class (interacting): score s vs label
  std::array<double, 2> mcc{0, 0};         // one-vs-rest MCC for class 0 and class 1 (argmax prediction)
  double accuracy = 0;
  int64_t n_pairs = 0, n_pos = 0;
  Curve roc, pr;              // positive class
  Curve roc_micro, pr_micro;  // micro-average
};

constexpr size_t kMaxCurvePoints = 2000;

// score: P(interacting) per pair, finite, in [0, 1]; label: 0 or 1. Both classes must be present.
// Semantics follow scikit-learn exactly: roc_auc_score (tied scores form one threshold, trapezoid
// area) and average_precision_score (sum over distinct thresholds of (R_n - R_{n-1}) P_n, no
// interpolation); micro = those on the 2N flattened samples {(s, y)} ∪ {(1 - s, 1 - y)}, where
// 1 - s is taken exactly (in double). Predicted class = argmax [1-s, s], so s == 0.5 is class 0.
// Throws gener::Error on empty input, size mismatch, a non-finite or out-of-range score, a label
// other than 0/1 (naming the index) or a single class present (naming it). O(N log N).
Metrics compute_metrics(const std::vector<float>& score, const std::vector<int>& label);

// Keys auroc_micro, aupr_micro, auroc, aupr, mcc (array of 2), accuracy, n_pairs, n_pos.
nlohmann::json metrics_to_json(const Metrics& m);

// --- building blocks (binary problem on arbitrary real-valued keys; higher key = more positive) ---

// Cumulative true/false positive counts at each distinct key, keys in decreasing order
// (scikit-learn's _binary_clf_curve, without weights).
struct ClfCounts {
  std::vector<double> threshold;  // distinct keys, decreasing
  std::vector<int64_t> tp, fp;    // counts of samples with key >= threshold
};

// key/label must already be sorted by decreasing key; label is 0/1.
ClfCounts clf_counts_sorted(const double* key, const uint8_t* label, size_t n);

double roc_auc_from_counts(const ClfCounts& c);            // sklearn roc_auc_score
double average_precision_from_counts(const ClfCounts& c);  // sklearn average_precision_score
Curve roc_curve_from_counts(const ClfCounts& c);           // (0,0) then (fpr, tpr) per threshold; unthinned
Curve pr_curve_from_counts(const ClfCounts& c);            // (0, 1) then (recall, precision) per threshold; unthinned

// Convenience over unsorted data (sorts a copy). Throws if a class is missing.
double roc_auc_score(const std::vector<double>& key, const std::vector<int>& label);
double average_precision_score(const std::vector<double>& key, const std::vector<int>& label);

// MCC of a binary confusion matrix; 0 when undefined (a zero margin), as scikit-learn.
double matthews_corrcoef(int64_t tp, int64_t tn, int64_t fp, int64_t fn);

// Keep at most max_points points of a polyline, spread evenly along its length; always keeps
// the first and last point and drops exactly collinear interior points first.
Curve thin_curve(const Curve& c, size_t max_points);

}  // namespace gener::metrics
