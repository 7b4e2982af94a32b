// conv2d_cudnn.h — 2-D convolution on the GPU via cuDNN (legacy API): valid padding, stride 1, NCHW float,
// cross-correlation like the CPU reference (conv2d.h). Descriptors and algorithms are planned once per shape.
#pragma once
#include <array>
#include <cstddef>
#include <map>
#include <memory>

#include "kernels/conv2d.h"
#include "kernels/gpu_context.h"

namespace gener::kernels {

struct ConvPlanOptions {
  bool benchmark = false;      // time the candidates once per shape (cudnnFind*) instead of the heuristics
  bool deterministic = false;  // only algorithms cuDNN reports as deterministic (no atomics)
  bool forward_only = false;   // inference: plan the forward convolution alone (backward calls then throw)
};

struct ConvPlan;  // descriptors, chosen algorithms and workspace sizes for one shape (defined in the .cpp)

// Per-shape plans for one GpuContext (one device, one math mode per plan). Move-only; not thread-safe.
class ConvPlanCache {
 public:
  explicit ConvPlanCache(const ConvPlanOptions& opt = ConvPlanOptions());
  ~ConvPlanCache();  // destroys descriptors; logs errors, never throws
  ConvPlanCache(const ConvPlanCache&) = delete;
  ConvPlanCache& operator=(const ConvPlanCache&) = delete;
  ConvPlanCache(ConvPlanCache&&) noexcept;
  ConvPlanCache& operator=(ConvPlanCache&&) noexcept;

  // The plan for `s` under ctx's math mode, built on first use (throws gener::Error on a bad shape).
  const ConvPlan& plan(GpuContext& ctx, const Conv2dShape& s);
  // Workspace bytes forward or backward needs for `s` (plans it): reserve with ctx.workspace() before a loop.
  size_t workspace_bytes(GpuContext& ctx, const Conv2dShape& s, bool backward);
  size_t size() const { return plans_.size(); }
  void clear();

 private:
  using Key = std::array<int, 8>;  // n, c_in, h, w, c_out, kh, kw, tf32
  ConvPlanOptions opt_;
  std::map<Key, std::unique_ptr<ConvPlan>> plans_;
};

// y (N, C_out, H_out, W_out) = conv(x (N, C_in, H, W), w (C_out, C_in, KH, KW)) + b (C_out); b may be null.
void conv2d_forward_cuda(GpuContext& ctx, ConvPlanCache& cache, const Conv2dShape& s, const float* x,
                         const float* w, const float* b, float* y);
// dw and db overwritten (beta = 0); dx (nullable: first layer) overwritten; db may be null.
void conv2d_backward_cuda(GpuContext& ctx, ConvPlanCache& cache, const Conv2dShape& s, const float* x,
                          const float* w, const float* dy, float* dx, float* dw, float* db);

}  // namespace gener::kernels
