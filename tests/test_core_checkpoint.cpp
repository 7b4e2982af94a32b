// test_core_checkpoint.cpp — safetensors checkpoints: exact round trip, tensor names, corrupt files naming the file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "engine/core/checkpoint.h"
#include "engine/core/network.h"
#include "engine/core/trainer.h"
#include "engine/io/safetensors.h"
#include "kernels/check.h"
#include "tests/test_util.h"

namespace gener::core {
namespace {

namespace fs = std::filesystem;

constexpr int kL = 13, kGenes = 19;

// This process's scratch directory, removed with everything in it when the test program ends.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("gener_test_core_ckpt_" + std::to_string(::getpid()));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string temp_path(const std::string& name) {
  static const ScratchDir dir;
  return (dir.path / name).string();
}

ModelConfig tiny_config() {
  ModelConfig c;
  c.name = "tiny_ckpt";
  c.cnn_conv = {{3, 2, 2}, {2, 1, 3}};
  c.cnn_dense = {5};
  c.use_mlp = true;
  c.mlp_dense = {4, 3};
  c.dropout = 0.2f;
  c.bn_eps = 2e-3f;
  c.bn_momentum = 0.8f;
  return c;
}

// A trained-looking checkpoint: a few SGD-with-momentum steps so params, running stats and velocities are all
// non-trivial.
struct Trained {
  Graph g;
  std::vector<float> expr;
  std::vector<int32_t> ab;
  Checkpoint ck;
};

Trained train_a_little() {
  Trained t;
  t.g = build_gener_graph(tiny_config(), kL);
  NetworkOptions o;
  o.max_batch = 9;
  o.mode = PlanMode::Training;
  o.train.momentum = 0.9f;
  auto net = make_cpu_network(t.g, o);
  t.expr = test::random_uniform(static_cast<size_t>(kGenes) * kL, -1.f, 1.f, 5);
  net->set_expression(t.expr.data(), kGenes);
  std::vector<float> pr = test::random_ints(2 * 200, 0, kGenes - 1, 6);
  t.ab.assign(pr.begin(), pr.end());
  std::vector<int32_t> y(9);
  for (int s = 0; s < 4; ++s) {
    for (int i = 0; i < 9; ++i) y[i] = (i + s) % 2;
    net->forward_backward(t.ab.data() + 18 * s, y.data(), 9, s);
    net->apply_update(0.05f, s + 1);
  }
  t.ck.model = t.g.config;
  t.ck.L = kL;
  t.ck.params = net->get_params();
  t.ck.state = net->get_state();
  t.ck.opt_state = net->get_opt_state();
  t.ck.best_params = init_params(t.g, 3);
  t.ck.best_state = init_state(t.g);
  t.ck.info = {{"epoch", "4"}, {"step", "123"}};
  return t;
}

std::vector<float> scores(const Graph& g, const Checkpoint& ck, const Trained& t) {
  NetworkOptions o;
  o.max_batch = 32;
  auto net = make_cpu_network(g, o);
  net->set_expression(t.expr.data(), kGenes);
  net->set_params(ck.params);
  net->set_state(ck.state);
  std::vector<float> s(200);
  predict_pairs(*net, t.ab.data(), 200, s.data());
  return s;
}

TEST(CoreCheckpoint, RoundTripIsExact) {
  Trained t = train_a_little();
  const std::string path = temp_path("round_trip.safetensors");
  save_checkpoint(path, t.g, t.ck);
  Checkpoint back = load_checkpoint(path);
  EXPECT_EQ(back.L, kL);
  EXPECT_EQ(model_config_to_yaml(back.model), model_config_to_yaml(t.ck.model));
  EXPECT_EQ(back.model.name, "tiny_ckpt");
  EXPECT_EQ(back.model.mlp_dense, (std::vector<int>{4, 3}));
  EXPECT_EQ(back.model.dropout, 0.2f);
  EXPECT_EQ(back.model.bn_eps, 2e-3f);
  EXPECT_EQ(back.model.bn_momentum, 0.8f);
  EXPECT_EQ(back.params, t.ck.params);
  EXPECT_EQ(back.state, t.ck.state);
  EXPECT_EQ(back.opt_state, t.ck.opt_state);
  EXPECT_EQ(back.best_params, t.ck.best_params);
  EXPECT_EQ(back.best_state, t.ck.best_state);
  EXPECT_EQ(back.info.at("epoch"), "4");
  EXPECT_EQ(back.info.at("step"), "123");
  Graph g2 = build_gener_graph(back.model, back.L);
  EXPECT_EQ(g2.n_params, t.g.n_params);
  const std::vector<float> before = scores(t.g, t.ck, t), after = scores(g2, back, t);
  EXPECT_EQ(before, after);
  // The state matters: scoring with fresh running statistics gives different scores.
  Checkpoint fresh = back;
  fresh.state = init_state(t.g);
  EXPECT_NE(scores(g2, fresh, t), before);
}

TEST(CoreCheckpoint, FinalModelFileHasNoResumeState) {
  Trained t = train_a_little();
  t.ck.opt_state.clear();
  t.ck.best_params.clear();
  t.ck.best_state.clear();
  const std::string path = temp_path("final.safetensors");
  save_checkpoint(path, t.g, t.ck);
  Checkpoint back = load_checkpoint(path);
  EXPECT_TRUE(back.opt_state.empty());
  EXPECT_TRUE(back.best_params.empty());
  EXPECT_EQ(back.params, t.ck.params);
  io::SafeTensors st = io::read_safetensors(path);
  EXPECT_EQ(st.tensors.size(), t.g.params.size() + t.g.state.size());
}

TEST(CoreCheckpoint, TensorNamesAndMetadataAreDocumented) {
  Trained t = train_a_little();
  const std::string path = temp_path("names.safetensors");
  save_checkpoint(path, t.g, t.ck);
  io::SafeTensors st = io::read_safetensors(path);
  for (const ParamInfo& p : t.g.params) {
    ASSERT_TRUE(st.tensors.count(p.name)) << p.name;
    EXPECT_EQ(st.tensors.at(p.name).shape, p.shape) << p.name;
    ASSERT_TRUE(st.tensors.count("best." + p.name)) << p.name;
  }
  for (const char* n : {"cnn.conv1.weight", "cnn.bn1.running_mean", "cnn.bn1.running_var", "mlp.fc2.bias",
                        "head.weight", "optimizer.m", "optimizer.v"})
    EXPECT_TRUE(st.tensors.count(n)) << n;
  // Tensor values are the flat buffers cut at the graph offsets.
  const ParamInfo* w = t.g.find_param("cnn.fc1.weight");
  ASSERT_NE(w, nullptr);
  std::vector<float> want(t.ck.params.begin() + static_cast<long>(w->offset),
                          t.ck.params.begin() + static_cast<long>(w->offset + w->size()));
  EXPECT_EQ(st.tensors.at("cnn.fc1.weight").data, want);
  EXPECT_EQ(st.metadata.at("format"), "gener-1");
  EXPECT_EQ(st.metadata.at("input_length"), std::to_string(kL));
  EXPECT_NE(st.metadata.at("model_config").find("model:"), std::string::npos);
}

class CoreCheckpointCorrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    t_ = train_a_little();
    good_ = temp_path("good.safetensors");
    save_checkpoint(good_, t_.g, t_.ck);
    ASSERT_NO_THROW(load_checkpoint(good_));
  }
  // Rewrites the good file through `edit` into a new file and returns its path.
  template <class F>
  std::string edited(const std::string& name, F edit) {
    io::SafeTensors st = io::read_safetensors(good_);
    edit(st);
    std::string p = temp_path(name);
    io::write_safetensors(p, st);
    return p;
  }
  Trained t_;
  std::string good_;
};

TEST_F(CoreCheckpointCorrupt, Truncated) {
  std::ifstream in(good_, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (size_t keep : {bytes.size() - 4, bytes.size() / 2, size_t{5}}) {
    std::string p = temp_path("truncated_" + std::to_string(keep) + ".safetensors");
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(keep));
    test::expect_error([&] { load_checkpoint(p); }, {p});
  }
}

TEST_F(CoreCheckpointCorrupt, WrongTensorShape) {
  std::string p = edited("wrong_shape.safetensors", [](io::SafeTensors& st) {
    st.tensors.at("cnn.conv1.weight").shape = {3, 4};  // same 12 values, shape (3, 1, 2, 2) expected
  });
  test::expect_error([&] { load_checkpoint(p); }, {p, "cnn.conv1.weight"});
  std::string p2 = edited("wrong_size.safetensors", [](io::SafeTensors& st) {
    io::TensorEntry& e = st.tensors.at("mlp.bn1.running_var");
    e.shape = {5};
    e.data.push_back(1.f);
  });
  test::expect_error([&] { load_checkpoint(p2); }, {p2, "mlp.bn1.running_var"});
}

TEST_F(CoreCheckpointCorrupt, MissingTensor) {
  std::string p = edited("missing_tensor.safetensors", [](io::SafeTensors& st) { st.tensors.erase("head.bias"); });
  test::expect_error([&] { load_checkpoint(p); }, {p, "head.bias"});
  std::string p2 = edited("missing_v.safetensors", [](io::SafeTensors& st) { st.tensors.erase("optimizer.v"); });
  test::expect_error([&] { load_checkpoint(p2); }, {p2, "optimizer.v"});
}

TEST_F(CoreCheckpointCorrupt, MissingOrBadMetadata) {
  for (const char* key : {"model_config", "format", "input_length"}) {
    std::string p = edited(std::string("no_") + key + ".safetensors",
                           [&](io::SafeTensors& st) { st.metadata.erase(key); });
    test::expect_error([&] { load_checkpoint(p); }, {p, key});
  }
  std::string p = edited("bad_length.safetensors", [](io::SafeTensors& st) { st.metadata["input_length"] = "abc"; });
  test::expect_error([&] { load_checkpoint(p); }, {p, "input_length"});
  std::string p2 = edited("other_length.safetensors", [](io::SafeTensors& st) { st.metadata["input_length"] = "20"; });
  test::expect_error([&] { load_checkpoint(p2); }, {p2, "cnn.fc1.weight"});
  std::string p3 = edited("bad_config.safetensors", [](io::SafeTensors& st) {
    std::string& y = st.metadata["model_config"];
    y.replace(y.find("dropout: 0.2"), 12, "dropout: 2");
  });
  test::expect_error([&] { load_checkpoint(p3); }, {p3, "model.dropout"});
  std::string p4 = edited("bad_format.safetensors", [](io::SafeTensors& st) { st.metadata["format"] = "gener-99"; });
  test::expect_error([&] { load_checkpoint(p4); }, {p4, "gener-99"});
}

TEST(CoreCheckpoint, MissingFileNamesIt) {
  const std::string p = temp_path("does_not_exist.safetensors");
  test::expect_error([&] { load_checkpoint(p); }, {p});
}

TEST(CoreCheckpoint, SaveRejectsBuffersOfTheWrongSize) {
  Trained t = train_a_little();
  t.ck.params.pop_back();
  const std::string p = temp_path("never.safetensors");
  test::expect_error([&] { save_checkpoint(p, t.g, t.ck); }, {p});
  EXPECT_FALSE(fs::exists(p));
}

}  // namespace
}  // namespace gener::core
