// lowp_plan.cpp — reduced-precision scoring plan of the CPU backend (see lowp_plan.h).
#include "engine/core/lowp_plan.h"

#include <algorithm>

#include "kernels/check.h"
#include "kernels/cpu_features.h"

namespace gener::core {

namespace k = gener::kernels;

LowpPlan::LowpPlan(const Graph& g, const BnFoldPlan& fold, k::Precision p) : prec_(p) {
  GENER_CHECK(p == k::Precision::Fp32 ? k::fp32_dense_fast_available() : k::precision_supported(p),
              "LowpPlan: precision " << k::precision_name(p) << " has no kernels on this CPU");
  // fp32: the convolutions hand position-major activations along (kernels/conv_chain_fp32.h).
  const bool chain = p == k::Precision::Fp32 && k::fp32_simd() != k::Fp32Simd::None;
  slot_.assign(g.nodes.size(), -1);
  std::vector<bool> pair_feature(g.tensors.size(), false);  // tensors written by the pair gather
  for (const Node& n : g.nodes)
    if (n.op == OpKind::PairFeatures)
      for (int t : n.out) pair_feature[static_cast<size_t>(t)] = true;
  for (size_t i = 0; i + 1 < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const Node& next = g.nodes[i + 1];
    if (n.op == OpKind::Dense && next.op == OpKind::SoftmaxXent && next.in[0] == n.out[0]) {  // the head
      Layer l;
      l.node = i;
      l.head = true;
      slot_[i] = static_cast<int>(layers_.size());
      layers_.push_back(l);
      continue;
    }
    if (next.op != OpKind::ActBnDropout || !fold.folded(i + 1) || next.in[0] != n.out[0]) continue;
    Layer l;
    l.node = i;
    l.act = next.act;
    l.prec = p;
    const bool one_row = n.conv.h == 1 && n.conv.kh == 1 && n.conv.c_in >= 2;
    // bf16 on AMX also takes a convolution spanning its input's height (conv1), if it can hand over (below).
    const bool full_height = n.conv.h >= 2 && n.conv.kh == n.conv.h && k::lowp_packs_for_amx(p) &&
                             n.conv.c_in * n.conv.kh * n.conv.kw <= k::kMaxFullHeightTaps;
    // fp32 takes every convolution of output height 1.
    const bool chain_conv = chain && n.conv.kh == n.conv.h && n.conv.w >= n.conv.kw;
    if (n.op == OpKind::Conv2d && (chain_conv || (p != k::Precision::Fp32 && (one_row || full_height)))) {
      l.conv = true;
      l.chain = chain_conv;
      l.full_height = !chain_conv && !one_row;
      l.width = n.conv.w;
      l.w.out = n.conv.c_out;
      l.w.c_in = n.conv.c_in;
      l.w.kh = n.conv.kh;
      l.w.kw = n.conv.kw;
      l.w.k = n.conv.c_in * n.conv.kh * n.conv.kw;
    } else if (!(n.op == OpKind::Dense && n.dense_in >= 32)) {
      continue;
    } else {
      if (p == k::Precision::Int8 && pair_feature[static_cast<size_t>(n.in[0])]) l.prec = k::Precision::Fp32;
      l.w.out = n.dense_out;
      l.w.k = n.dense_in;
    }
    // The shape the weights will be packed in (pack), so that reserve can size the scratch before them.
    l.w.prec = l.prec;
    l.w.amx = k::lowp_packs_for_amx(l.prec);
    slot_[i] = static_cast<int>(layers_.size());
    layers_.push_back(l);
  }
  // bf16 on AMX: a convolution whose (folded) batchnorm output only the next planned layer reads writes it there in
  // that layer's layout: another convolution of matching channels and width, or a dense layer over it flattened.
  // fp32: a chain convolution hands over to a 1-row chain convolution the same way.
  for (Layer& a : layers_) {
    if (!a.conv || !(a.w.amx || a.chain) || a.node + 2 >= g.nodes.size() || slot_[a.node + 2] < 0) continue;
    Layer& b = layers_[static_cast<size_t>(slot_[a.node + 2])];
    const Node& bn = g.nodes[a.node + 1];
    const Node& nb = g.nodes[b.node];
    const int wo = a.width - a.w.kw + 1;
    if (b.head || nb.in[0] != bn.out[0] || g.tensors[bn.out[0]].consumer != static_cast<int>(b.node)) continue;
    const bool to_conv = b.conv && b.w.c_in == a.w.out && b.width == wo && !b.full_height;
    const bool fits = a.chain ? b.chain && b.w.kh == 1 && to_conv
                              : b.w.amx && (b.conv ? to_conv : !a.full_height && nb.dense_in == a.w.out * wo);
    if (!fits) continue;
    a.into = slot_[b.node];
    b.fed = true;
    b.position_major = !b.conv;
  }
  for (const Layer& l : layers_)  // a full-height convolution has no fp32 output here: without a hand-over, not planned
    if (l.full_height && l.into < 0) slot_[l.node] = -1;
}

void LowpPlan::pack(const Graph& g, const float* fparams) {
  for (Layer& l : layers_) {
    const Node& n = g.nodes[l.node];
    const float* w = fparams + g.params[n.p_weight].offset;
    const float* b = fparams + g.params[n.p_bias].offset;
    if (l.head) {
      l.head_w.assign(w, w + static_cast<size_t>(n.dense_out) * n.dense_in);
      l.w.bias.assign(b, b + n.dense_out);
      l.w.out = n.dense_out;
      l.w.k = n.dense_in;
      continue;
    }
    // The kernel chosen when the plan was made (the chains depend on it).
    const bool amx = l.w.amx;
    const k::LowpKernel kernel = amx ? k::LowpKernel::Best : k::LowpKernel::Avx512;
    if (l.chain) {
      l.chain_w = k::conv_chain_pack(n.conv.c_out, n.conv.c_in, n.conv.kh, n.conv.kw, n.conv.w, l.fed, w, b);
      if (l.fed) {  // conv1 → conv2 in one kernel where the shapes and the CPU allow (decided with both packed)
        const int me = static_cast<int>(&l - layers_.data());
        Layer& a = layers_[static_cast<size_t>(me) - 1];
        const bool fuse = a.chain && a.into == me && k::conv_chain_fusable(a.chain_w, l.chain_w);
        a.fused_into = fuse;
        l.fused_from = fuse ? me - 1 : -1;
      }
    } else if (l.full_height) {
      l.w = k::conv_full_height_pack(n.conv.c_out, n.conv.c_in, n.conv.kh, n.conv.kw, w, b);
    } else if (l.position_major) {  // the conv before writes (W, C)-major: the weights follow
      const Node& conv = g.nodes[l.node - 2];
      const std::vector<float> wp =
          k::dense_weights_position_major(w, n.dense_out, conv.conv.c_out, conv.conv.w - conv.conv.kw + 1);
      l.w = k::dense_lowp_pack(l.prec, n.dense_out, n.dense_in, wp.data(), b, kernel);
    } else {
      l.w = l.conv ? k::conv1row_lowp_pack(prec_, n.conv.c_out, n.conv.c_in, n.conv.kw, w, b, kernel)
                   : k::dense_lowp_pack(l.prec, n.dense_out, n.dense_in, w, b, kernel);
    }
    GENER_CHECK(l.w.amx == amx, "LowpPlan: AMX-BF16 " << (amx ? "went away" : "appeared") << " (GENER_CPU_DISABLE "
                                "changed?) between planning and packing layer " << n.name);
  }
}

void LowpPlan::reserve(LowpScratch& s, int max_batch) const {
  size_t bytes = 0;
  for (const Layer& l : layers_) {
    if (l.head) continue;
    if (l.chain) {  // its position-major output, when it hands over
      if (l.into >= 0) bytes = std::max(bytes, chain_out_bytes(l, max_batch));
      continue;
    }
    bytes = std::max(bytes, l.conv ? k::conv1row_lowp_bytes(l.w, max_batch, l.width) : k::dense_lowp_bytes(l.w, max_batch));
  }
  const size_t rows = static_cast<size_t>(max_batch + 47) / 48 * 48;  // dense rows: padded to 16 or 24, within 48
  for (k::LowpActs& a : s.acts) {
    a.data.reserve(bytes);
    a.scale.reserve(rows);
    a.zero.reserve(rows);
  }
}

size_t LowpPlan::chain_out_bytes(const Layer& l, int batch) {
  return static_cast<size_t>(batch) * (l.width - l.w.kw + 1) * k::conv_chain_stride(l.w.out) * sizeof(float);
}

k::Precision LowpPlan::layer_precision(size_t i) const {
  GENER_CHECK(runs(i), "LowpPlan: node " << i << " is not in the plan");
  return layers_[static_cast<size_t>(slot_[i])].prec;
}

void LowpPlan::forward(size_t i, int B, const float* x, float* y, LowpScratch& scratch) const {
  const Layer& l = layers_[static_cast<size_t>(slot_[i])];
  if (l.head) {  // y = x · Wᵀ + b, one row at a time in a fixed order
    const int in = l.w.k, out = l.w.out;
    for (int r = 0; r < B; ++r)
      for (int o = 0; o < out; ++o) {
        const float* xr = x + static_cast<size_t>(r) * in;
        const float* wr = l.head_w.data() + static_cast<size_t>(o) * in;
        float acc = 0.f;
        for (int q = 0; q < in; ++q) acc += xr[q] * wr[q];
        y[static_cast<size_t>(r) * out + o] = acc + l.w.bias[static_cast<size_t>(o)];
      }
    return;
  }
  if (l.chain) {  // fp32: from x or the layer before's position-major output, into the next or into y
    if (l.fused_into) {  // runs inside the next layer's kernel, on this input
      scratch.fused_x = x;
      scratch.fed = -1;
      return;
    }
    const float* src = x;
    const Layer* first = nullptr;  // the layer fused into this one, which reads x
    int out = 0;
    if (l.fused_from >= 0) {
      GENER_CHECK(scratch.fused_x, "LowpPlan: node " << i << " runs before the layer fused into it");
      GENER_CHECK(l.into >= 0, "LowpPlan: a fused convolution pair must hand over to the next layer");
      first = &layers_[static_cast<size_t>(l.fused_from)];
      src = scratch.fused_x;
      scratch.fused_x = nullptr;
    } else if (l.fed) {
      GENER_CHECK(scratch.fed >= 0, "LowpPlan: node " << i << " runs before the layer that writes its input");
      src = reinterpret_cast<const float*>(scratch.acts[scratch.fed].data.data());
      out = 1 - scratch.fed;
    }
    scratch.fed = -1;
    if (l.into < 0) {
      k::conv_chain_forward(l.chain_w, B, src, l.act, false, y);
      return;
    }
    auto& dst = scratch.acts[out].data;
    if (dst.size() < chain_out_bytes(l, B)) dst.resize(chain_out_bytes(l, B));  // within reserve: no allocation
    float* yp = reinterpret_cast<float*>(dst.data());
    if (first) k::conv_chain_forward_fused(first->chain_w, l.chain_w, B, src, first->act, l.act, yp);
    else k::conv_chain_forward(l.chain_w, B, src, l.act, true, yp);
    scratch.fed = out;
    return;
  }
  if (l.full_height) {  // fp32 x, straight into the next convolution's input
    k::conv_full_height_forward_into(l.w, B, l.width, x, l.act, layers_[static_cast<size_t>(l.into)].w, scratch.acts[0]);
    scratch.fed = 0;
    return;
  }
  // The input: written by the layer before, or converted here from x.
  int in = 0;
  if (l.fed) {
    GENER_CHECK(scratch.fed >= 0, "LowpPlan: node " << i << " runs before the layer that writes its input");
    in = scratch.fed;
  } else if (l.conv) {
    k::conv1row_lowp_convert(l.w, B, l.width, x, scratch.acts[0]);
  } else {
    k::dense_lowp_convert(l.w, B, x, scratch.acts[0]);
  }
  scratch.fed = -1;
  const k::LowpActs& a = scratch.acts[in];
  if (l.into >= 0) {
    k::conv1row_lowp_forward_into(l.w, B, l.width, a, l.act, layers_[static_cast<size_t>(l.into)].w,
                                  scratch.acts[1 - in]);
    scratch.fed = 1 - in;
  } else if (l.conv) {
    k::conv1row_lowp_forward(l.w, B, l.width, a, l.act, y);
  } else {
    k::dense_lowp_forward(l.w, B, a, l.act, y);
  }
}

}  // namespace gener::core
