// cuda_step_graph.h — work queued on a stream, captured as a CUDA graph and replayed. Each run() captures anew and
// updates the instantiated graph in place (cudaGraphExecUpdate keeps it when only kernel arguments changed), and
// instantiates again when the topology changed (another batch size). CUDA builds only.
#pragma once
#include <cuda_runtime.h>

#include "kernels/cuda_check.h"

namespace gener::core {

class StepGraph {
 public:
  StepGraph() = default;
  ~StepGraph() {
    if (exec_ != nullptr) GENER_CUDA_WARN(cudaGraphExecDestroy(exec_) == cudaSuccess, "cudaGraphExecDestroy");
  }
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  // enqueue() queues the step's work on `stream`; it is captured (not run), then the graph is launched there.
  template <typename Enqueue>
  void run(cudaStream_t stream, Enqueue&& enqueue) {
    cudaGraph_t graph = nullptr;
    CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (...) {
      cudaStreamEndCapture(stream, &graph);
      if (graph != nullptr) cudaGraphDestroy(graph);
      throw;
    }
    CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
    bool updated = false;
    if (exec_ != nullptr) {
      cudaGraphExecUpdateResultInfo info;
      updated = cudaGraphExecUpdate(exec_, graph, &info) == cudaSuccess;
      if (!updated) {
        (void)cudaGetLastError();
        GENER_CUDA_WARN(cudaGraphExecDestroy(exec_) == cudaSuccess, "cudaGraphExecDestroy");
        exec_ = nullptr;
      }
    }
    if (!updated) {
      const cudaError_t e = cudaGraphInstantiate(&exec_, graph, 0);
      if (e != cudaSuccess) {
        cudaGraphDestroy(graph);
        exec_ = nullptr;
        CUDA_CHECK(e);
      }
    }
    CUDA_CHECK(cudaGraphDestroy(graph));
    CUDA_CHECK(cudaGraphLaunch(exec_, stream));
  }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace gener::core
