// lowp_plan.h — the CPU backend's reduced-precision scoring plan: which layers of a batchnorm-folded GENER graph run
// in bf16 or int8 (kernels/lowp.h), with their weights packed once per parameter set. Every 1-row convolution and
// every dense layer followed by a folded batchnorm qualifies (conv2, conv3, cnn.fc1, mlp.fc1, mlp.fc2 in the paper
// model); the pair gather, conv1 (2 rows, 4 taps) and the softmax stay fp32, and so does the head, computed here row
// by row so that a pair's score never depends on the rows beside it (sgemm's blocking may). At int8, a dense layer
// that reads the pair features themselves (mlp.fc1) stays fp32: one scale per row of z-scored expression with its
// outliers leaves too few levels for the bulk (real data: 98.98% of fp32's top 10,000 kept at int8, 99.61% so).
// bf16 on AMX tiles goes further: conv1 joins the plan (fp32 arithmetic, bf16 output), and each convolution writes
// its output straight into the next layer's input layout (conv1 → conv2 → conv3 → cnn.fc1), so the CNN branch
// holds no fp32 tensor between the pair gather and fc1's output. fp32 (AVX2 or AVX-512) chains the
// convolutions the same way in fp32 (kernels/conv_chain_fp32.h: conv1 → conv2 → conv3 position-major, conv3 writing
// the channel-major tensor fc1 reads), to the same bits as the direct kernels; on AVX-512 conv1 runs inside conv2's
// kernel (kernels::conv_chain_forward_fused), its output held block by block in L1.
#pragma once
#include <cstddef>
#include <vector>

#include "engine/core/fold_bn.h"
#include "engine/core/graph.h"
#include "kernels/conv_chain_fp32.h"
#include "kernels/lowp.h"

namespace gener::core {

// A thread's reduced-precision activations: a layer's converted input, and the next layer's when a layer writes its
// output straight into the input layout of the layer that reads it (bf16 on AMX: conv → conv, conv → dense).
struct LowpScratch {
  kernels::LowpActs acts[2];
  int fed = -1;  // acts[fed] holds the input of the layer that runs next (written by the one before), or -1
  const float* fused_x = nullptr;  // fp32: the input of a chain convolution that runs inside the next one
};

class LowpPlan {
 public:
  // p: Bf16 or Int8 supported by this CPU (kernels::resolve_precision), or Fp32 where fp32_dense_fast_available():
  // then the dense layers run here (fp32 rows, each on its own), and so do the convolutions, handing
  // position-major activations from one to the next.
  LowpPlan(const Graph& g, const BnFoldPlan& fold, kernels::Precision p);
  kernels::Precision precision() const { return prec_; }
  int layers() const { return static_cast<int>(layers_.size()); }

  // Node i (a Conv2d or Dense) runs here. fuses_next(i): its epilogue applies the activation of the batchnorm node
  // i + 1, whose folded affine is the identity, so the forward writes node i + 1's output; else (the head) node i's.
  bool runs(size_t i) const { return i < slot_.size() && slot_[i] >= 0; }
  bool fuses_next(size_t i) const { return !layers_[static_cast<size_t>(slot_[i])].head; }
  // The precision node i's weights are packed in (the plan's, or Fp32: the head, and int8's input layer).
  kernels::Precision layer_precision(size_t i) const;
  // Packs every planned layer's weights from the folded parameter buffer (fold_bn's fparams).
  void pack(const Graph& g, const float* fparams);
  // Some convolution runs here on fp32 (the chain).
  bool has_conv_chain() const {
    for (const Layer& l : layers_)
      if (l.chain) return true;
    return false;
  }
  // Node i hands its output to the next planned layer in that layer's layout: y is then not written.
  bool writes_into_next(size_t i) const { return runs(i) && layers_[static_cast<size_t>(slot_[i])].into >= 0; }
  // Sizes a per-thread scratch for micro-batches of up to max_batch pairs (no allocation in forward after this).
  void reserve(LowpScratch& s, int max_batch) const;
  // x: node i's input (B, in) fp32, unless the layer before wrote it into the scratch; y: the output (B, out) fp32
  // (node i + 1's when fuses_next(i), else node i's), unless writes_into_next(i).
  void forward(size_t i, int B, const float* x, float* y, LowpScratch& scratch) const;

 private:
  struct Layer {
    size_t node = 0;
    bool conv = false, head = false;
    bool full_height = false;     // a conv spanning its input's height (conv1; AMX only, always handing over)
    kernels::Precision prec = kernels::Precision::Fp32;  // of the packed weights
    int width = 0;  // conv: input width W
    kernels::Activation act = kernels::Activation::Relu;
    int into = -1;      // index of the layer whose input this one writes directly (AMX conv → conv / dense), or -1
    bool fed = false;   // this layer's input is written by the layer before it
    bool position_major = false;  // dense over a conv output read (W, C)-major: weights permuted at packing
    bool chain = false;  // fp32: a convolution of kernels/conv_chain_fp32.h (chain_w, not w)
    int fused_from = -1;  // fp32 chain: the layer before runs inside this one's kernel (conv_chain_forward_fused)
    bool fused_into = false;  // ... and this is that layer: its forward only hands its input on
    kernels::ConvChainWeights chain_w;
    kernels::LowpWeights w;
    std::vector<float> head_w;  // the head: fp32 (out, in)
  };
  static size_t chain_out_bytes(const Layer& l, int batch);  // a chain convolution's position-major output
  kernels::Precision prec_;
  std::vector<int> slot_;  // per node: index into layers_, or -1
  std::vector<Layer> layers_;
};

}  // namespace gener::core
