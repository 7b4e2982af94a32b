// test_apps_install.cpp — `cmake --install` lays out P/bin/gener and P/share/gener/configs; the installed copy,
// moved elsewhere, finds its configs relative to itself, runs the demo, and scores as a 2-rank MPI job.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/test_apps_launch.h"
#include "tests/test_apps_util.h"

namespace gener::apptest {
namespace {

namespace fs = std::filesystem;

TEST(AppInstall, InstalledCopyRunsFromAnyPrefix) {
  const std::string dir = make_temp_dir();
  const Outcome inst = run_command("'" GENER_CMAKE "' --install '" GENER_BUILD_DIR "' --prefix '" + dir + "/p'", dir);
  ASSERT_EQ(inst.status, 0) << inst.out << inst.err;
  for (const char* f : {"p/bin/gener", "p/share/gener/configs/model/paper.yaml", "p/share/gener/configs/train/demo.yaml",
                        "p/share/gener/configs/experiments/table4_biogrid_dream5.yaml"})
    EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
  // Relocate the whole prefix: nothing may point back to the build or the first prefix.
  fs::rename(dir + "/p", dir + "/moved");
  const std::string gener = "'" + dir + "/moved/bin/gener' ";
  const Outcome help = run_command(gener + "train --help", dir);
  ASSERT_EQ(help.status, 0) << help.err;
  EXPECT_NE(help.out.find(dir + "/moved/share/gener/configs/train/paper.yaml"), std::string::npos)
      << "default train config not beside the installed binary:\n" << help.out;
  const Outcome demo = run_command(gener + "demo --genes 150 --samples 24 --pairs 2000 --epochs 1 --threads 1 --quiet "
                                       "--out d", dir);
  ASSERT_EQ(demo.status, 0) << demo.out << demo.err;
  EXPECT_TRUE(fs::exists(dir + "/d/metrics.json"));
  if (!mpirun(2).empty()) {
    const Outcome score = run_command(mpirun(2) + gener + "score --model d/model/model.safetensors --expression "
                                                      "d/data/expression.tsv --all-pairs --top-k 100 --quiet --out s.tsv",
                                  dir);
    ASSERT_EQ(score.status, 0) << score.out << score.err;
    EXPECT_EQ(read_tsv(dir + "/s.tsv").size(), 101u);
  }
  remove_tree(dir);
}

}  // namespace
}  // namespace gener::apptest
