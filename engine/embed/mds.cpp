// mds.cpp — double centring of the squared distances, then the top eigenpairs (Eigen dense or Spectra Lanczos).
#include "engine/embed/mds.h"

#include <Eigen/Dense>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>

#include "kernels/check.h"

namespace gener::embed {
namespace {

constexpr int kDenseMaxN = 1500;

// y = B x for the (n, n) symmetric float matrix B, rows split over OpenMP threads; double accumulation.
class FloatSymMatProd {
 public:
  using Scalar = double;
  FloatSymMatProd(const float* b, int n) : b_(b), n_(n) {}
  Eigen::Index rows() const { return n_; }
  Eigen::Index cols() const { return n_; }
  void perform_op(const double* x, double* y) const {
    const long long n = n_;
#pragma omp parallel for schedule(static)
    for (long long i = 0; i < n; ++i) {
      const float* row = b_ + i * n;
      double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      long long j = 0;
      for (; j + 4 <= n; j += 4) {
        s0 += row[j] * x[j];
        s1 += row[j + 1] * x[j + 1];
        s2 += row[j + 2] * x[j + 2];
        s3 += row[j + 3] * x[j + 3];
      }
      for (; j < n; ++j) s0 += row[j] * x[j];
      y[i] = (s0 + s1) + (s2 + s3);
    }
  }

 private:
  const float* b_;
  int n_;
};

// In place: d -> B = -1/2 (d² - row mean - column mean + grand mean).
void double_centre(std::vector<float>& d, int n) {
  std::vector<double> mean(static_cast<size_t>(n), 0.0);
  const long long nn = n;
#pragma omp parallel for schedule(static)
  for (long long i = 0; i < nn; ++i) {
    double s = 0;
    float* row = d.data() + i * nn;
    for (long long j = 0; j < nn; ++j) {
      const double v = static_cast<double>(row[j]) * row[j];
      row[j] = static_cast<float>(v);
      s += v;
    }
    mean[i] = s / n;  // D² is symmetric: row means are column means
  }
  double grand = 0;
  for (double m : mean) grand += m;
  grand /= n;
#pragma omp parallel for schedule(static)
  for (long long i = 0; i < nn; ++i) {
    float* row = d.data() + i * nn;
    for (long long j = 0; j < nn; ++j)
      row[j] = static_cast<float>(-0.5 * (static_cast<double>(row[j]) - mean[i] - mean[j] + grand));
  }
}

void fix_sign(double* v, int n) {
  int best = 0;
  for (int i = 1; i < n; ++i)
    if (std::fabs(v[i]) > std::fabs(v[best])) best = i;
  if (v[best] < 0)
    for (int i = 0; i < n; ++i) v[i] = -v[i];
}

}  // namespace

Embedding classical_mds(std::vector<float>& d, int n, int dim, EigenSolver solver, std::vector<double>* eigenvalues) {
  GENER_CHECK(n >= 1 && d.size() == static_cast<size_t>(n) * static_cast<size_t>(n),
              "classical MDS: expected an (" << n << ", " << n << ") distance matrix, got " << d.size() << " values");
  GENER_CHECK(dim > 0, "classical MDS: dim must be > 0, got " << dim);
  for (float v : d) GENER_CHECK(std::isfinite(v), "classical MDS: a distance is not finite (" << v << ")");
  double_centre(d, n);
  const int nev = std::min(dim, n - 1);  // a centred matrix has rank <= n - 1
  Embedding out(n, dim);
  if (eigenvalues) eigenvalues->assign(static_cast<size_t>(dim), 0.0);
  if (nev <= 0) return out;
  const int ncv = std::min(n, std::max(2 * nev + 1, 20));
  bool dense = false;
  switch (solver) {
    case EigenSolver::Dense: dense = true; break;
    case EigenSolver::Lanczos: dense = ncv >= n; break;  // Lanczos needs more Krylov vectors than wanted pairs
    case EigenSolver::Auto: dense = n <= kDenseMaxN || ncv >= n; break;
  }
  Eigen::VectorXd values;
  Eigen::MatrixXd vectors;  // (n, nev), largest eigenvalue first
  if (dense) {
    Eigen::MatrixXd b = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                            d.data(), n, n).cast<double>();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(b);
    GENER_CHECK(es.info() == Eigen::Success, "classical MDS: the dense eigen-solver failed on " << n << " points");
    values = es.eigenvalues().reverse().head(nev);
    vectors = es.eigenvectors().rowwise().reverse().leftCols(nev);
  } else {
    FloatSymMatProd op(d.data(), n);
    Spectra::SymEigsSolver<FloatSymMatProd> eigs(op, nev, ncv);
    eigs.init();
    eigs.compute(Spectra::SortRule::LargestAlge, 1000, 1e-10);
    GENER_CHECK(eigs.info() == Spectra::CompInfo::Successful,
                "classical MDS: Lanczos did not converge for the top " << nev << " eigenpairs of " << n
                                                                       << " points (try isomap.eigen_solver: dense)");
    values = eigs.eigenvalues();
    vectors = eigs.eigenvectors();
  }
  for (int k = 0; k < nev; ++k) {
    if (eigenvalues) (*eigenvalues)[k] = values[k];
    Eigen::VectorXd v = vectors.col(k);
    fix_sign(v.data(), n);
    const double scale = std::sqrt(std::max(values[k], 0.0));
    for (int i = 0; i < n; ++i) out.row(i)[k] = static_cast<float>(v[i] * scale);
  }
  return out;
}

}  // namespace gener::embed
