// graph.cpp — builds and shape-checks the GENER graph from a ModelConfig.
#include "engine/core/graph.h"

#include "kernels/check.h"

namespace gener::core {

const char* op_name(OpKind op) {
  switch (op) {
    case OpKind::PairFeatures: return "pair_features";
    case OpKind::Conv2d: return "conv2d";
    case OpKind::Dense: return "dense";
    case OpKind::ActBnDropout: return "act_bn_dropout";
    case OpKind::Concat: return "concat";
    case OpKind::SoftmaxXent: return "softmax_xent";
  }
  return "?";
}

size_t ParamInfo::size() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

const ParamInfo* Graph::find_param(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}
const StateInfo* Graph::find_state(const std::string& name) const {
  for (const auto& p : state)
    if (p.name == name) return &p;
  return nullptr;
}

long long Graph::multiply_adds_per_pair() const {
  long long macs = 0;
  for (const Node& n : nodes) {
    if (n.op == OpKind::Conv2d)
      macs += 1LL * n.conv.c_out * n.conv.h_out() * n.conv.w_out() * n.conv.c_in * n.conv.kh * n.conv.kw;
    if (n.op == OpKind::Dense) macs += 1LL * n.dense_in * n.dense_out;
  }
  return macs;
}

namespace {

class GraphBuilder {
 public:
  GraphBuilder(const ModelConfig& c, int L) {
    g_.config = c;
    g_.L = L;
  }

  int tensor(const std::string& name, int c, int h, int w, bool needs_grad = true) {
    TensorInfo t;
    t.name = name;
    t.c = c, t.h = h, t.w = w;
    t.needs_grad = needs_grad;
    g_.tensors.push_back(t);
    return static_cast<int>(g_.tensors.size()) - 1;
  }

  int param(const std::string& name, std::vector<int64_t> shape) {
    const size_t aligned = (g_.n_params + kParamAlignFloats - 1) / kParamAlignFloats * kParamAlignFloats;
    ParamInfo p{name, std::move(shape), aligned};
    g_.n_params = aligned + p.size();
    g_.n_trainable += p.size();
    g_.params.push_back(p);
    return static_cast<int>(g_.params.size()) - 1;
  }

  int state(const std::string& name, int64_t n) {
    StateInfo s{name, {n}, g_.n_state};
    g_.n_state += s.size();
    g_.state.push_back(s);
    return static_cast<int>(g_.state.size()) - 1;
  }

  int add(Node n) {
    int id = static_cast<int>(g_.nodes.size());
    for (int t : n.in) {
      GENER_CHECK(g_.tensors[t].consumer < 0, "layer " << n.name << ": tensor " << g_.tensors[t].name << " already consumed");
      g_.tensors[t].consumer = id;
    }
    for (int t : n.out) g_.tensors[t].producer = id;
    g_.nodes.push_back(std::move(n));
    return id;
  }

  int conv(const std::string& name, int x, const ConvLayerConfig& l) {
    const TensorInfo& t = g_.tensors[x];
    if (l.kh > t.h || l.kw > t.w)
      GENER_THROW("layer " << name << ": kernel " << l.kh << "x" << l.kw << " does not fit its input " << t.c << "x"
                           << t.h << "x" << t.w << " (valid convolution; is the expression vector long enough?)");
    Node n;
    n.op = OpKind::Conv2d;
    n.name = name;
    n.conv = kernels::Conv2dShape{0, t.c, t.h, t.w, l.filters, l.kh, l.kw};
    n.p_weight = param(name + ".weight", {l.filters, t.c, l.kh, l.kw});
    n.p_bias = param(name + ".bias", {l.filters});
    n.in = {x};
    n.out = {tensor(name, l.filters, n.conv.h_out(), n.conv.w_out())};
    add(n);
    return n.out[0];
  }

  int dense(const std::string& name, int x, int units) {
    const TensorInfo& t = g_.tensors[x];
    Node n;
    n.op = OpKind::Dense;
    n.name = name;
    n.dense_in = static_cast<int>(t.per_sample());
    n.dense_out = units;
    n.p_weight = param(name + ".weight", {units, n.dense_in});
    n.p_bias = param(name + ".bias", {units});
    n.in = {x};
    n.out = {tensor(name, units, 1, 1)};
    add(n);
    return n.out[0];
  }

  int act_bn_dropout(const std::string& bn_name, int x) {
    const TensorInfo& t = g_.tensors[x];
    const ModelConfig& c = g_.config;
    Node n;
    n.op = OpKind::ActBnDropout;
    n.name = bn_name;
    n.act = c.activation == "relu" ? kernels::Activation::Relu : kernels::Activation::None;
    n.bn_c = t.c;
    n.bn_s = t.h * t.w;
    n.bn_eps = c.bn_eps;
    n.bn_momentum = c.bn_momentum;
    n.dropout = c.dropout;
    n.dropout_salt = g_.nodes.size() + 1;
    n.saved_offset = g_.n_aux;
    g_.n_aux += 2 * static_cast<size_t>(t.c);
    n.p_weight = param(bn_name + ".weight", {t.c});
    n.p_bias = param(bn_name + ".bias", {t.c});
    n.s_mean = state(bn_name + ".running_mean", t.c);
    n.s_var = state(bn_name + ".running_var", t.c);
    n.in = {x};
    n.out = {tensor(bn_name + ".out", t.c, t.h, t.w)};
    add(n);
    return n.out[0];
  }

  Graph build() {
    const ModelConfig& c = g_.config;
    GENER_CHECK(g_.L >= 1, "model: expression vector length must be >= 1, got " << g_.L);
    Node pf;
    pf.op = OpKind::PairFeatures;
    pf.name = "pair_features";
    int x_cnn = tensor("x_cnn", 1, 2, g_.L, false);
    int x_mlp = c.use_mlp ? tensor("x_mlp", 1, 1, g_.L, false) : -1;
    pf.out = {x_cnn};
    if (x_mlp >= 0) pf.out.push_back(x_mlp);
    add(pf);

    int h = x_cnn;
    for (size_t i = 0; i < c.cnn_conv.size(); ++i) {
      std::string k = std::to_string(i + 1);
      h = act_bn_dropout("cnn.bn" + k, conv("cnn.conv" + k, h, c.cnn_conv[i]));
    }
    for (size_t i = 0; i < c.cnn_dense.size(); ++i) {
      std::string k = std::to_string(i + 1);
      h = act_bn_dropout("cnn.bn_fc" + k, dense("cnn.fc" + k, h, c.cnn_dense[i]));
    }
    int features = h;
    if (c.use_mlp) {
      int m = x_mlp;
      for (size_t i = 0; i < c.mlp_dense.size(); ++i) {
        std::string k = std::to_string(i + 1);
        m = act_bn_dropout("mlp.bn" + k, dense("mlp.fc" + k, m, c.mlp_dense[i]));
      }
      Node cat;
      cat.op = OpKind::Concat;
      cat.name = "concat";
      cat.in = {h, m};
      long long width = g_.tensors[h].per_sample() + g_.tensors[m].per_sample();
      cat.out = {tensor("concat", static_cast<int>(width), 1, 1)};
      add(cat);
      features = cat.out[0];
    }
    g_.t_logits = dense("head", features, c.classes);
    Node sm;
    sm.op = OpKind::SoftmaxXent;
    sm.name = "softmax";
    sm.in = {g_.t_logits};
    g_.t_probs = tensor("probs", c.classes, 1, 1, false);
    sm.out = {g_.t_probs};
    add(sm);
    return std::move(g_);
  }

 private:
  Graph g_;
};

}  // namespace

Graph build_gener_graph(const ModelConfig& config, int L) { return GraphBuilder(config, L).build(); }

}  // namespace gener::core
