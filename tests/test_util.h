// test_util.h — shared test helpers: the one float comparison (all_close), seeded random fills, and a
// central-difference gradient checker usable by every suite, and a scoped environment variable (ScopedEnv).
#pragma once
#include <gtest/gtest.h>

#include "kernels/check.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace gener::test {

// Checks got against ref element by element: both finite and |got - ref| <= atol + rtol * |ref|.
// On failure reports the mismatch count, the largest error and the first few mismatches with their index;
// put the tensor's name and shape in `what`.
inline ::testing::AssertionResult all_close(const float* got, const float* ref, size_t n, float atol, float rtol,
                                            const std::string& what) {
  constexpr size_t kShow = 8;
  size_t bad = 0, worst = 0;
  double max_err = 0.0;
  std::ostringstream first;
  for (size_t i = 0; i < n; ++i) {
    const double g = got[i], r = ref[i];
    const bool finite = std::isfinite(g) && std::isfinite(r);
    const double err = finite ? std::fabs(g - r) : INFINITY;
    const bool ok = finite && err <= atol + rtol * std::fabs(r);
    if (finite && err > max_err) {
      max_err = err;
      worst = i;
    }
    if (!ok) {
      if (bad < kShow) first << "\n  [" << i << "] got " << g << " ref " << r << " err " << err;
      ++bad;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": " << bad << " of " << n << " elements differ (atol " << atol
                                       << ", rtol " << rtol << "); max finite error " << max_err << " at [" << worst
                                       << "]; first mismatches:" << first.str();
}

inline ::testing::AssertionResult all_close(const std::vector<float>& got, const std::vector<float>& ref, float atol,
                                            float rtol, const std::string& what) {
  if (got.size() != ref.size()) {
    return ::testing::AssertionFailure() << what << ": size " << got.size() << " != reference size " << ref.size();
  }
  return all_close(got.data(), ref.data(), got.size(), atol, rtol, what);
}

// n uniform floats in [lo, hi), reproducible from the seed.
inline std::vector<float> random_uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// n floats with magnitude in [lo, hi] and a random sign: keeps inputs away from kinks such as ReLU's at 0.
inline std::vector<float> random_away_from_zero(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mag(lo, hi);
  std::bernoulli_distribution neg(0.5);
  std::vector<float> v(n);
  for (float& x : v) x = neg(rng) ? -mag(rng) : mag(rng);
  return v;
}

// n small integers in [lo, hi] stored as floats: products and sums stay exact, so results compare for equality.
inline std::vector<float> random_ints(size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(dist(rng));
  return v;
}

// sum_i y[i] * r[i] in double: a scalar loss whose gradient with respect to y is r.
inline double weighted_sum(const float* y, const float* r, size_t n) {
  double acc = 0.0;
  for (size_t i = 0; i < n; ++i) acc += static_cast<double>(y[i]) * r[i];
  return acc;
}

struct GradCheckOptions {
  float eps = 1e-2f;       // central-difference step
  float atol = 2e-3f;      // per element: |numeric - analytic| <= atol + rtol * |numeric|
  float rtol = 2e-2f;
  size_t max_checks = 64;  // checks at most this many evenly spaced entries (0 = all)
};

// Compares analytic (n) with the central difference of loss() with respect to param (n). loss() must read
// param (which the checker perturbs one entry at a time and restores) and return the scalar loss.
inline ::testing::AssertionResult check_gradient(const std::function<double()>& loss, float* param, size_t n,
                                                 const float* analytic, const std::string& what,
                                                 const GradCheckOptions& opt = {}) {
  const size_t stride = (opt.max_checks == 0 || n <= opt.max_checks) ? 1 : (n + opt.max_checks - 1) / opt.max_checks;
  std::vector<float> num, ana;
  for (size_t i = 0; i < n; i += stride) {
    const float p = param[i];
    const float up = p + opt.eps, down = p - opt.eps;  // the steps actually taken after float rounding
    param[i] = up;
    const double f_up = loss();
    param[i] = down;
    const double f_down = loss();
    param[i] = p;
    num.push_back(static_cast<float>((f_up - f_down) / (static_cast<double>(up) - down)));
    ana.push_back(analytic[i]);
  }
  ::testing::AssertionResult r = all_close(ana.data(), num.data(), num.size(), opt.atol, opt.rtol,
                                           what + " (analytic vs central difference, eps " +
                                               std::to_string(opt.eps) + ")");
  if (!r && stride > 1) r << "\n  (checked every " << stride << "-th entry: index k above is entry k*" << stride << ")";
  return r;
}

// Runs `fn`, expects a gener::Error, and checks that its message names every string in `parts`.
inline void expect_error(const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "expected a gener::Error mentioning '" << *parts.begin() << "'";
  } catch (const gener::Error& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

// Sets an environment variable for one scope and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value != nullptr)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (had_)
      setenv(name_, old_.c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

}  // namespace gener::test
