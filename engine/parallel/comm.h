// comm.h — the ranks of one job and the few collectives gener needs (all-reduce, gather to rank 0, broadcast,
// barrier) behind one interface: one rank (a plain run), MPI (host buffers) or NCCL (device buffers, GPU ranks).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace gener::parallel {

// Where a buffer handed to a collective lives.
enum class Memory { Host, Device };

class Comm {
 public:
  virtual ~Comm() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_rank() const = 0;  // rank among the ranks on this node: picks the GPU
  virtual int local_size() const = 0;  // ranks on this node: shares the cores
  virtual std::string name() const = 0;  // "one rank", "MPI (2 ranks)", "NCCL (2 ranks)"

  // In-place sum over ranks of n floats at `buf`; every rank receives the identical result.
  virtual void allreduce_sum(float* buf, size_t n, Memory where) = 0;
  // In-place sum of n doubles in host memory (losses, counts).
  virtual void allreduce_sum(double* buf, size_t n) = 0;
  // Rank 0 receives every rank's bytes, in rank order (its own first); the other ranks receive nothing.
  virtual std::vector<std::vector<char>> gather(const std::vector<char>& bytes) = 0;
  // `bytes` bytes at `data` (host) copied from `root` to every rank.
  virtual void broadcast(void* data, size_t bytes, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job with exit status `code` (MPI_Abort); a plain process just exits.
  [[noreturn]] virtual void abort(int code) noexcept = 0;

  bool is_root() const { return rank() == 0; }
};

// The job this process belongs to: MPI when the build has it and a launcher (mpirun, mpiexec, srun) started the
// process, else one rank, without initialising MPI. A launcher asking for several ranks in a build without MPI,
// or srun tasks that MPI does not connect, is an error naming the environment variable. Initialises and (at
// destruction) finalises MPI; create it once, first thing in main.
std::unique_ptr<Comm> make_world();

// One rank, no communication: what a plain run and the serial tests use.
std::unique_ptr<Comm> make_single_rank();

// A communicator for device buffers over the ranks of `host` (NCCL, its unique id broadcast over `host`), using
// GPU `device`; Host-memory and non-reduce collectives go through `host`. Without NCCL in the build: nullptr.
std::unique_ptr<Comm> make_device_comm(Comm& host, int device);

// What this build links: "MPI (Open MPI 4.1.4)", "NCCL 2.x" or "none".
std::string mpi_library();
bool have_nccl();

// Prints "gener: error: MESSAGE" (prefixed "rank R: " in a multi-rank job) as one line on stderr, flushed, then
// ends the whole job (MPI_Abort) when it has several ranks, so no rank waits forever on one that failed.
void fail_job(Comm& world, const std::string& message);

}  // namespace gener::parallel
