// mds.h — classical (Torgerson) multidimensional scaling with a real eigen-solver: Eigen's dense symmetric
// solver for small problems, Spectra's implicitly restarted Lanczos for large ones.
#pragma once
#include <vector>

#include "engine/embed/embedding.h"
#include "engine/embed/options.h"

namespace gener::embed {

// d: (n, n) symmetric distances, row-major; consumed (overwritten by the centred Gram matrix
// B = -1/2 J D∘D J). Returns (n, dim) coordinates: column k is the eigenvector of B with the k-th largest
// eigenvalue λ_k times sqrt(max(λ_k, 0)), its sign fixed so that its entry of largest magnitude is positive.
// Columns beyond the eigenpairs available (dim > n - 1) are zero. `eigenvalues` (optional) receives the λ_k.
// Auto picks Dense for n <= 1500 or when dim is close to n, else Lanczos (OpenMP matrix-vector products).
Embedding classical_mds(std::vector<float>& d, int n, int dim, EigenSolver solver,
                        std::vector<double>* eigenvalues = nullptr);

}  // namespace gener::embed
