// network.cpp — device selection, learning-rate schedule, parameter initialisation, network factory.
#include "engine/core/network.h"

#include <cmath>
#include <cstdlib>

#include "kernels/check.h"
#include "kernels/hash.h"
#include "kernels/cuda_probe.h"

namespace gener::core {

const char* device_name(DeviceKind d) {
  switch (d) {
    case DeviceKind::Cpu: return "cpu";
    case DeviceKind::Cuda: return "cuda";
  }
  return "?";
}

DeviceKind resolve_device(const std::string& name) {
#if defined(GENER_HAVE_CUDA)
  const bool built_with_cuda = true;
#else
  const bool built_with_cuda = false;
#endif
  if (name == "cpu") return DeviceKind::Cpu;
  const kernels::CudaProbe probe = kernels::cuda_probe();
  if (name == "auto") return probe.devices > 0 ? DeviceKind::Cuda : DeviceKind::Cpu;
  if (name == "cuda") {
    GENER_CHECK(built_with_cuda, "--device cuda: this gener was built without CUDA (rebuild with -DGENER_CUDA=ON)");
    GENER_CHECK(probe.devices > 0, "--device cuda: no usable CUDA GPU on this machine: " << probe.reason);
    return DeviceKind::Cuda;
  }
  GENER_THROW("--device: expected cpu, cuda or auto, got '" << name << "'");
}

const char* score_path_name(ScorePath p) {
  switch (p) {
    case ScorePath::Layers: return "layers";
    case ScorePath::FusedCnn: return "fused";
  }
  return "?";
}

ScorePath parse_score_path(const std::string& s) {
  if (s == "layers") return ScorePath::Layers;
  if (s == "fused") return ScorePath::FusedCnn;
  GENER_THROW("--score-path: expected layers or fused, got '" << s << "'");
}

bool debug_nan_fill_requested(const NetworkOptions& opt) {
  const char* v = std::getenv("GENER_DEBUG_NAN_ARENA");
  return opt.debug_nan_fill || (v != nullptr && *v != '\0' && std::string(v) != "0");
}

float learning_rate_at(const TrainConfig& c, long long step) {
  double e = static_cast<double>(step) / c.lr_decay_steps;
  if (c.lr_staircase) e = std::floor(e);
  return static_cast<float>(c.learning_rate * std::pow(static_cast<double>(c.lr_decay_rate), e));
}

kernels::BnDropoutParams bn_dropout_params(const Node& n, uint64_t run_seed, uint64_t step, long long row0) {
  kernels::BnDropoutParams p;
  p.eps = n.bn_eps;
  p.momentum = n.bn_momentum;
  p.drop_rate = n.dropout;
  p.seed = (static_cast<uint64_t>(kernels::hash3(run_seed, n.dropout_salt, 0)) << 32) | n.dropout_salt;
  p.step = step;
  p.index0 = static_cast<uint64_t>(row0) * static_cast<uint64_t>(n.bn_c) * static_cast<uint64_t>(n.bn_s);
  return p;
}

std::vector<float> init_params(const Graph& g, uint64_t seed) {
  std::vector<float> p(g.n_params, 0.f);
  for (size_t k = 0; k < g.params.size(); ++k) {
    const ParamInfo& info = g.params[k];
    const std::string& n = info.name;
    const bool is_bias = n.size() >= 5 && n.compare(n.size() - 5, 5, ".bias") == 0;
    const bool is_bn = n.find(".bn") != std::string::npos;
    float* dst = p.data() + info.offset;
    if (is_bias) continue;  // zeros (and batchnorm beta = 0)
    if (is_bn) {            // gamma
      for (size_t i = 0; i < info.size(); ++i) dst[i] = 1.f;
      continue;
    }
    // Glorot uniform: fan_in = in * receptive field, fan_out = out * receptive field.
    double receptive = 1;
    for (size_t d = 2; d < info.shape.size(); ++d) receptive *= static_cast<double>(info.shape[d]);
    double fan_in = static_cast<double>(info.shape[1]) * receptive;
    double fan_out = static_cast<double>(info.shape[0]) * receptive;
    float limit = static_cast<float>(std::sqrt(6.0 / (fan_in + fan_out)));
    for (size_t i = 0; i < info.size(); ++i) dst[i] = (2.f * kernels::hash_uniform(seed, 1000 + k, i) - 1.f) * limit;
  }
  return p;
}

std::vector<float> init_state(const Graph& g) {
  std::vector<float> s(g.n_state, 0.f);
  for (const StateInfo& info : g.state)
    if (info.name.find("running_var") != std::string::npos)
      for (size_t i = 0; i < info.size(); ++i) s[info.offset + i] = 1.f;
  return s;
}

std::unique_ptr<Network> make_network(const Graph& g, const NetworkOptions& opt) {
  switch (opt.device) {
    case DeviceKind::Cpu: return make_cpu_network(g, opt);
    case DeviceKind::Cuda:
#if defined(GENER_HAVE_CUDA)
      return make_cuda_network(g, opt);
#else
      GENER_THROW("--device cuda: this gener was built without CUDA (rebuild with -DGENER_CUDA=ON); use --device cpu");
#endif
  }
  GENER_THROW("unknown device");
}

}  // namespace gener::core
