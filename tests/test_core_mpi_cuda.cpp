// test_core_mpi_cuda.cpp — data-parallel training of CUDA networks in a 2-rank job: gradient buffers summed on the
// devices by NCCL (one GPU per rank) and through host memory by MPI give the same, rank-identical weights.
// Skipped without a GPU (NCCL: without two); UNVERIFIED until run on GPU machines.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "engine/core/data_parallel.h"
#include "engine/core/network.h"
#include "kernels/cuda_probe.h"
#include "tests/mpi_world.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

using gener::testing::world;

#if defined(GENER_HAVE_CUDA)
constexpr int kL = 40, kGenes = 50, kBatch = 64;

struct Job {
  Graph g;
  std::vector<float> expr;
  std::vector<int32_t> ab, y;  // 8 global batches
  Job() : g(build_gener_graph(model(), kL)) {
    expr = test::random_uniform(static_cast<size_t>(kGenes) * kL, -2.f, 2.f, 3);
    for (float v : test::random_ints(2 * 8 * kBatch, 0, kGenes - 1, 4)) ab.push_back(static_cast<int32_t>(v));
    for (int i = 0; i < 8 * kBatch; ++i) y.push_back((i * 7) % 3 == 0 ? 1 : 0);
  }
  static ModelConfig model() {
    ModelConfig c;
    c.cnn_conv = {{8, 2, 2}, {4, 1, 3}};
    c.cnn_dense = {16};
    c.mlp_dense = {32};
    c.dropout = 0.5f;
    return c;
  }
  std::unique_ptr<Network> net(DeviceKind d, int gpu) const {
    NetworkOptions o;
    o.device = d;
    o.gpu = gpu;
    o.max_batch = kBatch;
    o.mode = PlanMode::Training;
    o.train.seed = 5;
    auto n = make_network(g, o);
    n->set_expression(expr.data(), kGenes);
    return n;
  }
  // Weights after 8 data-parallel steps.
  std::vector<float> train(Network& n, DataParallel& dp) const {
    for (int s = 0; s < 8; ++s) {
      const parallel::Range mine = dp.share(kBatch);
      const size_t r0 = static_cast<size_t>(s * kBatch + mine.begin);
      dp.forward_backward(n, ab.data() + 2 * r0, y.data() + r0, kBatch, static_cast<uint64_t>(s));
      n.apply_update(0.05f, s + 1);
    }
    return n.get_params();
  }
};

bool same_on_all_ranks(const std::vector<float>& v) {
  std::vector<char> b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  const auto all = world().gather(b);
  bool same = true;
  for (const auto& x : all) same = same && x == all[0];
  return same;
}
#endif

TEST(CudaMpiTrain, StagedAndNcclGradientSumsAgreeAndKeepRanksIdentical) {
  GENER_SKIP_UNLESS_RANKS(2);
#if !defined(GENER_HAVE_CUDA)
  GTEST_SKIP() << "built without CUDA";
#else
  // Every rank must take the same branch: decide on the smallest GPU count of the job.
  double gpus = kernels::cuda_device_count_safe(), none = gpus > 0 ? 0 : 1;
  world().allreduce_sum(&none, 1);
  if (none > 0) GTEST_SKIP() << "needs a CUDA GPU on every rank";
  const Job job;
  const int gpu = world().local_rank() % static_cast<int>(gpus);
  // Host-staged MPI sum (two ranks may share one GPU here).
  DataParallel staged(world());
  auto a = job.net(DeviceKind::Cuda, gpu);
  const std::vector<float> w_staged = job.train(*a, staged);
  const bool identical = same_on_all_ranks(w_staged);
  if (world().is_root()) {
    EXPECT_TRUE(identical) << "MPI-staged: weights differ between ranks";
  }
  // The same steps on the CPU backend, as a reference within fp32 tolerances.
  DataParallel cpu(world());
  auto c = job.net(DeviceKind::Cpu, 0);
  EXPECT_TRUE(test::all_close(w_staged, job.train(*c, cpu), 1e-4f, 1e-3f, "CUDA vs CPU weights after 8 steps"));
#if defined(GENER_HAVE_NCCL)
  double distinct = gpus >= world().local_size() ? 0 : 1;  // NCCL wants one GPU per rank
  world().allreduce_sum(&distinct, 1);
  if (distinct > 0) GTEST_SKIP() << "NCCL part needs one GPU per rank";
  std::unique_ptr<parallel::Comm> nccl = parallel::make_device_comm(world(), gpu);
  ASSERT_NE(nccl, nullptr);
  DataParallel dev(world(), nccl.get());
  auto b = job.net(DeviceKind::Cuda, gpu);
  const std::vector<float> w_nccl = job.train(*b, dev);
  EXPECT_EQ(w_nccl, w_staged) << "a 2-rank sum is a + b on either path";
#endif
#endif
}

}  // namespace
}  // namespace gener::core
