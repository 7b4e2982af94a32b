// logistic.cpp — chunked, thread-count-independent loss/gradient and the LBFGS++ driver.
#include "engine/embed/logistic.h"

#include <Eigen/Core>
#include <LBFGS.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "kernels/check.h"
#include "kernels/cpu_util.h"

namespace gener::embed {
namespace {

constexpr size_t kChunk = 2048;

// Features are float, weights and sums double (the objective must be smooth to well below float precision
// for L-BFGS's line search and for finite-difference checks).
GENER_CPU_CLONES double dotd(int d, const float* a, const double* w) {
  double acc[8] = {0};
  int k = 0;
  for (; k + 8 <= d; k += 8)
    for (int j = 0; j < 8; ++j) acc[j] += static_cast<double>(a[k + j]) * w[k + j];
  double s = 0;
  for (; k < d; ++k) s += static_cast<double>(a[k]) * w[k];
  for (int j = 0; j < 8; ++j) s += acc[j];
  return s;
}

GENER_CPU_CLONES void axpyd(int d, double a, const float* x, double* y) {
  for (int k = 0; k < d; ++k) y[k] += a * static_cast<double>(x[k]);
}

// log(1 + exp(-m)) without overflow.
double softplus_neg(double m) { return m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m)); }
double sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

}  // namespace

void DenseRows::row(size_t i, float* out) const {
  std::memcpy(out, x_ + i * static_cast<size_t>(d_), sizeof(float) * static_cast<size_t>(d_));
}

double logistic_objective(const FeatureRows& x, const int8_t* y, double C, const double* wb, double* grad) {
  const size_t n = x.rows();
  const int d = x.cols();
  GENER_CHECK(n > 0, "logistic regression: no training rows");
  const double b = wb[d];
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> part_loss(chunks, 0.0), part_gb(chunks, 0.0);
  std::vector<double> part_g(chunks * static_cast<size_t>(d), 0.0);
#pragma omp parallel
  {
    std::vector<float> r(static_cast<size_t>(d));
    std::vector<double> g(static_cast<size_t>(d));
#pragma omp for schedule(dynamic, 1)
    for (long long c = 0; c < static_cast<long long>(chunks); ++c) {
      std::fill(g.begin(), g.end(), 0.0);
      double loss = 0, gb = 0;
      const size_t i1 = std::min(n, static_cast<size_t>(c + 1) * kChunk);
      for (size_t i = static_cast<size_t>(c) * kChunk; i < i1; ++i) {
        x.row(i, r.data());
        const double z = dotd(d, r.data(), wb) + b;
        const double s = y[i] == 1 ? 1.0 : -1.0;
        loss += softplus_neg(s * z);
        const double res = sigmoid(z) - (y[i] == 1 ? 1.0 : 0.0);  // d loss / d z
        gb += res;
        axpyd(d, res, r.data(), g.data());
      }
      part_loss[c] = loss;
      part_gb[c] = gb;
      for (int k = 0; k < d; ++k) part_g[static_cast<size_t>(c) * d + k] = g[k];
    }
  }
  double loss = 0, gb = 0, ww = 0;
  for (int k = 0; k <= d; ++k) grad[k] = 0;
  for (size_t c = 0; c < chunks; ++c) {
    loss += part_loss[c];
    gb += part_gb[c];
    for (int k = 0; k < d; ++k) grad[k] += part_g[c * d + k];
  }
  const double inv_n = 1.0 / static_cast<double>(n), inv_cn = inv_n / C;
  for (int k = 0; k < d; ++k) {
    ww += wb[k] * wb[k];
    grad[k] = grad[k] * inv_n + wb[k] * inv_cn;
  }
  grad[d] = gb * inv_n;
  return loss * inv_n + 0.5 * ww * inv_cn;
}

LogisticModel fit_logistic(const FeatureRows& x, const int8_t* y, const LogisticOptions& o) {
  const size_t n = x.rows();
  const int d = x.cols();
  GENER_CHECK(n > 0, "logistic regression: no training rows");
  GENER_CHECK(d >= 0, "logistic regression: negative feature count " << d);
  GENER_CHECK(o.C > 0 && o.max_iter > 0 && o.tol > 0,
              "logistic regression: C, max_iter and tol must be > 0 (got " << o.C << ", " << o.max_iter << ", " << o.tol << ")");
  for (size_t i = 0; i < n; ++i)
    GENER_CHECK(y[i] == 0 || y[i] == 1, "logistic regression: label " << static_cast<int>(y[i]) << " at row " << i
                                                                      << " (expected 0 or 1)");
  // The objective as LBFGS++ wants it, remembering the best point seen (a line search that runs into float
  // precision near the optimum throws; the best point is then the answer).
  struct Objective {
    const FeatureRows& x;
    const int8_t* y;
    double C;
    double best = std::numeric_limits<double>::infinity();
    Eigen::VectorXd best_x;
    int evaluations = 0;
    double operator()(const Eigen::VectorXd& wb, Eigen::VectorXd& grad) {
      const double f = logistic_objective(x, y, C, wb.data(), grad.data());
      ++evaluations;
      if (f < best) best = f, best_x = wb;
      return f;
    }
  } f{x, y, o.C, std::numeric_limits<double>::infinity(), {}, 0};
  // Stop at |∇f| <= tol |∇f(0)|: relative, as liblinear's criterion, so that the scale of the features (tiny
  // for Hadamard products of small vectors) does not end the fit before it starts.
  Eigen::VectorXd wb = Eigen::VectorXd::Zero(d + 1), g0(d + 1);
  logistic_objective(x, y, o.C, wb.data(), g0.data());
  const double eps = o.tol * std::max(g0.norm(), 1e-300);
  LBFGSpp::LBFGSParam<double> param;
  param.epsilon = eps;
  param.epsilon_rel = 0;
  param.max_iterations = o.max_iter;
  param.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_STRONG_WOLFE;  // curvature condition: keeps L-BFGS sound
  LBFGSpp::LBFGSSolver<double, LBFGSpp::LineSearchNocedalWright> solver(param);
  double fx = 0;
  LogisticModel m;
  try {
    m.iterations = solver.minimize(f, wb, fx);
  } catch (const gener::Error&) {
    throw;
  } catch (const std::exception&) {  // LBFGS++'s line search gave up (float precision): keep the best point
    if (f.best_x.size() != d + 1) throw;
    wb = f.best_x;
  }
  // A zero step at the optimum can leave a 0/0 curvature update behind (LBFGS++ 0.1 has no guard): the best point
  // evaluated is the answer then.
  if (!wb.allFinite() || !(fx <= f.best)) wb = f.best_x;
  Eigen::VectorXd g(d + 1);
  fx = logistic_objective(x, y, o.C, wb.data(), g.data());
  m.converged = g.norm() <= eps;
  m.evaluations = f.evaluations;
  m.w.assign(wb.data(), wb.data() + d);
  m.b = wb[d];
  m.objective = fx;
  return m;
}

std::vector<float> predict_logistic(const LogisticModel& m, const FeatureRows& x) {
  const size_t n = x.rows();
  const int d = x.cols();
  GENER_CHECK(static_cast<int>(m.w.size()) == d, "logistic regression: model has " << m.w.size()
                                                                                   << " weights, features have " << d);
  std::vector<float> out(n);
#pragma omp parallel
  {
    std::vector<float> r(static_cast<size_t>(d));
#pragma omp for schedule(static)
    for (long long i = 0; i < static_cast<long long>(n); ++i) {
      x.row(static_cast<size_t>(i), r.data());
      out[i] = static_cast<float>(sigmoid(dotd(d, r.data(), m.w.data()) + m.b));
    }
  }
  return out;
}

}  // namespace gener::embed
