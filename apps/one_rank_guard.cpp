// one_rank_guard.cpp — subcommands that do not split their work over ranks refuse to run in a multi-rank job.
#include "apps/commands.h"
#include "kernels/check.h"

namespace gener::app {

void require_one_rank_except_train_score(CLI::App& app, const parallel::Comm& world) {
  if (world.size() == 1) return;
  const int ranks = world.size();
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string name = sub->get_name();
    if (name == "train" || name == "score") continue;
    sub->preparse_callback([name, ranks](size_t) {
      GENER_THROW("gener " << name << " runs on one rank, but this job has " << ranks
                           << " (only train and score split their work over MPI ranks); run it without mpirun/srun");
    });
  }
}

}  // namespace gener::app
