// bn_dropout.cu — fused activation → batchnorm → inverted dropout, forward (train, eval) and backward.
// Layout (N, C, S), flat index ((n*C + c)*S + s); per-channel statistics over the M = N*S elements of a channel.
// Reductions are deterministic: fixed partition of each channel into G parts, partials combined in a fixed tree.
// With G > 1 the partials live in the output buffer (y, or dx in backward) before it is written, so no extra
// memory is needed; therefore y must not alias x, and dx must alias neither x nor dy.
#include <cuda_runtime.h>

#include "kernels/batchnorm.h"
#include "kernels/check.h"
#include "kernels/cuda_check.h"
#include "kernels/hash.h"

namespace gener::kernels {
namespace {

constexpr int kThreads = 256;         // all kernels here; a multiple of 32 (block_sum relies on it)
constexpr unsigned kMinChunk = 4096;  // elements of one channel reduced by one block
constexpr unsigned kMaxParts = 1024;  // parts per channel in the two-stage reduction

// Division by a divisor fixed at launch, for dividends < 2^31: q = (umulhi(x, magic) + x) >> shift
// (Granlund–Montgomery round-up method, as in PyTorch's IntDivider). Replaces ~20-instruction integer divides.
struct FastDiv {
  unsigned d, magic, shift;
  __device__ __forceinline__ unsigned div(unsigned x) const { return (__umulhi(x, magic) + x) >> shift; }
};

FastDiv fast_div(unsigned d) {
  unsigned shift = 0;
  while (shift < 32 && (1ULL << shift) < d) ++shift;
  const unsigned long long magic = ((1ULL << 32) * ((1ULL << shift) - d)) / d + 1;
  return FastDiv{d, static_cast<unsigned>(magic), shift};
}

struct Dims {
  unsigned n, c, s, m;  // m = n * s, elements per channel
  FastDiv by_s, by_c;   // divisions by S and by C
  // Channel of flat index i = (n*C + c)*S + s.
  __device__ __forceinline__ unsigned channel(unsigned i) const {
    const unsigned row = by_s.div(i);  // n*C + c
    return row - by_c.div(row) * c;
  }
};

// Partition of a channel's m elements: `parts` parts of `chunk` elements (the last one shorter, none empty).
struct Partition {
  unsigned chunk, parts;
};

Partition partition_for(unsigned m) {
  unsigned chunk = (m + kMaxParts - 1) / kMaxParts;
  if (chunk < kMinChunk) chunk = kMinChunk;
  return Partition{chunk, (m + chunk - 1) / chunk};
}

__device__ __forceinline__ float act_forward(Activation act, float x) {
  return act == Activation::Relu ? (x > 0.0f ? x : 0.0f) : x;
}
// dx = act'(x) * g as a select, like the CPU's `x > 0 ? dy : 0`: a zeroed element stays +0 even where g is inf/NaN.
__device__ __forceinline__ float act_backward(Activation act, float x, float g) {
  return act == Activation::Relu && !(x > 0.0f) ? 0.0f : g;
}

// Flat index of element e of channel c (e = n*S + s).
__device__ __forceinline__ unsigned long long flat_index(const Dims& d, unsigned c, unsigned e) {
  const unsigned n = d.by_s.div(e);
  const unsigned s = e - n * d.s;
  return (static_cast<unsigned long long>(n) * d.c + c) * d.s + s;
}

// Sum over the block, returned to every thread. `smem` holds 33 floats; safe to call repeatedly.
__device__ float block_sum(float v, float* smem) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
  __syncthreads();  // previous call's readers are done with smem
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < (blockDim.x >> 5) ? smem[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (lane == 0) smem[32] = v;
  }
  __syncthreads();
  return smem[32];
}

struct StatsOut {
  float eps, momentum;
  float *running_mean, *running_var, *save_mean, *save_invstd;  // running_* may be null
};

__device__ void finalize_channel(const StatsOut& o, unsigned c, float mean, float var) {
  o.save_mean[c] = mean;
  o.save_invstd[c] = 1.0f / sqrtf(var + o.eps);
  if (o.running_mean != nullptr) o.running_mean[c] = o.momentum * o.running_mean[c] + (1.0f - o.momentum) * mean;
  if (o.running_var != nullptr) o.running_var[c] = o.momentum * o.running_var[c] + (1.0f - o.momentum) * var;
}

// grid (parts, C). Block (g, c): sum and centred sum of squares of act(x) over part g of channel c (two passes,
// the second from cache). One part: final statistics directly; else partials to part_sum/part_m2 (C, parts).
__global__ void bn_stats_kernel(Dims d, Partition p, Activation act, const float* __restrict__ x,
                                float* part_sum, float* part_m2, StatsOut out) {
  __shared__ float smem[33];
  const unsigned c = blockIdx.y, g = blockIdx.x;
  const unsigned e0 = g * p.chunk;
  const unsigned e1 = min(d.m, e0 + p.chunk);
  float acc = 0.0f;
  for (unsigned e = e0 + threadIdx.x; e < e1; e += blockDim.x) acc += act_forward(act, x[flat_index(d, c, e)]);
  const float sum = block_sum(acc, smem);
  const float mean_g = sum / static_cast<float>(e1 - e0);
  acc = 0.0f;
  for (unsigned e = e0 + threadIdx.x; e < e1; e += blockDim.x) {
    const float t = act_forward(act, x[flat_index(d, c, e)]) - mean_g;
    acc += t * t;
  }
  const float m2 = block_sum(acc, smem);
  if (threadIdx.x != 0) return;
  if (p.parts == 1) {
    finalize_channel(out, c, mean_g, m2 / static_cast<float>(d.m));
  } else {
    part_sum[c * p.parts + g] = sum;
    part_m2[c * p.parts + g] = m2;
  }
}

// grid (C). Chan's combination of the parts: M2 = Σ M2_g + Σ n_g (mean_g - mean)².
__global__ void bn_stats_combine_kernel(Dims d, Partition p, const float* part_sum, const float* part_m2,
                                        StatsOut out) {
  __shared__ float smem[33];
  const unsigned c = blockIdx.x;
  const float* ps = part_sum + c * p.parts;
  const float* pm = part_m2 + c * p.parts;
  float acc = 0.0f;
  for (unsigned g = threadIdx.x; g < p.parts; g += blockDim.x) acc += ps[g];
  const float mean = block_sum(acc, smem) / static_cast<float>(d.m);
  acc = 0.0f;
  for (unsigned g = threadIdx.x; g < p.parts; g += blockDim.x) {
    const float n_g = static_cast<float>(min(d.m, (g + 1) * p.chunk) - g * p.chunk);
    const float t = ps[g] / n_g - mean;
    acc += pm[g] + n_g * t * t;
  }
  const float m2 = block_sum(acc, smem);
  if (threadIdx.x == 0) finalize_channel(out, c, mean, m2 / static_cast<float>(d.m));
}

struct DropoutArgs {
  float rate;   // 0: no dropout
  float scale;  // 1 / (1 - rate), as the CPU computes it
  unsigned long long seed, step;
  unsigned long long index0;  // mask of element i drawn at index index0 + i (the global batch's numbering)
};

// y = dropout(act(x) * scale + shift), scale = gamma * invstd, shift = beta - mean * scale (the CPU's form).
__global__ void bn_apply_train_kernel(Dims d, Activation act, DropoutArgs dr, const float* __restrict__ x,
                                      const float* __restrict__ gamma, const float* __restrict__ beta,
                                      const float* __restrict__ mean, const float* __restrict__ invstd,
                                      float* __restrict__ y) {
  const unsigned total = d.m * d.c;
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const unsigned c = d.channel(i);
    const float scale = gamma[c] * invstd[c];
    const float z = act_forward(act, x[i]) * scale + (beta[c] - mean[c] * scale);
    if (dr.rate > 0.0f) {
      y[i] = dropout_keep(dr.seed, dr.step, dr.index0 + i, dr.rate) ? z * dr.scale : 0.0f;
    } else {
      y[i] = z;
    }
  }
}

constexpr unsigned kMaxStagedChannels = 4096;  // eval stages (scale, shift) in 2*C floats of shared memory

// Eval: y = act(x) * scale + shift from the running statistics; in place allowed. This is the scoring hot path:
// each block first stages every channel's (scale, shift) in shared memory when C <= kMaxStagedChannels.
__global__ void bn_apply_eval_kernel(Dims d, Activation act, float eps, const float* x, const float* gamma,
                                     const float* beta, const float* running_mean, const float* running_var,
                                     float* y) {
  extern __shared__ float staged[];  // scale (C), shift (C)
  const bool use_staged = d.c <= kMaxStagedChannels;
  if (use_staged) {
    for (unsigned c = threadIdx.x; c < d.c; c += blockDim.x) {
      const float scale = gamma[c] * (1.0f / sqrtf(running_var[c] + eps));
      staged[c] = scale;
      staged[d.c + c] = beta[c] - running_mean[c] * scale;
    }
    __syncthreads();
  }
  const unsigned total = d.m * d.c;
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const unsigned c = d.channel(i);
    float scale, shift;
    if (use_staged) {
      scale = staged[c];
      shift = staged[d.c + c];
    } else {
      scale = gamma[c] * (1.0f / sqrtf(running_var[c] + eps));
      shift = beta[c] - running_mean[c] * scale;
    }
    y[i] = act_forward(act, x[i]) * scale + shift;
  }
}

// Gradient through inverted dropout at flat index i (the mask recomputed from the hash).
__device__ __forceinline__ float dropout_grad(const DropoutArgs& dr, unsigned i, float dy) {
  if (dr.rate <= 0.0f) return dy;
  return dropout_keep(dr.seed, dr.step, dr.index0 + i, dr.rate) ? dy * dr.scale : 0.0f;
}

// grid (parts, C). dbeta = Σ dz, dgamma = Σ dz * xhat over part g of channel c (dz = gradient at the BN output).
__global__ void bn_backward_reduce_kernel(Dims d, Partition p, Activation act, DropoutArgs dr,
                                          const float* __restrict__ x, const float* __restrict__ dy,
                                          const float* __restrict__ mean, const float* __restrict__ invstd,
                                          float* part_dbeta, float* part_dgamma, float* dgamma, float* dbeta) {
  __shared__ float smem[33];
  const unsigned c = blockIdx.y, g = blockIdx.x;
  const unsigned e0 = g * p.chunk;
  const unsigned e1 = min(d.m, e0 + p.chunk);
  const float mu = mean[c], is = invstd[c];
  float acc_b = 0.0f, acc_g = 0.0f;
  for (unsigned e = e0 + threadIdx.x; e < e1; e += blockDim.x) {
    const unsigned i = static_cast<unsigned>(flat_index(d, c, e));
    const float dz = dropout_grad(dr, i, dy[i]);
    acc_b += dz;
    acc_g += dz * ((act_forward(act, x[i]) - mu) * is);
  }
  const float sb = block_sum(acc_b, smem);
  const float sg = block_sum(acc_g, smem);
  if (threadIdx.x != 0) return;
  if (p.parts == 1) {
    dbeta[c] = sb;
    dgamma[c] = sg;
  } else {
    part_dbeta[c * p.parts + g] = sb;
    part_dgamma[c * p.parts + g] = sg;
  }
}

// grid (C): sum the parts in a fixed order.
__global__ void bn_backward_combine_kernel(Partition p, const float* part_dbeta, const float* part_dgamma,
                                           float* dgamma, float* dbeta) {
  __shared__ float smem[33];
  const unsigned c = blockIdx.x;
  float acc_b = 0.0f, acc_g = 0.0f;
  for (unsigned g = threadIdx.x; g < p.parts; g += blockDim.x) {
    acc_b += part_dbeta[c * p.parts + g];
    acc_g += part_dgamma[c * p.parts + g];
  }
  const float sb = block_sum(acc_b, smem);
  const float sg = block_sum(acc_g, smem);
  if (threadIdx.x == 0) {
    dbeta[c] = sb;
    dgamma[c] = sg;
  }
}

// dx = act'(x) * gamma * invstd * (dz - mean(dz) - xhat * mean(dz * xhat)); mean(dz) = dbeta / M etc.
__global__ void bn_backward_apply_kernel(Dims d, Activation act, DropoutArgs dr, const float* __restrict__ x,
                                         const float* __restrict__ dy, const float* __restrict__ gamma,
                                         const float* __restrict__ mean, const float* __restrict__ invstd,
                                         const float* __restrict__ dgamma, const float* __restrict__ dbeta,
                                         float* __restrict__ dx) {
  const unsigned total = d.m * d.c;
  const float m = static_cast<float>(d.m);
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const unsigned c = d.channel(i);
    const float xi = x[i];
    const float xhat = (act_forward(act, xi) - mean[c]) * invstd[c];
    const float dz = dropout_grad(dr, i, dy[i]);
    const float da = gamma[c] * invstd[c] * (dz - dbeta[c] / m - xhat * (dgamma[c] / m));
    dx[i] = act_backward(act, xi, da);
  }
}

Dims dims_for(const BnShape& s, const char* what) {
  GENER_CHECK(s.n >= 0 && s.c >= 0 && s.s >= 1, what << ": bad shape (" << s.n << ", " << s.c << ", " << s.s << ")");
  GENER_CHECK(s.count() < (1LL << 31), what << ": " << s.count() << " elements; at most 2^31 - 1 per call");
  GENER_CHECK(s.c <= 65535, what << ": " << s.c << " channels; at most 65535 (grid y)");
  const unsigned n = static_cast<unsigned>(s.n), c = static_cast<unsigned>(s.c), sp = static_cast<unsigned>(s.s);
  return Dims{n, c, sp, n * sp, fast_div(sp), fast_div(c > 0 ? c : 1)};
}

int elementwise_blocks(const Dims& d) {
  const unsigned total = d.m * d.c;
  const unsigned b = (total + kThreads - 1) / kThreads;
  return static_cast<int>(b < 65536u * 8u ? b : 65536u * 8u);
}

DropoutArgs dropout_args(const BnDropoutParams& p) {
  GENER_CHECK(p.drop_rate >= 0.0f && p.drop_rate < 1.0f, "dropout rate " << p.drop_rate << " not in [0, 1)");
  return DropoutArgs{p.drop_rate, 1.0f / (1.0f - p.drop_rate), p.seed, p.step, p.index0};
}

}  // namespace

void act_bn_dropout_forward_train_cuda(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                       const float* gamma, const float* beta, float* running_mean,
                                       float* running_var, float* y, float* save_mean, float* save_invstd,
                                       Stream stream) {
  const Dims d = dims_for(s, "act_bn_dropout_forward_train_cuda");
  const DropoutArgs dr = dropout_args(p);
  GENER_CHECK(x != y, "act_bn_dropout_forward_train_cuda: y must not alias x (x is kept for backward)");
  GENER_CHECK(d.m > 0, "act_bn_dropout_forward_train_cuda: empty batch (N=" << s.n << ", S=" << s.s << ")");
  GENER_CHECK(save_mean != nullptr && save_invstd != nullptr,
              "act_bn_dropout_forward_train_cuda: save_mean and save_invstd are required");
  if (d.c == 0) return;
  const Partition part = partition_for(d.m);
  const StatsOut out{p.eps, p.momentum, running_mean, running_var, save_mean, save_invstd};
  float* part_sum = y;  // (C, parts) scratch, overwritten by the apply kernel below
  float* part_m2 = y + static_cast<size_t>(d.c) * part.parts;
  bn_stats_kernel<<<dim3(part.parts, d.c), kThreads, 0, stream>>>(d, part, act, x, part_sum, part_m2, out);
  CUDA_CHECK_LAUNCH();
  if (part.parts > 1) {
    bn_stats_combine_kernel<<<d.c, kThreads, 0, stream>>>(d, part, part_sum, part_m2, out);
    CUDA_CHECK_LAUNCH();
  }
  bn_apply_train_kernel<<<elementwise_blocks(d), kThreads, 0, stream>>>(d, act, dr, x, gamma, beta, save_mean,
                                                                        save_invstd, y);
  CUDA_CHECK_LAUNCH();
}

void act_bn_dropout_forward_eval_cuda(const BnShape& s, float eps, Activation act, const float* x,
                                      const float* gamma, const float* beta, const float* running_mean,
                                      const float* running_var, float* y, Stream stream) {
  const Dims d = dims_for(s, "act_bn_dropout_forward_eval_cuda");
  if (d.m == 0 || d.c == 0) return;
  const size_t smem = d.c <= kMaxStagedChannels ? 2 * sizeof(float) * d.c : 0;
  bn_apply_eval_kernel<<<elementwise_blocks(d), kThreads, smem, stream>>>(d, act, eps, x, gamma, beta,
                                                                          running_mean, running_var, y);
  CUDA_CHECK_LAUNCH();
}

void act_bn_dropout_backward_cuda(const BnShape& s, const BnDropoutParams& p, Activation act, const float* x,
                                  const float* gamma, const float* save_mean, const float* save_invstd,
                                  const float* dy, float* dx, float* dgamma, float* dbeta, Stream stream) {
  const Dims d = dims_for(s, "act_bn_dropout_backward_cuda");
  const DropoutArgs dr = dropout_args(p);
  GENER_CHECK(dx != x && dx != dy, "act_bn_dropout_backward_cuda: dx must alias neither x nor dy");
  GENER_CHECK(dgamma != nullptr && dbeta != nullptr, "act_bn_dropout_backward_cuda: dgamma and dbeta are required");
  if (d.c == 0) return;
  if (d.m == 0) {  // empty batch: zero parameter gradients, as the CPU reference
    CUDA_CHECK(cudaMemsetAsync(dgamma, 0, sizeof(float) * d.c, stream));
    CUDA_CHECK(cudaMemsetAsync(dbeta, 0, sizeof(float) * d.c, stream));
    return;
  }
  const Partition part = partition_for(d.m);
  float* part_dbeta = dx;  // (C, parts) scratch, overwritten by the apply kernel below
  float* part_dgamma = dx + static_cast<size_t>(d.c) * part.parts;
  bn_backward_reduce_kernel<<<dim3(part.parts, d.c), kThreads, 0, stream>>>(
      d, part, act, dr, x, dy, save_mean, save_invstd, part_dbeta, part_dgamma, dgamma, dbeta);
  CUDA_CHECK_LAUNCH();
  if (part.parts > 1) {
    bn_backward_combine_kernel<<<d.c, kThreads, 0, stream>>>(part, part_dbeta, part_dgamma, dgamma, dbeta);
    CUDA_CHECK_LAUNCH();
  }
  bn_backward_apply_kernel<<<elementwise_blocks(d), kThreads, 0, stream>>>(d, act, dr, x, dy, gamma, save_mean,
                                                                           save_invstd, dgamma, dbeta, dx);
  CUDA_CHECK_LAUNCH();
}

}  // namespace gener::kernels
