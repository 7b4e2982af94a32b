// mpi_test_main.cpp — main of the test programs that run as one MPI job: every rank runs every test; rank 0 prints
// GoogleTest's report, the other ranks only their failures (prefixed with the rank); all ranks exit with the job's
// verdict, so a failure on any rank fails the ctest entry.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "tests/mpi_world.h"

namespace gener::testing {
namespace {

std::unique_ptr<parallel::Comm>& world_slot() {
  static std::unique_ptr<parallel::Comm> w;
  return w;
}

// Prints failed assertions of a non-root rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (!r.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_, r.file_name() ? r.file_name() : "?",
                 r.line_number(), r.summary());
  }

 private:
  int rank_;
};

}  // namespace

parallel::Comm& world() { return *world_slot(); }

}  // namespace gener::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto& w = gener::testing::world_slot();
  w = gener::parallel::make_world();
  if (w->rank() != 0) {
    ::testing::TestEventListeners& ls = ::testing::UnitTest::GetInstance()->listeners();
    delete ls.Release(ls.default_result_printer());
    ls.Append(new gener::testing::RankFailurePrinter(w->rank()));
  }
  const int rc = RUN_ALL_TESTS();
  double failed = rc != 0 ? 1 : 0;
  w->allreduce_sum(&failed, 1);
  if (w->rank() == 0 && w->size() > 1)
    std::printf("%s on all %d ranks\n", failed > 0 ? "FAILED" : "passed", w->size());
  w.reset();  // finalises MPI
  return failed > 0 ? 1 : 0;
}
