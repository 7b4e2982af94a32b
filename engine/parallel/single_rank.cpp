// single_rank.cpp — the one-rank communicator: every collective is the identity, nothing is sent.
#include <cstdio>
#include <cstdlib>

#include "engine/parallel/comm.h"

namespace gener::parallel {
namespace {

class SingleRank final : public Comm {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_size() const override { return 1; }
  std::string name() const override { return "one rank"; }
  void allreduce_sum(float*, size_t, Memory) override {}
  void allreduce_sum(double*, size_t) override {}
  std::vector<std::vector<char>> gather(const std::vector<char>& bytes) override { return {bytes}; }
  void broadcast(void*, size_t, int) override {}
  void barrier() override {}
  [[noreturn]] void abort(int code) noexcept override {
    std::fflush(nullptr);
    std::_Exit(code);
  }
};

}  // namespace

std::unique_ptr<Comm> make_single_rank() { return std::make_unique<SingleRank>(); }

void fail_job(Comm& world, const std::string& message) {
  if (world.size() > 1)
    std::fprintf(stderr, "gener: error: rank %d: %s\n", world.rank(), message.c_str());
  else
    std::fprintf(stderr, "gener: error: %s\n", message.c_str());
  std::fflush(stderr);
  if (world.size() > 1) world.abort(1);
}

}  // namespace gener::parallel
