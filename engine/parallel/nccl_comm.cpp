// nccl_comm.cpp — Comm for GPU ranks: NCCL all-reduce of device buffers (one GPU per rank; the communicator is
// built from a unique id that rank 0 broadcasts over MPI); everything else goes through the host communicator.
// UNVERIFIED on a GPU: compiled on a machine without one. make_device_comm returns nullptr without NCCL.
#include "engine/parallel/comm.h"

#if defined(GENER_HAVE_NCCL)
#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdlib>

#include "kernels/check.h"

#define GENER_NCCL_CHECK(call)                                                              \
  do {                                                                                      \
    const ncclResult_t gener_nccl_rc_ = (call);                                             \
    GENER_CHECK(gener_nccl_rc_ == ncclSuccess, #call << ": " << ncclGetErrorString(gener_nccl_rc_)); \
  } while (0)
#define GENER_CUDART_CHECK(call)                                                            \
  do {                                                                                      \
    const cudaError_t gener_cuda_rc_ = (call);                                              \
    GENER_CHECK(gener_cuda_rc_ == cudaSuccess, #call << ": " << cudaGetErrorString(gener_cuda_rc_)); \
  } while (0)

namespace gener::parallel {
namespace {

class NcclComm final : public Comm {
 public:
  NcclComm(Comm& host, int device) : host_(host) {
    GENER_CUDART_CHECK(cudaSetDevice(device));
    ncclUniqueId id{};
    if (host.rank() == 0) GENER_NCCL_CHECK(ncclGetUniqueId(&id));
    host.broadcast(&id, sizeof id, 0);
    GENER_NCCL_CHECK(ncclCommInitRank(&comm_, host.size(), id, host.rank()));
    GENER_CUDART_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~NcclComm() override {
    if (stream_) cudaStreamDestroy(stream_);
    if (comm_) ncclCommDestroy(comm_);
  }
  NcclComm(const NcclComm&) = delete;
  NcclComm& operator=(const NcclComm&) = delete;

  int rank() const override { return host_.rank(); }
  int size() const override { return host_.size(); }
  int local_rank() const override { return host_.local_rank(); }
  int local_size() const override { return host_.local_size(); }
  std::string name() const override { return "NCCL (" + std::to_string(size()) + " ranks)"; }

  // The caller's kernels that wrote `buf` have finished (the CUDA network synchronises its stream at the end of
  // a training step); this returns when the sum is in `buf` on every rank's device.
  void allreduce_sum(float* buf, size_t n, Memory where) override {
    switch (where) {
      case Memory::Host: host_.allreduce_sum(buf, n, Memory::Host); return;
      case Memory::Device:
        GENER_NCCL_CHECK(ncclAllReduce(buf, buf, n, ncclFloat, ncclSum, comm_, stream_));
        GENER_CUDART_CHECK(cudaStreamSynchronize(stream_));
        return;
    }
  }
  void allreduce_sum(double* buf, size_t n) override { host_.allreduce_sum(buf, n); }
  std::vector<std::vector<char>> gather(const std::vector<char>& bytes) override { return host_.gather(bytes); }
  void broadcast(void* data, size_t bytes, int root) override { host_.broadcast(data, bytes, root); }
  void barrier() override { host_.barrier(); }
  [[noreturn]] void abort(int code) noexcept override {
    if (comm_) ncclCommAbort(comm_);
    comm_ = nullptr;
    host_.abort(code);
    std::_Exit(code);  // not reached
  }

 private:
  Comm& host_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
};

}  // namespace

std::unique_ptr<Comm> make_device_comm(Comm& host, int device) { return std::make_unique<NcclComm>(host, device); }
bool have_nccl() { return true; }

}  // namespace gener::parallel

#else

namespace gener::parallel {
std::unique_ptr<Comm> make_device_comm(Comm&, int) { return nullptr; }
bool have_nccl() { return false; }
}  // namespace gener::parallel

#endif
