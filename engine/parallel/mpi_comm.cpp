// mpi_comm.cpp — Comm over MPI_COMM_WORLD: host collectives, large messages in chunks, device buffers staged
// through host memory (a GPU build without NCCL). Errors are fatal to the whole job (MPI's default handler).
#if defined(GENER_HAVE_MPI)
#include "engine/parallel/mpi_comm.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <vector>

#if defined(GENER_HAVE_CUDA)
#include <cuda_runtime.h>
#endif

#include "kernels/check.h"

namespace gener::parallel {
namespace {

constexpr size_t kChunk = size_t{1} << 30;  // elements per MPI call: counts are int
constexpr int kGatherTag = 7101;

class MpiComm final : public Comm {
 public:
  MpiComm() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
      owns_ = true;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node_);
    MPI_Comm_rank(node_, &local_rank_);
    MPI_Comm_size(node_, &local_size_);
  }
  ~MpiComm() override {
    MPI_Comm_free(&node_);
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (owns_ && !finalised) MPI_Finalize();
  }
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  int local_size() const override { return local_size_; }
  std::string name() const override { return "MPI (" + std::to_string(size_) + (size_ == 1 ? " rank)" : " ranks)"); }

  void allreduce_sum(float* buf, size_t n, Memory where) override {
    switch (where) {
      case Memory::Host: host_sum(buf, n); return;
      case Memory::Device: device_sum(buf, n); return;
    }
  }
  void allreduce_sum(double* buf, size_t n) override {
    for (size_t i = 0; i < n; i += kChunk)
      MPI_Allreduce(MPI_IN_PLACE, buf + i, static_cast<int>(std::min(kChunk, n - i)), MPI_DOUBLE, MPI_SUM,
                    MPI_COMM_WORLD);
  }

  std::vector<std::vector<char>> gather(const std::vector<char>& bytes) override {
    unsigned long long mine = bytes.size();
    std::vector<unsigned long long> sizes(static_cast<size_t>(rank_ == 0 ? size_ : 1));
    MPI_Gather(&mine, 1, MPI_UNSIGNED_LONG_LONG, sizes.data(), 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rank_ != 0) {
      for (size_t i = 0; i < bytes.size(); i += kChunk)
        MPI_Send(bytes.data() + i, static_cast<int>(std::min(kChunk, bytes.size() - i)), MPI_BYTE, 0, kGatherTag,
                 MPI_COMM_WORLD);
      return {};
    }
    std::vector<std::vector<char>> all(static_cast<size_t>(size_));
    all[0] = bytes;
    for (int r = 1; r < size_; ++r) {
      std::vector<char>& b = all[static_cast<size_t>(r)];
      b.resize(static_cast<size_t>(sizes[static_cast<size_t>(r)]));
      for (size_t i = 0; i < b.size(); i += kChunk)
        MPI_Recv(b.data() + i, static_cast<int>(std::min(kChunk, b.size() - i)), MPI_BYTE, r, kGatherTag,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    return all;
  }

  void broadcast(void* data, size_t bytes, int root) override {
    char* p = static_cast<char*>(data);
    for (size_t i = 0; i < bytes; i += kChunk)
      MPI_Bcast(p + i, static_cast<int>(std::min(kChunk, bytes - i)), MPI_BYTE, root, MPI_COMM_WORLD);
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
  [[noreturn]] void abort(int code) noexcept override {
    std::fflush(nullptr);
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this only satisfies [[noreturn]]
  }

 private:
  void host_sum(float* buf, size_t n) {
    for (size_t i = 0; i < n; i += kChunk)
      MPI_Allreduce(MPI_IN_PLACE, buf + i, static_cast<int>(std::min(kChunk, n - i)), MPI_FLOAT, MPI_SUM,
                    MPI_COMM_WORLD);
  }
  // A device buffer without NCCL: copy to host, sum there, copy back (synchronous).
  void device_sum(float* buf, size_t n) {
#if defined(GENER_HAVE_CUDA)
    staging_.resize(n);
    GENER_CHECK(cudaMemcpy(staging_.data(), buf, n * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess,
                "MPI all-reduce: copying " << n << " floats from the GPU failed");
    host_sum(staging_.data(), n);
    GENER_CHECK(cudaMemcpy(buf, staging_.data(), n * sizeof(float), cudaMemcpyHostToDevice) == cudaSuccess,
                "MPI all-reduce: copying " << n << " floats to the GPU failed");
#else
    GENER_THROW("MPI all-reduce: a device buffer in a build without CUDA (" << n << " floats)");
#endif
  }

  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  bool owns_ = false;
  MPI_Comm node_ = MPI_COMM_NULL;
  std::vector<float> staging_;
};

}  // namespace

std::unique_ptr<Comm> make_mpi_world() { return std::make_unique<MpiComm>(); }

std::string mpi_library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string v(buf, static_cast<size_t>(std::max(len, 0)));
  const size_t cut = v.find_first_of(",\n");
  return cut == std::string::npos ? v : v.substr(0, cut);
}

}  // namespace gener::parallel
#endif  // GENER_HAVE_MPI
