// test_core_config.cpp — model/train YAML parsing: shipped configs, round trip, and errors naming file and key path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include "engine/core/config.h"
#include "kernels/check.h"

#include "tests/test_util.h"

namespace gener::core {
namespace {

namespace fs = std::filesystem;

std::string src(const std::string& rel) { return std::string(GENER_SOURCE_DIR) + "/" + rel; }

// A fresh directory for one test's YAML files, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("gener_test_core_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `text` to `name` in this directory and returns the file's path.
  std::string write(const std::string& name, const std::string& text) const {
    fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  fs::path path_;
};

const char* kGoodModel = R"(model:
  name: tiny
  cnn:
    conv:
      - {filters: 3, kernel: [2, 2]}
      - {filters: 2, kernel: [1, 3]}
    dense: [5]
  mlp:
    dense: [4]
  activation: relu
  batchnorm: {epsilon: 1.0e-3, momentum: 0.9}
  dropout: 0.25
  classes: 2
)";

// Replaces the first occurrence of `from` in kGoodModel.
std::string model_with(const std::string& from, const std::string& to) {
  std::string s = kGoodModel;
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(CoreConfig, ShippedModelConfigs) {
  ModelConfig p = load_model_config(src("configs/model/paper.yaml"));
  ASSERT_EQ(p.cnn_conv.size(), 3u);
  EXPECT_EQ(p.cnn_conv[0].filters, 16);
  EXPECT_EQ(p.cnn_conv[0].kh, 2);
  EXPECT_EQ(p.cnn_conv[0].kw, 2);
  EXPECT_EQ(p.cnn_conv[1].kw, 3);
  EXPECT_EQ(p.cnn_conv[2].filters, 8);
  EXPECT_EQ(p.cnn_dense, (std::vector<int>{32}));
  EXPECT_TRUE(p.use_mlp);
  EXPECT_EQ(p.mlp_dense, (std::vector<int>{128, 128}));
  EXPECT_FLOAT_EQ(p.dropout, 0.5f);
  EXPECT_FLOAT_EQ(p.bn_eps, 1e-3f);
  EXPECT_FLOAT_EQ(p.bn_momentum, 0.9f);
  ModelConfig c = load_model_config(src("configs/model/cnn_only.yaml"));
  EXPECT_FALSE(c.use_mlp);
  EXPECT_TRUE(c.mlp_dense.empty());
}

TEST(CoreConfig, ShippedTrainConfigs) {
  TrainConfig t = load_train_config(src("configs/train/paper.yaml"));
  EXPECT_EQ(t.optimizer, "sgd");
  EXPECT_FLOAT_EQ(t.learning_rate, 0.01f);
  EXPECT_FLOAT_EQ(t.lr_decay_rate, 0.8f);
  EXPECT_EQ(t.lr_decay_steps, 2500);
  EXPECT_EQ(t.batch_size, 64);
  EXPECT_TRUE(t.restore_best);
  TrainConfig d = load_train_config(src("configs/train/demo.yaml"));
  EXPECT_EQ(d.optimizer, "adam");
}

TEST(CoreConfig, ModelYamlRoundTrip) {
  TempDir d;
  ModelConfig a = load_model_config(d.write("good.yaml", kGoodModel));
  EXPECT_FLOAT_EQ(a.dropout, 0.25f);
  ModelConfig b = model_config_from_yaml(model_config_to_yaml(a), "round trip");
  EXPECT_EQ(b.name, "tiny");
  ASSERT_EQ(b.cnn_conv.size(), 2u);
  EXPECT_EQ(b.cnn_conv[1].filters, 2);
  EXPECT_EQ(b.cnn_conv[1].kw, 3);
  EXPECT_EQ(b.cnn_dense, a.cnn_dense);
  EXPECT_EQ(b.mlp_dense, a.mlp_dense);
  EXPECT_EQ(b.use_mlp, a.use_mlp);
  EXPECT_EQ(b.dropout, a.dropout);
  EXPECT_EQ(b.bn_eps, a.bn_eps);
  EXPECT_EQ(b.bn_momentum, a.bn_momentum);
  EXPECT_EQ(model_config_to_yaml(b), model_config_to_yaml(a));
}

TEST(CoreConfig, WrongTypeNamesKeyPathAndFile) {
  TempDir d;
  std::string path = d.write("wrong_type.yaml", model_with("filters: 2,", "filters: \"abc\","));
  test::expect_error([&] { load_model_config(path); }, {path, "model.cnn.conv[1].filters", "abc"});
  std::string path2 = d.write("wrong_type_list.yaml", model_with("dense: [5]", "dense: [5, x]"));
  test::expect_error([&] { load_model_config(path2); }, {path2, "model.cnn.dense"});
}

TEST(CoreConfig, UnknownKeyNamesKeyPathAndFile) {
  TempDir d;
  std::string path = d.write("misspelt.yaml", model_with("dropout: 0.25", "dropuot: 0.25"));
  test::expect_error([&] { load_model_config(path); }, {path, "model.dropuot"});
  std::string path2 = d.write("misspelt_nested.yaml", model_with("momentum: 0.9", "momentun: 0.9"));
  test::expect_error([&] { load_model_config(path2); }, {path2, "model.batchnorm.momentun"});
  std::string path3 = d.write("misspelt_layer.yaml", model_with("kernel: [1, 3]", "kernel: [1, 3], strides: 2"));
  test::expect_error([&] { load_model_config(path3); }, {path3, "model.cnn.conv[1].strides"});
}

TEST(CoreConfig, MissingKeyNamesKeyPathAndFile) {
  TempDir d;
  std::string path = d.write("missing_filters.yaml", model_with("filters: 3, ", ""));
  test::expect_error([&] { load_model_config(path); }, {path, "model.cnn.conv[0].filters"});
  std::string path2 = d.write("missing_model.yaml", "train:\n  seed: 1\n");
  test::expect_error([&] { load_model_config(path2); }, {path2, "model"});
}

TEST(CoreConfig, OutOfRangeNamesKeyPathAndFile) {
  TempDir d;
  for (const char* bad : {"dropout: 1.5", "dropout: -0.1", "dropout: 1.0"}) {
    std::string path = d.write("bad_dropout.yaml", model_with("dropout: 0.25", bad));
    test::expect_error([&] { load_model_config(path); }, {path, "model.dropout"});
  }
  std::string path = d.write("bad_filters.yaml", model_with("filters: 3,", "filters: 0,"));
  test::expect_error([&] { load_model_config(path); }, {path, "model.cnn.conv[0].filters"});
  std::string path2 = d.write("bad_momentum.yaml", model_with("momentum: 0.9", "momentum: 1.5"));
  test::expect_error([&] { load_model_config(path2); }, {path2, "model.batchnorm.momentum"});
}

TEST(CoreConfig, TrainConfigErrors) {
  TempDir d;
  const std::string good = "train:\n  optimizer: sgd\n  learning_rate: 0.05\n  batch_size: 32\n"
                           "  lr_decay: {rate: 0.5, steps: 10, staircase: true}\n";
  TrainConfig t = load_train_config(d.write("train_good.yaml", good));
  EXPECT_FLOAT_EQ(t.learning_rate, 0.05f);
  EXPECT_EQ(t.batch_size, 32);
  EXPECT_TRUE(t.lr_staircase);
  EXPECT_EQ(t.lr_decay_steps, 10);

  std::string p1 = d.write("train_type.yaml", "train:\n  batch_size: sixty-four\n");
  test::expect_error([&] { load_train_config(p1); }, {p1, "train.batch_size", "sixty-four"});
  std::string p2 = d.write("train_unknown.yaml", "train:\n  learning_rat: 0.1\n");
  test::expect_error([&] { load_train_config(p2); }, {p2, "train.learning_rat"});
  std::string p3 = d.write("train_nested.yaml", "train:\n  lr_decay: {rate: 0.5, stepz: 10}\n");
  test::expect_error([&] { load_train_config(p3); }, {p3, "train.lr_decay.stepz"});
  std::string p4 = d.write("train_opt.yaml", "train:\n  optimizer: rmsprop\n");
  test::expect_error([&] { load_train_config(p4); }, {p4, "train.optimizer", "rmsprop"});
  std::string p5 = d.write("train_lr.yaml", "train:\n  learning_rate: -1\n");
  test::expect_error([&] { load_train_config(p5); }, {p5, "train.learning_rate"});
}

TEST(CoreConfig, SyntaxErrorAndMissingFileNameTheFile) {
  TempDir d;
  std::string path = d.write("syntax.yaml", "model:\n  cnn: [1, 2\n  dropout: 0.5\n");
  test::expect_error([&] { load_model_config(path); }, {path});
  std::string none = (fs::temp_directory_path() / "gener_no_such_config.yaml").string();
  test::expect_error([&] { load_model_config(none); }, {none});
}

}  // namespace
}  // namespace gener::core
