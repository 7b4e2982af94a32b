// conv2d_cudnn_cuda.cpp — the only file that talks to cuDNN: per-shape convolution plans and the conv calls.
#include "kernels/conv2d_cudnn.h"

#include <cudnn.h>

#include <algorithm>

#include "kernels/check.h"
#include "kernels/cuda_check.h"

namespace gener::kernels {

struct ConvPlan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr, bias = nullptr;  // (N,C_in,H,W), (N,C_out,Ho,Wo), (1,C_out,1,1)
  cudnnFilterDescriptor_t w = nullptr;                                // (C_out, C_in, KH, KW)
  // One convolution descriptor per direction: each carries the math type of its chosen algorithm.
  cudnnConvolutionDescriptor_t fwd = nullptr, bwd_data = nullptr, bwd_filter = nullptr;
  cudnnConvolutionFwdAlgo_t fwd_algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwd_data_algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
  cudnnConvolutionBwdFilterAlgo_t bwd_filter_algo = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0;
  size_t fwd_bytes = 0, bwd_data_bytes = 0, bwd_filter_bytes = 0;
  bool forward_only = false;  // no backward algorithms were chosen

  ConvPlan() = default;
  ConvPlan(const ConvPlan&) = delete;
  ConvPlan& operator=(const ConvPlan&) = delete;
  ~ConvPlan() {
    for (cudnnTensorDescriptor_t t : {x, y, bias})
      if (t != nullptr) GENER_CUDA_WARN(cudnnDestroyTensorDescriptor(t) == CUDNN_STATUS_SUCCESS, "cudnnDestroyTensor");
    if (w != nullptr) GENER_CUDA_WARN(cudnnDestroyFilterDescriptor(w) == CUDNN_STATUS_SUCCESS, "cudnnDestroyFilter");
    for (cudnnConvolutionDescriptor_t c : {fwd, bwd_data, bwd_filter})
      if (c != nullptr)
        GENER_CUDA_WARN(cudnnDestroyConvolutionDescriptor(c) == CUDNN_STATUS_SUCCESS, "cudnnDestroyConvolution");
  }
};

namespace {

cudnnConvolutionDescriptor_t make_conv_desc() {
  cudnnConvolutionDescriptor_t d = nullptr;
  CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
  const cudnnStatus_t st =
      cudnnSetConvolution2dDescriptor(d, 0, 0, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
  if (st != CUDNN_STATUS_SUCCESS) {
    cudnnDestroyConvolutionDescriptor(d);
    CUDNN_CHECK(st);
  }
  return d;
}

// Walks cuDNN's ranked candidates; the first that is usable under the math/determinism policy and whose
// workspace query succeeds wins. `set_math` applies a candidate's math type, `query` returns its workspace.
template <typename Perf, typename Query>
bool choose(const Perf* perf, int count, bool tf32, bool deterministic, cudnnConvolutionDescriptor_t conv,
            Query query, decltype(Perf::algo)* algo, size_t* bytes) {
  for (int i = 0; i < count; ++i) {
    const Perf& p = perf[i];
    if (p.status != CUDNN_STATUS_SUCCESS) continue;
    if (deterministic && p.determinism != CUDNN_DETERMINISTIC) continue;
    // ALLOW_CONVERSION may down-convert fp32 data to fp16/bf16: below even the TF32 opt-in, so never taken.
    if (p.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
    if (!tf32 && p.mathType == CUDNN_TENSOR_OP_MATH) continue;
    // Without TF32 pin FMA math: on sm_80+ CUDNN_DEFAULT_MATH lets fp32 convolutions use TF32.
    if (cudnnSetConvolutionMathType(conv, tf32 ? p.mathType : CUDNN_FMA_MATH) != CUDNN_STATUS_SUCCESS) continue;
    size_t b = 0;
    if (query(p.algo, &b) != CUDNN_STATUS_SUCCESS) continue;
    *algo = p.algo;
    *bytes = b;
    return true;
  }
  return false;
}

std::unique_ptr<ConvPlan> build_plan(GpuContext& ctx, const Conv2dShape& s, const ConvPlanOptions& opt) {
  cudnnHandle_t h = ctx.cudnn();
  const bool tf32 = ctx.tf32();
  auto p = std::make_unique<ConvPlan>();
  CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->x));
  CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->y));
  CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->bias));
  CUDNN_CHECK(cudnnCreateFilterDescriptor(&p->w));
  p->fwd = make_conv_desc();
  p->bwd_data = make_conv_desc();
  p->bwd_filter = make_conv_desc();
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, s.n, s.c_in, s.h, s.w));
  CUDNN_CHECK(cudnnSetFilter4dDescriptor(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.c_out, s.c_in, s.kh, s.kw));
  int on = 0, oc = 0, oh = 0, ow = 0;
  CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(p->fwd, p->x, p->w, &on, &oc, &oh, &ow));
  GENER_CHECK(on == s.n && oc == s.c_out && oh == s.h_out() && ow == s.w_out(),
              "conv2d: cuDNN output shape (" << on << ", " << oc << ", " << oh << ", " << ow << ") differs");
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, on, oc, oh, ow));
  CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, s.c_out, 1, 1));

  int n = 0;
  cudnnConvolutionFwdAlgoPerf_t fperf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  cudnnConvolutionBwdDataAlgoPerf_t dperf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  cudnnConvolutionBwdFilterAlgoPerf_t wperf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  // Candidate lists are produced under FMA math unless TF32 is allowed (then cuDNN may offer tensor-op variants).
  for (cudnnConvolutionDescriptor_t c : {p->fwd, p->bwd_data, p->bwd_filter})
    CUDNN_CHECK(cudnnSetConvolutionMathType(c, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));

  if (opt.benchmark) {
    CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(h, p->x, p->w, p->fwd, p->y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                     &n, fperf));
  } else {
    CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(h, p->x, p->w, p->fwd, p->y,
                                                       CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, fperf));
  }
  const bool ok_fwd = choose(fperf, n, tf32, opt.deterministic, p->fwd,
                             [&](cudnnConvolutionFwdAlgo_t a, size_t* b) {
                               return cudnnGetConvolutionForwardWorkspaceSize(h, p->x, p->w, p->fwd, p->y, a, b);
                             },
                             &p->fwd_algo, &p->fwd_bytes);
  p->forward_only = opt.forward_only;
  GENER_CHECK(ok_fwd, "conv2d: cuDNN offers no usable forward algorithm for (" << s.n << ", " << s.c_in << ", " << s.h
                          << ", " << s.w << ") * (" << s.c_out << ", " << s.c_in << ", " << s.kh << ", " << s.kw << ")");
  if (opt.forward_only) return p;

  if (opt.benchmark) {
    CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(h, p->w, p->y, p->bwd_data, p->x,
                                                          CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, dperf));
  } else {
    CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, p->w, p->y, p->bwd_data, p->x,
                                                            CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, dperf));
  }
  const bool ok_data = choose(dperf, n, tf32, opt.deterministic, p->bwd_data,
                              [&](cudnnConvolutionBwdDataAlgo_t a, size_t* b) {
                                return cudnnGetConvolutionBackwardDataWorkspaceSize(h, p->w, p->y, p->bwd_data,
                                                                                    p->x, a, b);
                              },
                              &p->bwd_data_algo, &p->bwd_data_bytes);

  if (opt.benchmark) {
    CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(h, p->x, p->y, p->bwd_filter, p->w,
                                                            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, wperf));
  } else {
    CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, p->x, p->y, p->bwd_filter, p->w,
                                                              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, wperf));
  }
  const bool ok_filter = choose(wperf, n, tf32, opt.deterministic, p->bwd_filter,
                                [&](cudnnConvolutionBwdFilterAlgo_t a, size_t* b) {
                                  return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, p->x, p->y,
                                                                                        p->bwd_filter, p->w, a, b);
                                },
                                &p->bwd_filter_algo, &p->bwd_filter_bytes);
  GENER_CHECK(ok_data && ok_filter,
              "conv2d: cuDNN offers no usable algorithm for (" << s.n << ", " << s.c_in << ", " << s.h << ", " << s.w
                  << ") * (" << s.c_out << ", " << s.c_in << ", " << s.kh << ", " << s.kw << ")"
                  << (opt.deterministic ? " with deterministic=true" : ""));
  return p;
}

void check_shape(const Conv2dShape& s) {
  GENER_CHECK(s.n >= 0 && s.c_in > 0 && s.c_out > 0 && s.kh > 0 && s.kw > 0 && s.h >= s.kh && s.w >= s.kw,
              "conv2d: bad shape x (" << s.n << ", " << s.c_in << ", " << s.h << ", " << s.w << "), w (" << s.c_out
                                      << ", " << s.c_in << ", " << s.kh << ", " << s.kw << ")");
}

}  // namespace

ConvPlanCache::ConvPlanCache(const ConvPlanOptions& opt) : opt_(opt) {}
ConvPlanCache::~ConvPlanCache() = default;
ConvPlanCache::ConvPlanCache(ConvPlanCache&&) noexcept = default;
ConvPlanCache& ConvPlanCache::operator=(ConvPlanCache&&) noexcept = default;

void ConvPlanCache::clear() { plans_.clear(); }

const ConvPlan& ConvPlanCache::plan(GpuContext& ctx, const Conv2dShape& s) {
  check_shape(s);
  GENER_CHECK(s.n > 0, "conv2d: cannot plan an empty batch");
  const Key key{s.n, s.c_in, s.h, s.w, s.c_out, s.kh, s.kw, ctx.tf32() ? 1 : 0};
  auto it = plans_.find(key);
  if (it == plans_.end()) it = plans_.emplace(key, build_plan(ctx, s, opt_)).first;
  return *it->second;
}

size_t ConvPlanCache::workspace_bytes(GpuContext& ctx, const Conv2dShape& s, bool backward) {
  const ConvPlan& p = plan(ctx, s);
  GENER_CHECK(!backward || !p.forward_only, "conv2d: the plans of this cache are forward-only (inference)");
  return backward ? std::max(p.bwd_data_bytes, p.bwd_filter_bytes) : p.fwd_bytes;
}

void conv2d_forward_cuda(GpuContext& ctx, ConvPlanCache& cache, const Conv2dShape& s, const float* x,
                         const float* w, const float* b, float* y) {
  check_shape(s);
  if (s.n == 0) return;
  const ConvPlan& p = cache.plan(ctx, s);
  void* ws = ctx.workspace(p.fwd_bytes);
  const float one = 1.0f, zero = 0.0f;
  CUDNN_CHECK(cudnnConvolutionForward(ctx.cudnn(), &one, p.x, x, p.w, w, p.fwd, p.fwd_algo, ws, p.fwd_bytes, &zero,
                                      p.y, y));
  if (b != nullptr) CUDNN_CHECK(cudnnAddTensor(ctx.cudnn(), &one, p.bias, b, &one, p.y, y));
}

void conv2d_backward_cuda(GpuContext& ctx, ConvPlanCache& cache, const Conv2dShape& s, const float* x,
                          const float* w, const float* dy, float* dx, float* dw, float* db) {
  check_shape(s);
  GENER_CHECK(dw != nullptr, "conv2d_backward_cuda: dw is required");
  if (s.n == 0) {  // an empty batch has zero parameter gradients
    const size_t wn = static_cast<size_t>(s.c_out) * s.c_in * s.kh * s.kw;
    CUDA_CHECK(cudaMemsetAsync(dw, 0, sizeof(float) * wn, ctx.stream()));
    if (db != nullptr) CUDA_CHECK(cudaMemsetAsync(db, 0, sizeof(float) * static_cast<size_t>(s.c_out), ctx.stream()));
    return;
  }
  const ConvPlan& p = cache.plan(ctx, s);
  GENER_CHECK(!p.forward_only, "conv2d_backward_cuda: the plan for batch " << s.n << " is forward-only (an inference "
                                   "network's plan cache cannot train)");
  const size_t bytes = std::max(p.bwd_data_bytes, p.bwd_filter_bytes);
  void* ws = ctx.workspace(bytes);
  const float one = 1.0f, zero = 0.0f;
  if (db != nullptr) CUDNN_CHECK(cudnnConvolutionBackwardBias(ctx.cudnn(), &one, p.y, dy, &zero, p.bias, db));
  CUDNN_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn(), &one, p.x, x, p.y, dy, p.bwd_filter, p.bwd_filter_algo, ws,
                                             p.bwd_filter_bytes, &zero, p.w, dw));
  if (dx != nullptr) {
    CUDNN_CHECK(cudnnConvolutionBackwardData(ctx.cudnn(), &one, p.w, w, p.y, dy, p.bwd_data, p.bwd_data_algo, ws,
                                             p.bwd_data_bytes, &zero, p.x, dx));
  }
}

}  // namespace gener::kernels
