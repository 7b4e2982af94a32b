// logistic.h — L2-regularised logistic regression (scikit-learn's LogisticRegression objective, C = 1),
// minimised with L-BFGS (LBFGS++) over feature rows that may be computed on the fly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/embed/options.h"

namespace gener::embed {

// A feature matrix read one row at a time.
class FeatureRows {
 public:
  virtual ~FeatureRows() = default;
  virtual size_t rows() const = 0;
  virtual int cols() const = 0;
  virtual void row(size_t i, float* out) const = 0;  // out: cols() floats
};

// Rows of a dense (n, d) row-major matrix.
class DenseRows : public FeatureRows {
 public:
  DenseRows(const float* x, size_t n, int d) : x_(x), n_(n), d_(d) {}
  size_t rows() const override { return n_; }
  int cols() const override { return d_; }
  void row(size_t i, float* out) const override;

 private:
  const float* x_;
  size_t n_;
  int d_;
};

struct LogisticModel {
  std::vector<double> w;  // (d)
  double b = 0;           // intercept, not penalised
  int iterations = 0;       // L-BFGS iterations (0 when the line search stopped it early)
  int evaluations = 0;      // objective + gradient evaluations
  bool converged = false;  // gradient test met (false: iteration cap, or the line search hit float precision)
  double objective = 0;
};

// f(w, b) = (1/n) Σ_i log(1 + exp(-s_i (x_i·w + b))) + |w|² / (2 C n),  s_i = 2 y_i - 1: scikit-learn's
// C Σ loss + |w|²/2 divided by C n (same minimiser). wb = (w_0 .. w_{d-1}, b); grad (d + 1) is overwritten.
// Sums run over fixed chunks of rows in a fixed order, so the value does not depend on the thread count.
double logistic_objective(const FeatureRows& x, const int8_t* y, double C, const double* wb, double* grad);

// L-BFGS (strong Wolfe line search) from w = 0, b = 0 until |∇f| <= o.tol |∇f(0)| or o.max_iter iterations.
// Labels must be 0/1.
LogisticModel fit_logistic(const FeatureRows& x, const int8_t* y, const LogisticOptions& o);

// σ(x_i·w + b) per row.
std::vector<float> predict_logistic(const LogisticModel& m, const FeatureRows& x);

}  // namespace gener::embed
