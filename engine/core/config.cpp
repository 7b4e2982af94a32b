// config.cpp — YAML parsing and validation of the model and training configurations.
#include "engine/core/config.h"

#include <sstream>

#include "base/check.h"
#include "base/show.h"

namespace gener::core {

ModelConfig parse_model_config(const YamlReader& r) {
  ModelConfig c;
  c.name = r.get_string("name", c.name);
  YamlReader cnn = r.child("cnn");
  for (const YamlReader& layer : cnn.child_list("conv")) {
    ConvLayerConfig l;
    l.filters = layer.get_int("filters", range::kFilters);
    std::vector<int> k = layer.get_int_list("kernel", {}, range::kKernel);
    if (k.size() != 2)
      GENER_THROW(layer.file() << ": key '" << layer.key_path("kernel") << "': expected [height, width]");
    l.kh = k[0];
    l.kw = k[1];
    layer.finish();
    c.cnn_conv.push_back(l);
  }
  if (c.cnn_conv.empty()) GENER_THROW(r.file() << ": key '" << cnn.key_path("conv") << "': needs at least one layer");
  c.cnn_dense = cnn.get_int_list("dense", {}, range::kUnits);
  cnn.finish();
  c.use_mlp = r.has("mlp");
  if (c.use_mlp) {
    YamlReader mlp = r.child("mlp");
    c.mlp_dense = mlp.get_int_list("dense", {}, range::kUnits);
    if (c.mlp_dense.empty())
      GENER_THROW(r.file() << ": key '" << mlp.key_path("dense") << "': needs at least one layer");
    mlp.finish();
  }
  c.activation = r.get_string("activation", c.activation);
  if (c.activation != "relu" && c.activation != "none")
    GENER_THROW(r.file() << ": key '" << r.key_path("activation") << "': expected relu or none, got '"
                         << show(c.activation) << "'");
  if (r.has("batchnorm")) {
    YamlReader bn = r.child("batchnorm");
    c.bn_eps = static_cast<float>(bn.get_double("epsilon", c.bn_eps, range::kPositive));
    c.bn_momentum = static_cast<float>(bn.get_double("momentum", c.bn_momentum, range::kUnitInterval));
    bn.finish();
  }
  c.dropout = static_cast<float>(r.get_double("dropout", c.dropout, range::kUnitInterval));
  c.classes = r.get_int("classes", c.classes);
  if (c.classes != 2)
    GENER_THROW(r.file() << ": key '" << r.key_path("classes") << "': only 2 classes are supported, got " << c.classes);
  r.finish();
  return c;
}

TrainConfig parse_train_config(const YamlReader& r) {
  TrainConfig c;
  c.optimizer = r.get_string("optimizer", c.optimizer);
  if (c.optimizer != "sgd" && c.optimizer != "adam")
    GENER_THROW(r.file() << ": key '" << r.key_path("optimizer") << "': expected sgd or adam, got '"
                         << show(c.optimizer) << "'");
  c.learning_rate = static_cast<float>(r.get_double("learning_rate", c.learning_rate, range::kPositive));
  if (r.has("lr_decay")) {
    YamlReader d = r.child("lr_decay");
    c.lr_decay_rate = static_cast<float>(d.get_double("rate", c.lr_decay_rate, range::kPositive));
    c.lr_decay_steps = d.get_int("steps", c.lr_decay_steps, range::kDecaySteps);
    c.lr_staircase = d.get_bool("staircase", c.lr_staircase);
    d.finish();
  }
  c.momentum = static_cast<float>(r.get_double("momentum", c.momentum, range::kUnitInterval));
  if (r.has("adam")) {
    YamlReader a = r.child("adam");
    c.adam_beta1 = static_cast<float>(a.get_double("beta1", c.adam_beta1, range::kUnitInterval));
    c.adam_beta2 = static_cast<float>(a.get_double("beta2", c.adam_beta2, range::kUnitInterval));
    c.adam_eps = static_cast<float>(a.get_double("epsilon", c.adam_eps, range::kPositive));
    a.finish();
  }
  c.batch_size = r.get_int("batch_size", c.batch_size, range::kBatch);
  c.epochs = r.get_int("epochs", c.epochs, range::kEpochs);
  if (r.has("early_stopping")) {
    YamlReader e = r.child("early_stopping");
    c.patience = e.get_int("patience", c.patience, range::kPatience);
    c.restore_best = e.get_bool("restore_best", c.restore_best);
    e.finish();
  }
  c.seed = static_cast<uint64_t>(r.get_int64("seed", static_cast<int64_t>(c.seed), range::kSeed));
  r.finish();
  return c;
}

ModelConfig load_model_config(const std::string& path) {
  YamlReader top(load_yaml_file(path), path, "");
  ModelConfig c = parse_model_config(top.child("model"));
  top.finish();
  return c;
}

TrainConfig load_train_config(const std::string& path) {
  YamlReader top(load_yaml_file(path), path, "");
  TrainConfig c = parse_train_config(top.child("train"));
  top.finish();
  return c;
}

std::string model_config_to_yaml(const ModelConfig& c) {
  std::ostringstream os;
  os << "model:\n  name: " << c.name << "\n  cnn:\n    conv:\n";
  for (const auto& l : c.cnn_conv) os << "      - {filters: " << l.filters << ", kernel: [" << l.kh << ", " << l.kw << "]}\n";
  os << "    dense: [";
  for (size_t i = 0; i < c.cnn_dense.size(); ++i) os << (i ? ", " : "") << c.cnn_dense[i];
  os << "]\n";
  if (c.use_mlp) {
    os << "  mlp:\n    dense: [";
    for (size_t i = 0; i < c.mlp_dense.size(); ++i) os << (i ? ", " : "") << c.mlp_dense[i];
    os << "]\n";
  }
  os << "  activation: " << c.activation << "\n  batchnorm: {epsilon: " << c.bn_eps << ", momentum: " << c.bn_momentum
     << "}\n  dropout: " << c.dropout << "\n  classes: " << c.classes << "\n";
  return os.str();
}

ModelConfig model_config_from_yaml(const std::string& text, const std::string& origin) {
  YamlReader top(load_yaml_text(text, origin), origin, "");
  ModelConfig c = parse_model_config(top.child("model"));
  top.finish();
  return c;
}

}  // namespace gener::core
