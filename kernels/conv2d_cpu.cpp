// conv2d_cpu.cpp — CPU 2-D convolution (valid, stride 1, NCHW): per-sample im2col + OpenBLAS sgemm.
// A 1x1 kernel skips im2col (the input already is the column matrix). Samples run in parallel (OpenMP),
// each thread with its own slice of the workspace; weight gradients are reduced in a fixed thread order.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/check.h"
#include "kernels/conv2d.h"
#include "kernels/conv2d_direct.h"
#include "kernels/cpu_util.h"

namespace gener::kernels {
namespace {

bool is_pointwise(const Conv2dShape& s) { return s.kh == 1 && s.kw == 1; }

// col (C_in*KH*KW, H_out*W_out) from one sample x (C_in, H, W); rows are copied as contiguous runs of W_out.
void im2col(const Conv2dShape& s, const float* x, float* col) {
  const int ho = s.h_out(), wo = s.w_out();
  const size_t p = static_cast<size_t>(ho) * wo;
  for (int c = 0; c < s.c_in; ++c) {
    const float* xc = x + static_cast<size_t>(c) * s.h * s.w;  // (H, W)
    for (int i = 0; i < s.kh; ++i) {
      for (int j = 0; j < s.kw; ++j) {
        float* row = col + (static_cast<size_t>(c * s.kh + i) * s.kw + j) * p;  // (H_out, W_out)
        for (int oh = 0; oh < ho; ++oh) {
          std::memcpy(row + static_cast<size_t>(oh) * wo, xc + static_cast<size_t>(oh + i) * s.w + j,
                      static_cast<size_t>(wo) * sizeof(float));
        }
      }
    }
  }
}

// dx (C_in, H, W) += col2im(col (C_in*KH*KW, H_out*W_out)); the adjoint of im2col.
void col2im_add(const Conv2dShape& s, const float* col, float* dx) {
  const int ho = s.h_out(), wo = s.w_out();
  const size_t p = static_cast<size_t>(ho) * wo;
  for (int c = 0; c < s.c_in; ++c) {
    float* dxc = dx + static_cast<size_t>(c) * s.h * s.w;  // (H, W)
    for (int i = 0; i < s.kh; ++i) {
      for (int j = 0; j < s.kw; ++j) {
        const float* row = col + (static_cast<size_t>(c * s.kh + i) * s.kw + j) * p;
        for (int oh = 0; oh < ho; ++oh) {
          const float* src = row + static_cast<size_t>(oh) * wo;
          float* dst = dxc + static_cast<size_t>(oh + i) * s.w + j;
          for (int ow = 0; ow < wo; ++ow) dst[ow] += src[ow];
        }
      }
    }
  }
}

}  // namespace

namespace {
size_t col_floats(const Conv2dShape& s) {
  return static_cast<size_t>(s.c_in) * s.kh * s.kw * static_cast<size_t>(s.h_out()) * s.w_out();
}
size_t dw_floats(const Conv2dShape& s) { return static_cast<size_t>(s.c_out) * s.c_in * s.kh * s.kw; }
// Per thread: a scratch buffer (im2col, or the direct backward's padded dy), then a weight-gradient accumulator.
size_t scratch_floats(const Conv2dShape& s) { return std::max(col_floats(s), conv2d_direct_dy_pad_floats(s)); }
size_t thread_floats(const Conv2dShape& s) { return scratch_floats(s) + dw_floats(s); }
}  // namespace

size_t conv2d_workspace_floats_cpu(const Conv2dShape& s) {
  // Per thread: one im2col buffer and a private weight-gradient accumulator; then the direct kernel's packed
  // weights.
  return static_cast<size_t>(omp_get_max_threads()) * thread_floats(s) + conv2d_direct_packed_floats(s) +
         conv2d_direct_dx_packed_floats(s);
}

namespace {
// Forward over the batch with the direct AVX-512 / AVX2 kernel (output height 1); false when it does not apply. With
// `stats`, also each sample's per-channel sums of stats_act(y) (N, C_out, 2).
bool conv2d_forward_direct(const Conv2dShape& s, const float* x, const float* w, const float* b, Activation act,
                           const float* scale, const float* shift, float* y, float* workspace,
                           Activation stats_act = Activation::None, double* stats = nullptr,
                           const Conv2dForwardHooks* hooks = nullptr) {
  const Fp32Simd isa = conv2d_direct_isa(s);
  if (isa == Fp32Simd::None) return false;
  const size_t x_stride = static_cast<size_t>(s.c_in) * s.h * s.w;
  const size_t y_stride = static_cast<size_t>(s.c_out) * s.w_out();
  float* packed = workspace + static_cast<size_t>(omp_get_max_threads()) * thread_floats(s);
  conv2d_direct_pack(s, w, packed);
  const bool x_hook = hooks && hooks->x;
  // Each sample's output lines asked for as the one before is stored (conv2d_direct_sample's next_y): a training
  // lane's outputs (4.4 MB at batch 256) do not stay in the caches.
#pragma omp parallel for schedule(static)
  for (int n = 0; n < s.n; ++n)
    conv2d_direct_sample(s, x_hook ? hooks->x(n, omp_get_thread_num()) : x + n * x_stride, packed, b, act, scale,
                         shift, y + n * y_stride, isa, stats_act,
                         stats ? stats + 2 * static_cast<size_t>(n) * s.c_out : nullptr,
                         n + 1 < s.n ? y + (n + 1) * y_stride : nullptr);
  return true;
}
}  // namespace

namespace {
// Forward over the batch with an epilogue per output channel: y = act(conv + b) * scale + shift, where null
// scale/shift means the plain conv + bias. Direct AVX-512 / AVX2 kernel when it applies, else im2col + sgemm per
// sample with the epilogue applied while the sample's output is in cache.
void conv2d_forward_epilogue(const Conv2dShape& s, const float* x, const float* w, const float* b, Activation act,
                             const float* scale, const float* shift, float* y, float* workspace,
                             const Conv2dForwardHooks* hooks = nullptr) {
  const int k = s.c_in * s.kh * s.kw;
  const int p = s.h_out() * s.w_out();
  const size_t x_stride = static_cast<size_t>(s.c_in) * s.h * s.w;
  const size_t y_stride = static_cast<size_t>(s.c_out) * p;
  if (p <= 0 || s.c_out <= 0) return;
  if (k > 0 &&
      conv2d_forward_direct(s, x, w, b, act, scale, shift, y, workspace, Activation::None, nullptr, hooks))
    return;
  const size_t ws_stride = thread_floats(s);
#pragma omp parallel for schedule(static)
  for (int n = 0; n < s.n; ++n) {
    float* ws = workspace + static_cast<size_t>(omp_get_thread_num()) * ws_stride;
    const float* xn = hooks && hooks->x ? hooks->x(n, omp_get_thread_num()) : x + n * x_stride;  // (C_in, H, W)
    float* yn = y + n * y_stride;                                                             // (C_out, H_out, W_out)
    if (k <= 0) {                        // no input channels: the output is the epilogue of zero
      std::memset(yn, 0, y_stride * sizeof(float));
    } else {
      const float* col = xn;  // (K, P)
      if (!is_pointwise(s)) {
        im2col(s, xn, ws);
        col = ws;
      }
      // yn (C_out, P) = w (C_out, K) · col (K, P)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.c_out, p, k, 1.0f, w, k, col, p, 0.0f, yn, p);
    }
    for (int co = 0; co < s.c_out; ++co) {  // (v + b) * 1 + 0 is exact: the plain case stays conv + bias
      float* row = yn + static_cast<size_t>(co) * p;
      act_bn_eval_run_cpu(act, row, p, b ? b[co] : 0.0f, scale ? scale[co] : 1.0f, scale ? shift[co] : 0.0f, row);
    }
  }
}
}  // namespace

void conv2d_forward_cpu(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                        float* workspace, const Conv2dForwardHooks* hooks) {
  conv2d_forward_epilogue(s, x, w, b, Activation::None, nullptr, nullptr, y, workspace, hooks);
}

void conv2d_forward_act_bn_cpu(const Conv2dShape& s, const float* x, const float* w, const float* b, Activation act,
                               const float* scale, const float* shift, float* y, float* workspace) {
  conv2d_forward_epilogue(s, x, w, b, act, scale, shift, y, workspace);
}

bool conv2d_forward_stats_cpu(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y,
                              float* workspace, Activation act, double* run_stats, const Conv2dForwardHooks* hooks) {
  if (s.c_in * s.kh * s.kw > 0 && s.w_out() > 0 &&
      conv2d_forward_direct(s, x, w, b, Activation::None, nullptr, nullptr, y, workspace, act, run_stats, hooks))
    return true;
  conv2d_forward_cpu(s, x, w, b, y, workspace, hooks);
  return false;
}

void conv2d_backward_cpu(const Conv2dShape& s, const float* x, const float* w, const float* dy, float* dx,
                         float* dw, float* db, float* workspace, const Conv2dBackwardHooks* hooks) {
  const bool dy_hook = hooks && hooks->dy, dx_hook = hooks && hooks->dx;
  GENER_CHECK(!(dy_hook && db), "conv2d_backward_cpu: the bias gradient needs the whole dy (a dy hook was given)");
  GENER_CHECK(!dx_hook || dx, "conv2d_backward_cpu: a dx hook without dx (the first layer has no input gradient)");
  const int k = s.c_in * s.kh * s.kw;
  const int p = s.h_out() * s.w_out();
  const size_t x_stride = static_cast<size_t>(s.c_in) * s.h * s.w;
  const size_t y_stride = static_cast<size_t>(s.c_out) * p;
  if (db) {  // db (C_out) = sum of dy over N and the output positions; one thread per channel, so deterministic
#pragma omp parallel for schedule(static) if (static_cast<long long>(s.n) * y_stride >= kParallelMin && s.c_out > 1)
    for (int co = 0; co < s.c_out; ++co) {
      double acc = 0.0;
      for (int n = 0; n < s.n; ++n) acc += sum_f64(dy + n * y_stride + static_cast<size_t>(co) * p, p);
      db[co] = static_cast<float>(acc);
    }
  }
  if (dw) std::memset(dw, 0, static_cast<size_t>(s.c_out) * k * sizeof(float));
  const bool pointwise = is_pointwise(s);
  if (p <= 0 || s.c_out <= 0 || k <= 0) {
    for (int n = 0; dx && n < s.n; ++n) {  // zero input gradient, through the hooks where given
      float* dxn = dx_hook ? hooks->dx(n, 0) : dx + n * x_stride;
      std::memset(dxn, 0, x_stride * sizeof(float));
      if (hooks && hooks->dx_done) hooks->dx_done(n, 0, dxn);
    }
    return;
  }
  const size_t ws_stride = thread_floats(s);
  const int threads = omp_get_max_threads();
  // dx with the direct kernel where it applies (1.4x sgemm + col2im at the paper's conv2); 1x1 kernels keep the
  // sgemm straight into dx. dw on AVX-512 is the direct kernel too (no im2col or packing), else an sgemm.
  const Fp32Simd dx_isa = dx && !pointwise ? conv2d_direct_isa(s) : Fp32Simd::None;
  const bool direct_dx = dx_isa != Fp32Simd::None;
  float* packed_dx = workspace + static_cast<size_t>(threads) * ws_stride + conv2d_direct_packed_floats(s);
  if (direct_dx) conv2d_direct_dx_pack(s, w, packed_dx);
  const size_t ndw = dw_floats(s);
  // dw with the direct AVX-512 kernel where it runs (no im2col or sgemm packing).
  const bool direct_dw = dw && conv2d_direct_dw_available(s);
  int team = 1;  // the team actually run (fewer than asked inside another parallel region)
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    if (t == 0) team = omp_get_num_threads();
    float* ws = workspace + static_cast<size_t>(t) * ws_stride;  // im2col buffer
    float* dw_t = ws + scratch_floats(s);                          // this thread's dw (C_out, K)
    if (dw) std::memset(dw_t, 0, ndw * sizeof(float));
#pragma omp for schedule(static)
    for (int n = 0; n < s.n; ++n) {
      const float* xn = hooks && hooks->x ? hooks->x(n, t) : x + n * x_stride;  // (C_in, H, W)
      const float* dyn = dy_hook ? hooks->dy(n, t) : dy + n * y_stride;  // (C_out, P)
      float* dxn = dx_hook ? hooks->dx(n, t) : dx ? dx + n * x_stride : nullptr;  // (C_in, H, W)
      if (dw && direct_dw) {
        conv2d_direct_dw_sample(s, xn, dyn, dw_t);
      } else if (dw) {
        const float* col = xn;  // (K, P)
        if (!pointwise) {
          im2col(s, xn, ws);
          col = ws;
        }
        // dw_t (C_out, K) += dyn (C_out, P) · colᵀ (P, K)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.c_out, k, p, 1.0f, dyn, p, col, p, 1.0f, dw_t, k);
      }
      if (direct_dx) {
        conv2d_direct_dx_sample(s, dyn, packed_dx, ws, dxn, dx_isa);  // ws: the padded dy
      } else if (dx) {
        // dcol (K, P) = wᵀ (K, C_out) · dyn (C_out, P); for 1x1 kernels dcol is dxn itself
        float* dcol = pointwise ? dxn : ws;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, p, s.c_out, 1.0f, w, k, dyn, p, 0.0f, dcol, p);
        if (!pointwise) {
          std::memset(dxn, 0, x_stride * sizeof(float));
          col2im_add(s, dcol, dxn);
        }
      }
      if (dx && hooks && hooks->dx_done) hooks->dx_done(n, t, dxn);
    }
  }
  if (dw) {  // reduce the per-thread accumulators in thread order (deterministic for a fixed thread count)
    for (int t = 0; t < team; ++t) {
      const float* dw_t = workspace + static_cast<size_t>(t) * ws_stride + scratch_floats(s);
      for (size_t i = 0; i < ndw; ++i) dw[i] += dw_t[i];
    }
  }
}

}  // namespace gener::kernels
