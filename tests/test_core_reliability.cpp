// test_core_reliability.cpp — config values outside their ranges and keys given twice are errors naming file, line
// and key; a YAML path that is a directory is named; a checkpoint with NaN or Inf weights is refused.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "engine/core/checkpoint.h"
#include "engine/core/config.h"
#include "engine/core/graph.h"
#include "engine/core/network.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

namespace fs = std::filesystem;
using test::expect_error;

struct Dir {
  fs::path path = fs::temp_directory_path() / ("gener_test_core_rel_" + std::to_string(::getpid()));
  Dir() { fs::create_directories(path); }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

const char* kTrain = "train:\n  optimizer: sgd\n  learning_rate: 0.01\n  batch_size: 8\n  epochs: 2\n";

TEST(ConfigRanges, ValuesOutsideTheirRangeNameFileLineAndKey) {
  Dir d;
  EXPECT_EQ(load_train_config(d.write("ok.yaml", kTrain)).epochs, 2);  // the control
  struct Case {
    std::string from, to, needle;
  } cases[] = {
      {"epochs: 2", "epochs: -3", "key 'train.epochs': must be an integer in [1, 1000000], got '-3'"},
      {"batch_size: 8", "batch_size: 0", "key 'train.batch_size': must be an integer in [1, 16777216], got '0'"},
      {"learning_rate: 0.01", "learning_rate: -1", "key 'train.learning_rate': must be a number in (0,"},
      {"learning_rate: 0.01", "learning_rate: .nan", "train.learning_rate"},
      {"epochs: 2", "epochs: 99999999999", "train.epochs"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.to);
    std::string text = kTrain;
    text.replace(text.find(c.from), c.from.size(), c.to);
    const std::string p = d.write("bad.yaml", text);
    expect_error([&] { load_train_config(p); }, {p + ":", c.needle});
  }
}

TEST(ConfigRanges, MessagesNeverPrintHugeBounds) {
  Dir d;
  std::string text = kTrain;
  text.replace(text.find("learning_rate: 0.01"), 19, "learning_rate: 1e300");
  const std::string p = d.write("huge.yaml", text);
  try {
    load_train_config(p);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u) << e.what();
    EXPECT_NE(std::string(e.what()).find("1e+30"), std::string::npos) << e.what();
  }
}

TEST(ConfigKeys, AKeyGivenTwiceIsAnError) {
  Dir d;
  const std::string p = d.write("dup.yaml", std::string(kTrain) + "  epochs: 5\n");
  expect_error([&] { load_train_config(p); }, {p + ":6: key 'epochs' given twice", "first on line 5"});
  const std::string nested =
      d.write("dup2.yaml", "model:\n  cnn:\n    conv:\n      - {filters: 4, filters: 8, kernel: [1, 2]}\n");
  expect_error([&] { load_model_config(nested); }, {nested + ":4:", "'filters' given twice"});
}

TEST(ConfigFiles, DirectoryOrBomAreHandled) {
  Dir d;
  fs::create_directories(d.path / "cfg.yaml");
  const std::string dir = (d.path / "cfg.yaml").string();
  expect_error([&] { load_train_config(dir); }, {dir, "is a directory", "a YAML config file"});
  const std::string bom = d.write("bom.yaml", std::string("\xEF\xBB\xBF") + kTrain);
  EXPECT_EQ(load_train_config(bom).batch_size, 8);
}

ModelConfig tiny() {
  ModelConfig c;
  c.name = "tiny";
  c.cnn_conv = {{2, 2, 2}};
  c.cnn_dense = {3};
  c.use_mlp = true;
  c.mlp_dense = {3};
  return c;
}

TEST(CheckpointWeights, NanOrInfWeightsAreRefused) {
  Dir d;
  const Graph g = build_gener_graph(tiny(), 8);
  Checkpoint ck;
  ck.model = g.config;
  ck.L = 8;
  ck.params = init_params(g, 1);
  ck.state = init_state(g);
  const std::string ok = (d.path / "ok.safetensors").string();
  save_checkpoint(ok, g, ck);
  EXPECT_NO_THROW(load_checkpoint(ok));  // the control
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    SCOPED_TRACE(bad);
    Checkpoint b = ck;
    b.params[3] = bad;
    const std::string p = (d.path / "bad.safetensors").string();
    save_checkpoint(p, g, b);
    expect_error([&] { load_checkpoint(p); }, {p + ": tensor '", "at element", "not usable"});
  }
  Checkpoint s = ck;
  s.state.back() = std::numeric_limits<float>::quiet_NaN();  // a running statistic
  const std::string p = (d.path / "state.safetensors").string();
  save_checkpoint(p, g, s);
  expect_error([&] { load_checkpoint(p); }, {p, "nan"});
}

TEST(GraphFit, AKernelThatDoesNotFitNamesTheConfigKey) {
  ModelConfig c = tiny();
  c.cnn_conv = {{2, 2, 20}};
  expect_error([&] { build_gener_graph(c, 8); }, {"model.cnn.conv[0]", "does not fit", "L = 8"});
}

}  // namespace
}  // namespace gener::core
