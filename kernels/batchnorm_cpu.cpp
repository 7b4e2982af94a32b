// batchnorm_cpu.cpp — CPU reference batchnorm (train/eval/backward) and the fused act → batchnorm → dropout
// block composed from the unfused ops (activation_cpu.cpp, dropout_cpu.cpp). Layout (N, C, S); statistics per
// channel in double.
// Every op here is safe in place (y == x, dx == x or dx == dy): the fused block relies on it.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/cpu_util.h"
#include "kernels/hash.h"

namespace gener::kernels {

GENER_CPU_CLONES double sum_f64(const float* x, int n) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) a[j] += x[k + j];
  for (; k < n; ++k) a[0] += x[k];
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

namespace {

// Calls fn(c) for every channel; channels run in parallel when the tensor is large.
template <class Fn>
void for_each_channel(const BnShape& s, Fn fn) {
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin && s.c > 1)
  for (int c = 0; c < s.c; ++c) fn(c);
}

// Offset of channel c of sample n: S contiguous floats start there.
inline size_t offset(const BnShape& s, int n, int c) {
  return (static_cast<size_t>(n) * s.c + c) * static_cast<size_t>(s.s);
}

// sum (x - mean)^2 over one run, in double.
GENER_CPU_CLONES double run_sq_dev(const float* x, int n, double mean) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) {
      const double d = x[k + j] - mean;
      a[j] += d * d;
    }
  for (; k < n; ++k) a[0] += (x[k] - mean) * (x[k] - mean);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// sum dy * (x - mean) over one run, in double.
GENER_CPU_CLONES double run_dot_dev(const float* dy, const float* x, int n, double mean) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) a[j] += static_cast<double>(dy[k + j]) * (x[k + j] - mean);
  for (; k < n; ++k) a[0] += static_cast<double>(dy[k]) * (x[k] - mean);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// y = x * scale + shift over one run (y may be x).
GENER_CPU_CLONES void run_affine(const float* x, int n, float scale, float shift, float* y) {
  for (int k = 0; k < n; ++k) y[k] = x[k] * scale + shift;
}

// dx = k_scale * (dy - mean_dy - (x - mean) * invstd * mean_dy_xhat) over one run (dx may be x or dy).
GENER_CPU_CLONES void run_bn_grad(const float* x, const float* dy, int n, float mean, float invstd, float k_scale,
                                  float mean_dy, float mean_dy_xhat, float* dx) {
  for (int k = 0; k < n; ++k) {
    const float xhat = (x[k] - mean) * invstd;
    dx[k] = k_scale * (dy[k] - mean_dy - xhat * mean_dy_xhat);
  }
}

// y = act(x) * scale + shift over one run (y may be x): the whole eval-mode block in one pass.
GENER_CPU_CLONES void run_act_affine(Activation act, const float* x, int n, float scale, float shift, float* y) {
  if (act == Activation::Relu)
    for (int k = 0; k < n; ++k) y[k] = std::max(x[k], 0.0f) * scale + shift;
  else
    for (int k = 0; k < n; ++k) y[k] = x[k] * scale + shift;
}

// ---- S == 1 (dense layers): a channel's values are strided by C, so sweep rows and vectorize along channels,
// a block of at most kRowBlock channels [c0, c0 + nc) at a time with its accumulators on the stack.
constexpr int kRowBlock = 64;

// Calls fn(c0, nc) for every channel block; blocks run in parallel when the tensor is large.
template <class Fn>
void for_each_row_block(const BnShape& s, Fn fn) {
  const int blocks = (s.c + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin && blocks > 1)
  for (int bl = 0; bl < blocks; ++bl) fn(bl * kRowBlock, std::min(kRowBlock, s.c - bl * kRowBlock));
}

// sum[j] = sum over rows of a[n, c0 + j]. a: (N, C).
void row_sum(const BnShape& s, const float* a, int c0, int nc, double* sum) {
  for (int j = 0; j < nc; ++j) sum[j] = 0.0;
  for (int n = 0; n < s.n; ++n) {
    const float* ar = a + static_cast<size_t>(n) * s.c + c0;
    for (int j = 0; j < nc; ++j) sum[j] += ar[j];
  }
}

// dev[j] = sum over rows of w[n, c0 + j] * (a[n, c0 + j] - center[j]); w == null means w = a - center
// (squared deviations). a, w: (N, C).
void row_dev(const BnShape& s, const float* a, const float* w, int c0, int nc, const double* center, double* dev) {
  for (int j = 0; j < nc; ++j) dev[j] = 0.0;
  for (int n = 0; n < s.n; ++n) {
    const float* ar = a + static_cast<size_t>(n) * s.c + c0;
    if (w) {
      const float* wr = w + static_cast<size_t>(n) * s.c + c0;
      for (int j = 0; j < nc; ++j) dev[j] += static_cast<double>(wr[j]) * (ar[j] - center[j]);
    } else {
      for (int j = 0; j < nc; ++j) dev[j] += (ar[j] - center[j]) * (ar[j] - center[j]);
    }
  }
}

// y[n, c0 + j] = x[n, c0 + j] * scale[j] + shift[j] for every row (y may be x).
void row_affine(const BnShape& s, const float* x, int c0, int nc, const float* scale, const float* shift, float* y) {
  for (int n = 0; n < s.n; ++n) {
    const size_t o = static_cast<size_t>(n) * s.c + c0;
    for (int j = 0; j < nc; ++j) y[o + j] = x[o + j] * scale[j] + shift[j];
  }
}

}  // namespace

namespace {

// Per-channel train-mode results from the batch mean and biased variance: updates the running and saved
// statistics and returns y = x * scale + shift.
struct Affine {
  float scale, shift;
};
Affine finish_train_channel(int c, double mean, double var, float eps, float momentum, const float* gamma,
                            const float* beta, float* running_mean, float* running_var, float* save_mean,
                            float* save_invstd) {
  const float invstd = static_cast<float>(1.0 / std::sqrt(var + eps));
  const float meanf = static_cast<float>(mean);
  if (running_mean) running_mean[c] = momentum * running_mean[c] + (1.0f - momentum) * meanf;
  if (running_var) running_var[c] = momentum * running_var[c] + (1.0f - momentum) * static_cast<float>(var);
  if (save_mean) save_mean[c] = meanf;
  if (save_invstd) save_invstd[c] = invstd;
  const float scale = gamma[c] * invstd;
  return {scale, beta[c] - meanf * scale};
}

Affine eval_channel(int c, float eps, const float* gamma, const float* beta, const float* running_mean,
                    const float* running_var) {
  const float invstd = static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps));
  const float scale = gamma[c] * invstd;
  return {scale, beta[c] - running_mean[c] * scale};
}

// Backward coefficients of one channel: dx = k_scale * (dy - mean_dy - (x - mean) * invstd * mean_dy_xhat),
// with xhat = (x - mean) * invstd; writes dgamma = sum dy * xhat and dbeta = sum dy.
struct BnGrad {
  float k_scale, mean_dy, mean_dy_xhat;
};
BnGrad finish_backward_channel(int c, double m, double sum_dy, double sum_dy_dev, const float* gamma,
                               const float* save_invstd, float* dgamma, float* dbeta) {
  const double sum_dy_xhat = sum_dy_dev * save_invstd[c];
  if (dbeta) dbeta[c] = static_cast<float>(sum_dy);
  if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat);
  return {gamma[c] * save_invstd[c], static_cast<float>(sum_dy / m), static_cast<float>(sum_dy_xhat / m)};
}

}  // namespace

void batchnorm_forward_train_cpu(const BnShape& s, float eps, float momentum, const float* x, const float* gamma,
                                 const float* beta, float* running_mean, float* running_var, float* y,
                                 float* save_mean, float* save_invstd) {
  const double m = static_cast<double>(s.n) * s.s;
  GENER_CHECK(m > 0, "batchnorm_forward_train_cpu: empty batch (N=" << s.n << ", S=" << s.s << ")");
  if (s.s == 1) {
    for_each_row_block(s, [&](int c0, int nc) {
      double mean[kRowBlock], var[kRowBlock];
      float scale[kRowBlock], shift[kRowBlock];
      row_sum(s, x, c0, nc, mean);
      for (int j = 0; j < nc; ++j) mean[j] /= m;
      row_dev(s, x, nullptr, c0, nc, mean, var);  // two-pass biased variance
      for (int j = 0; j < nc; ++j) {
        const Affine a = finish_train_channel(c0 + j, mean[j], var[j] / m, eps, momentum, gamma, beta, running_mean,
                                              running_var, save_mean, save_invstd);
        scale[j] = a.scale;
        shift[j] = a.shift;
      }
      row_affine(s, x, c0, nc, scale, shift, y);
    });
    return;
  }
  for_each_channel(s, [&](int c) {
    double sum = 0.0;
    for (int n = 0; n < s.n; ++n) sum += sum_f64(x + offset(s, n, c), s.s);
    const double mean = sum / m;
    double sq = 0.0;  // two-pass biased variance
    for (int n = 0; n < s.n; ++n) sq += run_sq_dev(x + offset(s, n, c), s.s, mean);
    const Affine a = finish_train_channel(c, mean, sq / m, eps, momentum, gamma, beta, running_mean, running_var,
                                          save_mean, save_invstd);
    for (int n = 0; n < s.n; ++n) run_affine(x + offset(s, n, c), s.s, a.scale, a.shift, y + offset(s, n, c));
  });
}

void batchnorm_forward_eval_cpu(const BnShape& s, float eps, const float* x, const float* gamma, const float* beta,
                                const float* running_mean, const float* running_var, float* y) {
  if (s.s == 1) {
    for_each_row_block(s, [&](int c0, int nc) {
      float scale[kRowBlock], shift[kRowBlock];
      for (int j = 0; j < nc; ++j) {
        const Affine a = eval_channel(c0 + j, eps, gamma, beta, running_mean, running_var);
        scale[j] = a.scale;
        shift[j] = a.shift;
      }
      row_affine(s, x, c0, nc, scale, shift, y);
    });
    return;
  }
  for_each_channel(s, [&](int c) {
    const Affine a = eval_channel(c, eps, gamma, beta, running_mean, running_var);
    for (int n = 0; n < s.n; ++n) run_affine(x + offset(s, n, c), s.s, a.scale, a.shift, y + offset(s, n, c));
  });
}

void batchnorm_backward_cpu(const BnShape& s, const float* x, const float* gamma, const float* save_mean,
                            const float* save_invstd, const float* dy, float* dx, float* dgamma, float* dbeta) {
  const double m = static_cast<double>(s.n) * s.s;
  if (m <= 0) {
    for (int c = 0; c < s.c; ++c) {
      if (dgamma) dgamma[c] = 0.0f;
      if (dbeta) dbeta[c] = 0.0f;
    }
    return;
  }
  if (s.s == 1) {
    for_each_row_block(s, [&](int c0, int nc) {
      double mean[kRowBlock], sum_dy[kRowBlock], sum_dy_dev[kRowBlock];
      float k_scale[kRowBlock], shift[kRowBlock], slope[kRowBlock];
      for (int j = 0; j < nc; ++j) mean[j] = save_mean[c0 + j];
      row_sum(s, dy, c0, nc, sum_dy);
      row_dev(s, x, dy, c0, nc, mean, sum_dy_dev);
      for (int j = 0; j < nc; ++j) {
        const BnGrad g = finish_backward_channel(c0 + j, m, sum_dy[j], sum_dy_dev[j], gamma, save_invstd, dgamma, dbeta);
        k_scale[j] = g.k_scale;
        shift[j] = g.mean_dy;
        slope[j] = save_invstd[c0 + j] * g.mean_dy_xhat;
      }
      if (!dx) return;
      for (int n = 0; n < s.n; ++n) {
        const size_t o = static_cast<size_t>(n) * s.c + c0;
        for (int j = 0; j < nc; ++j) {
          const float dev = x[o + j] - save_mean[c0 + j];
          dx[o + j] = k_scale[j] * (dy[o + j] - shift[j] - dev * slope[j]);
        }
      }
    });
    return;
  }
  for_each_channel(s, [&](int c) {
    const float mean = save_mean[c];
    double sum_dy = 0.0, sum_dy_dev = 0.0;
    for (int n = 0; n < s.n; ++n) {
      sum_dy += sum_f64(dy + offset(s, n, c), s.s);
      sum_dy_dev += run_dot_dev(dy + offset(s, n, c), x + offset(s, n, c), s.s, mean);
    }
    const BnGrad g = finish_backward_channel(c, m, sum_dy, sum_dy_dev, gamma, save_invstd, dgamma, dbeta);
    if (!dx) return;
    for (int n = 0; n < s.n; ++n) {
      const size_t o = offset(s, n, c);
      run_bn_grad(x + o, dy + o, s.s, mean, save_invstd[c], g.k_scale, g.mean_dy, g.mean_dy_xhat, dx + o);
    }
  });
}

void act_bn_dropout_forward_train_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                      const float* gamma, const float* beta, float* running_mean,
                                      float* running_var, float* y, float* save_mean, float* save_invstd) {
  const long long n = s.count();
  activation_forward_cpu(act, n, x, y);  // y = act(x)
  batchnorm_forward_train_cpu(s, p.eps, p.momentum, y, gamma, beta, running_mean, running_var, y, save_mean,
                              save_invstd);  // y = bn(y), in place
  dropout_forward_cpu(n, p.drop_rate, p.seed, p.step, y, y, p.index0);
}

void bn_eval_scale_shift(int c, float eps, const float* gamma, const float* beta, const float* running_mean,
                         const float* running_var, float* scale, float* shift) {
  for (int k = 0; k < c; ++k) {
    scale[k] = static_cast<float>(gamma[k] / std::sqrt(static_cast<double>(running_var[k]) + eps));
    shift[k] = static_cast<float>(beta[k] - static_cast<double>(running_mean[k]) * scale[k]);
  }
}

GENER_CPU_CLONES void act_bn_eval_run_cpu(Activation act, const float* x, int n, float bias, float scale, float shift, float* y) {
  if (act == Activation::Relu)
    for (int k = 0; k < n; ++k) y[k] = std::max(x[k] + bias, 0.0f) * scale + shift;
  else
    for (int k = 0; k < n; ++k) y[k] = (x[k] + bias) * scale + shift;
}

void act_bn_dropout_forward_eval_cpu(const BnShape& s, float eps, Activation act, const float* x, const float* gamma,
                                     const float* beta, const float* running_mean, const float* running_var,
                                     float* y) {
  // One pass: y = act(x) * scale_c + shift_c with scale_c = gamma_c / sqrt(var_c + eps), shift_c = beta_c -
  // mean_c * scale_c — the composition activation_forward_cpu then batchnorm_forward_eval_cpu, fused.
  std::vector<float> scale(static_cast<size_t>(s.c)), shift(static_cast<size_t>(s.c));
  bn_eval_scale_shift(s.c, eps, gamma, beta, running_mean, running_var, scale.data(), shift.data());
  const long long rows = static_cast<long long>(s.n) * s.c;
#pragma omp parallel for schedule(static) if (s.count() >= kParallelMin)
  for (long long r = 0; r < rows; ++r) {
    const int c = static_cast<int>(r % s.c);
    const size_t o = static_cast<size_t>(r) * static_cast<size_t>(s.s);
    run_act_affine(act, x + o, s.s, scale[c], shift[c], y + o);
  }
}

void act_bn_dropout_backward_cpu(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                 const float* gamma, const float* save_mean, const float* save_invstd,
                                 const float* dy, float* dx, float* dgamma, float* dbeta, float* scratch) {
  const long long n = s.count();
  activation_forward_cpu(act, n, x, scratch);               // scratch = act(x), the batchnorm input
  dropout_backward_cpu(n, p.drop_rate, p.seed, p.step, dy, dx, p.index0);  // dx = d(bn output)
  batchnorm_backward_cpu(s, scratch, gamma, save_mean, save_invstd, dx, dx, dgamma, dbeta);  // dx = d(act(x))
  activation_backward_cpu(act, n, x, dx, dx);               // dx = d(x)
}

}  // namespace gener::kernels
