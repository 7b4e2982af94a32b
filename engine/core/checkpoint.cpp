// checkpoint.cpp — save/load GENER checkpoints through engine/io/safetensors.
#include "engine/core/checkpoint.h"

#include "engine/io/safetensors.h"
#include "kernels/check.h"

namespace gener::core {
namespace {

void put(io::SafeTensors& st, const std::string& name, const std::vector<int64_t>& shape, const float* data,
         size_t n) {
  io::TensorEntry e;
  e.shape = shape;
  e.data.assign(data, data + n);
  st.tensors[name] = std::move(e);
}

void put_all(io::SafeTensors& st, const std::string& prefix, const std::vector<ParamInfo>& infos,
             const std::vector<float>& buf) {
  for (const ParamInfo& p : infos) put(st, prefix + p.name, p.shape, buf.data() + p.offset, p.size());
}

// io::require_tensor names the tensor; the error also names the file.
void require(const io::SafeTensors& st, const std::string& path, const std::string& name,
             const std::vector<int64_t>& shape) {
  try {
    io::require_tensor(st, name, shape);
  } catch (const Error& e) {
    GENER_THROW(path << ": " << e.what());
  }
}

std::vector<float> take_all(const io::SafeTensors& st, const std::string& path, const std::string& prefix,
                            const std::vector<ParamInfo>& infos, size_t total) {
  std::vector<float> buf(total, 0.f);
  for (const ParamInfo& p : infos) {
    const std::string name = prefix + p.name;
    require(st, path, name, p.shape);
    const auto& d = st.tensors.at(name).data;
    std::copy(d.begin(), d.end(), buf.begin() + static_cast<long>(p.offset));
  }
  return buf;
}

// Optimizer moments are stored packed, tensor after tensor in graph order without the buffer's alignment gaps
// (Σ sizes floats: what files written before the gaps existed hold too), and scattered back on load.
std::vector<float> pack(const std::vector<ParamInfo>& infos, const float* buf, size_t total) {
  std::vector<float> out;
  out.reserve(total);
  for (const ParamInfo& p : infos) out.insert(out.end(), buf + p.offset, buf + p.offset + p.size());
  return out;
}
void unpack(const std::vector<ParamInfo>& infos, const std::vector<float>& packed, float* buf) {
  size_t at = 0;
  for (const ParamInfo& p : infos) {
    std::copy(packed.begin() + static_cast<long>(at), packed.begin() + static_cast<long>(at + p.size()), buf + p.offset);
    at += p.size();
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const Graph& g, const Checkpoint& ck) {
  GENER_CHECK(ck.params.size() == g.n_params && ck.state.size() == g.n_state,
              path << ": checkpoint buffers do not match the graph");
  io::SafeTensors st;
  put_all(st, "", g.params, ck.params);
  put_all(st, "", g.state, ck.state);
  if (!ck.opt_state.empty()) {
    GENER_CHECK(ck.opt_state.size() == 2 * g.n_params, path << ": optimizer state does not match the graph");
    const int64_t n = static_cast<int64_t>(g.n_trainable);
    const std::vector<float> m = pack(g.params, ck.opt_state.data(), g.n_trainable);
    const std::vector<float> v = pack(g.params, ck.opt_state.data() + g.n_params, g.n_trainable);
    put(st, "optimizer.m", {n}, m.data(), m.size());
    put(st, "optimizer.v", {n}, v.data(), v.size());
  }
  if (!ck.best_params.empty()) {
    put_all(st, "best.", g.params, ck.best_params);
    put_all(st, "best.", g.state, ck.best_state);
  }
  st.metadata = ck.info;
  st.metadata["format"] = "gener-1";
  st.metadata["model_config"] = model_config_to_yaml(g.config);
  st.metadata["input_length"] = std::to_string(g.L);
  st.metadata["n_params"] = std::to_string(g.n_trainable);
  io::write_safetensors(path, st);
}

Checkpoint load_checkpoint(const std::string& path) {
  io::SafeTensors st = io::read_safetensors(path);
  auto meta = [&](const std::string& key) -> const std::string& {
    auto it = st.metadata.find(key);
    if (it == st.metadata.end()) GENER_THROW(path << ": not a gener checkpoint (metadata key '" << key << "' missing)");
    return it->second;
  };
  GENER_CHECK(meta("format") == "gener-1", path << ": unsupported checkpoint format '" << meta("format") << "'");
  Checkpoint ck;
  ck.model = model_config_from_yaml(meta("model_config"), path + " (metadata model_config)");
  try {
    ck.L = std::stoi(meta("input_length"));
  } catch (const std::exception&) {
    GENER_THROW(path << ": metadata input_length is not an integer: '" << meta("input_length") << "'");
  }
  Graph g = build_gener_graph(ck.model, ck.L);
  ck.params = take_all(st, path, "", g.params, g.n_params);
  ck.state = take_all(st, path, "", g.state, g.n_state);
  if (st.tensors.count("optimizer.m")) {
    const int64_t n = static_cast<int64_t>(g.n_trainable);
    require(st, path, "optimizer.m", {n});
    require(st, path, "optimizer.v", {n});
    ck.opt_state.assign(2 * g.n_params, 0.f);
    unpack(g.params, st.tensors.at("optimizer.m").data, ck.opt_state.data());
    unpack(g.params, st.tensors.at("optimizer.v").data, ck.opt_state.data() + g.n_params);
  }
  if (st.tensors.count("best." + g.params.front().name)) {
    ck.best_params = take_all(st, path, "best.", g.params, g.n_params);
    ck.best_state = take_all(st, path, "best.", g.state, g.n_state);
  }
  for (const auto& kv : st.metadata)
    if (kv.first != "format" && kv.first != "model_config" && kv.first != "input_length") ck.info[kv.first] = kv.second;
  return ck;
}

}  // namespace gener::core
