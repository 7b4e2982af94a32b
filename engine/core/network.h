// network.h — the backend interface: a planned GENER graph with its parameter, gradient, state and optimizer buffers.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/config.h"
#include "engine/core/graph.h"
#include "engine/core/plan.h"
#include "kernels/lowp.h"

namespace gener::core {

enum class DeviceKind { Cpu, Cuda };
const char* device_name(DeviceKind d);
// "cpu", "cuda" or "auto" (the GPU when one is present and the build has CUDA); a clear error otherwise.
DeviceKind resolve_device(const std::string& name);

// Learning rate at a 0-based step: lr0 * rate^(step / steps), floored exponent when staircase.
float learning_rate_at(const TrainConfig& c, long long step);

// This rank's part of a global training batch: rows [row0, row0 + B) of `global_batch` rows. The loss gradient
// carries 1 / global_batch, so the sum of every rank's gradient buffers is the mean gradient of the global batch,
// and dropout masks are keyed by the global row, so they do not depend on how many ranks share the batch.
struct BatchShare {
  long long row0 = 0;
  int global_batch = 0;
};

// One network instance on one device. Built once; no allocation happens inside train_step / predict.
class Network {
 public:
  virtual ~Network() = default;
  const Graph& graph() const { return graph_; }
  const MemoryPlan& plan() const { return plan_; }
  int max_batch() const { return plan_.max_batch; }

  // Host copies of the one parameter buffer, the gradient buffer (same layout) and the state buffer.
  virtual std::vector<float> get_params() const = 0;
  virtual void set_params(const std::vector<float>& p) = 0;
  virtual std::vector<float> get_grads() const = 0;
  virtual std::vector<float> get_state() const = 0;
  virtual void set_state(const std::vector<float>& s) = 0;
  virtual std::vector<float> get_opt_state() const = 0;  // optimizer moments, 2 x n_params
  virtual void set_opt_state(const std::vector<float>& s) = 0;

  // The expression matrix (G, L), kept resident for the network's life (copied).
  virtual void set_expression(const float* expr, int n_genes) = 0;

  // Training: forward + backward on one batch (pairs (B, 2), labels (B)); fills the gradient buffer and
  // returns the mean cross-entropy. `step` selects the dropout masks.
  float forward_backward(const int32_t* pairs, const int32_t* labels, int B, uint64_t step) {
    return forward_backward(pairs, labels, B, step, BatchShare{0, B});
  }
  // The same on a share of a global batch (data-parallel ranks); B may be 0 (zero gradients, loss 0).
  virtual float forward_backward(const int32_t* pairs, const int32_t* labels, int B, uint64_t step,
                                 const BatchShare& share) = 0;
  // The gradient buffer (n_params floats, Graph::params layout) where the backend keeps it: host memory on the
  // CPU, device memory on a GPU. Data-parallel training sums it over ranks between forward_backward and
  // apply_update.
  virtual float* gradient_buffer() = 0;
  virtual bool gradients_on_device() const = 0;
  // Optimizer update from the gradient buffer; `t` is the 1-based update count (Adam bias correction).
  virtual void apply_update(float lr, long long t) = 0;
  // Inference (batchnorm running statistics, no dropout): P(interacting) per pair into p_pos (B).
  // With labels, also returns the summed cross-entropy of the batch.
  virtual double predict(const int32_t* pairs, int B, float* p_pos, const int32_t* labels = nullptr) = 0;

  // Makes ready whatever a batch of B pairs needs beyond max_batch's (the CUDA backend plans its convolutions per
  // batch size), so the tail batch of a run allocates and plans nothing inside a timed loop. Cheap if done before.
  virtual void prepare_batch(int B) {}

  // One training step without a host synchronisation: forward + backward on (pairs, labels), then the update with
  // learning rate `lr` and update count `t`. The batch's summed loss accumulates on the device; take_loss_sum()
  // returns (and resets) the sum and the number of pairs since the last call — read it every N steps. The CUDA
  // backend replays the step as a CUDA graph. This default runs forward_backward + apply_update.
  virtual void train_step(const int32_t* pairs, const int32_t* labels, int B, uint64_t step, float lr, long long t) {
    pending_loss_ += static_cast<double>(forward_backward(pairs, labels, B, step)) * B;
    pending_pairs_ += B;
    apply_update(lr, t);
  }
  virtual std::pair<double, long long> take_loss_sum() {
    std::pair<double, long long> r{pending_loss_, pending_pairs_};
    pending_loss_ = 0;
    pending_pairs_ = 0;
    return r;
  }

 protected:
  Network(Graph g, int max_batch, PlanMode mode) : graph_(std::move(g)), plan_(plan_memory(graph_, max_batch, mode)) {}
  Graph graph_;
  MemoryPlan plan_;
  double pending_loss_ = 0;  // the default train_step's loss sum since take_loss_sum()
  long long pending_pairs_ = 0;
};

// How the CUDA backend scores: layer by layer (cuDNN convolutions, cuBLAS dense), or the CNN branch in one fused
// kernel per tile of pairs (gather, conv1..conv3, first dense layer in shared memory). The CPU backend always runs
// its layers.
enum class ScorePath { Layers, FusedCnn };
const char* score_path_name(ScorePath p);
ScorePath parse_score_path(const std::string& s);  // "layers" | "fused"; a clear error otherwise

struct NetworkOptions {
  DeviceKind device = DeviceKind::Cpu;
  int max_batch = 64;
  PlanMode mode = PlanMode::Inference;
  TrainConfig train;  // optimizer kind and hyper-parameters; train.seed seeds the dropout streams
  // Inference: batchnorm folded into the next layer's weights (engine/core/fold_bn.h). Off: the reference path.
  bool fold_bn = true;
  // CPU inference: bf16 or int8 layers (engine/core/lowp_plan.h; needs fold_bn). One the CPU lacks runs as fp32
  // (kernels::resolve_precision says so). Training and the CUDA backend are always fp32.
  kernels::Precision precision = kernels::Precision::Fp32;
  ScorePath score_path = ScorePath::Layers;
  bool allow_tf32 = false;  // CUDA: TF32 tensor cores for cuBLAS/cuDNN and the fused kernel (fp32 when off)
  bool cuda_graphs = true;  // CUDA: train_step replays a captured graph
  // Debug: fill the activation arena with NaN before every pass, so an op that reads what nothing wrote yields
  // NaN and fails a parity test. Also on when the environment has GENER_DEBUG_NAN_ARENA=1.
  bool debug_nan_fill = false;
  int gpu = 0;        // CUDA device (one GPU per rank: its local rank)
  // CPU training: the batchnorm blocks' work runs row by row inside the neighbouring convolutions' per-sample loops,
  // while each row is in cache (forward, a block's output is made as the next conv reads it and never stored;
  // backward, both halves). Off: whole-lane passes over memory. The same bits either way.
  bool row_fusion = true;
  // CPU training with row fusion: the first convolution (fed by the pair features, so no input gradient) is remade
  // row by row from its input wherever its output is read, and its weight gradient comes from sums the batchnorm
  // block after it gathers row by row (kernels/conv_bn_fold.h): neither the conv's output nor the block's gradient
  // is kept, and the conv runs no backward pass. The conv's gradients are within rounding of the unfolded step's
  // (the same sums added in another order); everything else is the same bits. Off: the first conv runs as the others.
  bool first_conv_fold = true;
};
bool debug_nan_fill_requested(const NetworkOptions& opt);  // the option or the environment variable

// Host memory the network of `g` with `opt` will hold (checked against the available memory before it is made;
// make_network throws OutOfMemory naming the batch and threads rather than allocating more than there is).
uint64_t network_host_bytes(const Graph& g, const NetworkOptions& opt);
std::unique_ptr<Network> make_network(const Graph& g, const NetworkOptions& opt);
std::unique_ptr<Network> make_cpu_network(const Graph& g, const NetworkOptions& opt);
#if defined(GENER_HAVE_CUDA)
// The CUDA backend (engine/core/cuda_network.cu): one GPU (device 0), fp32 without TF32; throws without a GPU.
std::unique_ptr<Network> make_cuda_network(const Graph& g, const NetworkOptions& opt);
#endif

// The batchnorm/dropout parameters of an ActBnDropout node at a training step: every backend derives the
// dropout stream the same way from the run seed and the node, so masks agree element by element. `row0` is the
// batch's first row in the global batch: element indices count from there.
kernels::BnDropoutParams bn_dropout_params(const Node& n, uint64_t run_seed, uint64_t step, long long row0 = 0);

// Keras-style initialisation from a seed: Glorot-uniform weights, zero biases, batchnorm gamma 1 / beta 0,
// running mean 0 / variance 1.
std::vector<float> init_params(const Graph& g, uint64_t seed);
std::vector<float> init_state(const Graph& g);

}  // namespace gener::core
