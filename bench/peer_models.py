# peer_models.py — the GENER model (DESIGN §1) in each peer engine, loaded from one gener checkpoint, for
# bench/peer_bench.py: OpenVINO (fp32, bf16) and ONNX Runtime on one hand-built ONNX graph, PyTorch (eager,
# torch.compile), TensorFlow/Keras 3 and JAX. Each peer scores pairs (P(interacting)) and, where it can, trains.
"""Serve one peer for bench/peer_bench.py: reads JSON commands on stdin, answers one JSON line each.

  python3 bench/peer_models.py --peer onnxruntime --model model.safetensors --threads 2
  {"cmd": "score", "expr": "e.npy", "pairs": "p.npy", "out": "s.npy"}        scores the pairs, writes them
  {"cmd": "bench", "mode": "score", "batch": 1024, "seconds": 4, "warmup": 3}  pairs/s on random data
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np

PEERS = ("openvino-fp32", "openvino-bf16", "onnxruntime", "torch", "torch-compile", "tensorflow", "jax")
TRAINS = {"torch", "torch-compile", "tensorflow", "jax"}  # inference-only engines do not train
BN_EPS = 1e-3
LR = 0.01


def read_safetensors(path):
    """{name: float32 array} of a gener checkpoint (F32 tensors only)."""
    blob = open(path, "rb").read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: tensor {name} is {info['dtype']}, expected F32")
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(blob[8 + hlen + b:8 + hlen + e], dtype="<f4").reshape(info["shape"]).copy()
    return out


def bench_data(genes, samples, pairs, seed=1):
    rng = np.random.default_rng(seed)
    expr = rng.uniform(-2, 2, size=(genes, samples)).astype(np.float32)
    ab = rng.integers(0, genes, size=(pairs, 2)).astype(np.int64)
    y = rng.integers(0, 2, size=pairs).astype(np.int64)
    return expr, ab, y


BLOCKS_CNN = ("conv1", "conv2", "conv3")


def bn_names(prefix):
    return [prefix + s for s in (".weight", ".bias", ".running_mean", ".running_var")]


# ---------------------------------------------------------------- ONNX (OpenVINO, ONNX Runtime)

def build_onnx(w, expr):
    """ONNX graph: pairs (B, 2) int64 -> P(interacting) (B,), the expression matrix an initializer."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    inits, nodes = [numpy_helper.from_array(expr, "expr")], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, ins, out, **kw):
        nodes.append(helper.make_node(op, ins, [out], **kw))
        return out

    for k, v in w.items():
        const(k, v)
    const("i0", np.array(0, np.int64))
    const("i1", np.array(1, np.int64))
    const("ax12", np.array([1, 2], np.int64))
    ia = node("Gather", ["pairs", "i0"], "ia", axis=1)
    ib = node("Gather", ["pairs", "i1"], "ib", axis=1)
    a = node("Gather", ["expr", ia], "a", axis=0)
    b = node("Gather", ["expr", ib], "b", axis=0)
    x = node("Concat", [node("Unsqueeze", [a, "ax12"], "a4"), node("Unsqueeze", [b, "ax12"], "b4")], "x", axis=2)

    def block(x, layer, bn, out):
        r = node("Relu", [layer], out + ".relu")
        return node("BatchNormalization", [r] + bn_names(bn), out, epsilon=BN_EPS)

    for i, c in enumerate(BLOCKS_CNN, 1):
        x = block(x, node("Conv", [x, f"cnn.{c}.weight", f"cnn.{c}.bias"], f"{c}.y"), f"cnn.bn{i}", f"cnn.h{i}")
    x = node("Flatten", [x], "flat", axis=1)
    x = block(x, node("Gemm", [x, "cnn.fc1.weight", "cnn.fc1.bias"], "fc1.y", transB=1), "cnn.bn_fc1", "cnn.out")
    m = node("Mul", [a, b], "ab")
    for i in (1, 2):
        m = block(m, node("Gemm", [m, f"mlp.fc{i}.weight", f"mlp.fc{i}.bias"], f"mfc{i}.y", transB=1), f"mlp.bn{i}",
                  f"mlp.h{i}")
    f = node("Concat", [x, m], "cat", axis=1)
    p = node("Softmax", [node("Gemm", [f, "head.weight", "head.bias"], "logits", transB=1)], "probs", axis=1)
    node("Gather", [p, "i1"], "p_pos", axis=1)
    graph = helper.make_graph(nodes, "gener", [helper.make_tensor_value_info("pairs", TensorProto.INT64, ["B", 2])],
                              [helper.make_tensor_value_info("p_pos", TensorProto.FLOAT, ["B"])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


class OnnxRuntimePeer:
    name = "ONNX Runtime"

    def __init__(self, w, threads):
        import onnxruntime as ort
        self.ort, self.w, self.threads = ort, w, threads
        self.version = ort.__version__

    def load(self, expr):
        so = self.ort.SessionOptions()
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        so.execution_mode = self.ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = self.ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        s = self.ort.InferenceSession(build_onnx(self.w, expr), so, providers=["CPUExecutionProvider"])
        return lambda ab: s.run(None, {"pairs": ab})[0]


class OpenVinoPeer:
    def __init__(self, w, threads, precision):
        import openvino as ov
        self.ov, self.w, self.threads, self.precision = ov, w, threads, precision
        self.version = ov.__version__
        self.name = f"OpenVINO {precision}"

    def load(self, expr):
        core = self.ov.Core()
        model = core.read_model(build_onnx(self.w, expr), b"")
        hint = {"fp32": "f32", "bf16": "bf16"}[self.precision]
        cfg = {"INFERENCE_NUM_THREADS": self.threads, "INFERENCE_PRECISION_HINT": hint,
               "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1}
        req = core.compile_model(model, "CPU", cfg).create_infer_request()
        return lambda ab: req.infer({"pairs": ab})[0].copy()


# ---------------------------------------------------------------- PyTorch

class TorchPeer:
    def __init__(self, w, threads, compiled):
        import torch
        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import torch_gener
        self.torch, self.tg, self.w, self.compiled = torch, torch_gener, w, compiled
        self.version = torch.__version__
        self.name = "PyTorch torch.compile" if compiled else "PyTorch eager"

    def model(self):
        L = self.w["mlp.fc1.weight"].shape[1]
        m = self.tg.Gener(L)
        m.load_state_dict({k: self.torch.from_numpy(v) for k, v in self.w.items()}, strict=False)
        return m, (self.torch.compile(m) if self.compiled else m)

    def load(self, expr):
        torch = self.torch
        m, fwd = self.model()
        m.eval()
        e = torch.from_numpy(expr)

        def score(ab):
            with torch.inference_mode():
                xc, xm = self.tg.pair_features(e, torch.from_numpy(ab))
                return torch.softmax(fwd(xc, xm), dim=1)[:, 1].numpy()
        return score

    def trainer(self, expr):
        torch, F = self.torch, self.torch.nn.functional
        m, fwd = self.model()
        m.train()
        opt = torch.optim.SGD(m.parameters(), lr=LR)
        e = torch.from_numpy(expr)

        def step(ab, y):
            xc, xm = self.tg.pair_features(e, torch.from_numpy(ab))
            loss = F.cross_entropy(fwd(xc, xm), torch.from_numpy(y))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            return loss
        return step, lambda loss: float(loss)


# ---------------------------------------------------------------- TensorFlow / Keras 3

class TensorFlowPeer:
    name = "TensorFlow/Keras"

    def __init__(self, w, threads):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras
        self.tf, self.keras, self.w = tf, keras, w
        self.version = f"{tf.__version__} + Keras {keras.__version__}"

    def model(self):
        """Keras functional model on NHWC (B, 2, L, 1) and (B, L), the checkpoint's weights converted."""
        keras, w = self.keras, self.w
        L = w["mlp.fc1.weight"].shape[1]
        L3 = w["cnn.fc1.weight"].shape[1] // w["cnn.conv3.weight"].shape[0]
        lay = keras.layers

        def bn(x, name):
            layer = lay.BatchNormalization(epsilon=BN_EPS, momentum=0.9, name=name)
            return layer, layer(x)

        xc_in, xm_in = keras.Input((2, L, 1)), keras.Input((L,))
        loads, x = [], xc_in
        for i, c in enumerate(BLOCKS_CNN, 1):
            cw = w[f"cnn.{c}.weight"]
            conv = lay.Conv2D(cw.shape[0], cw.shape[2:], activation="relu", name=c)
            b, x = bn(conv(x), f"bn{i}")
            x = lay.Dropout(0.5)(x)
            loads += [(conv, [cw.transpose(2, 3, 1, 0), w[f"cnn.{c}.bias"]]), (b, [w[k] for k in bn_names(f"cnn.bn{i}")])]
        x = lay.Flatten()(x)  # NHWC flatten: index w*C + c; the PyTorch weight is indexed c*W + w
        fw = w["cnn.fc1.weight"]
        c3 = fw.shape[1] // L3
        fw_k = fw.reshape(fw.shape[0], c3, L3).transpose(2, 1, 0).reshape(L3 * c3, fw.shape[0])
        fc1 = lay.Dense(fw.shape[0], activation="relu")
        b, x = bn(fc1(x), "bn_fc1")
        x = lay.Dropout(0.5)(x)
        loads += [(fc1, [fw_k, w["cnn.fc1.bias"]]), (b, [w[k] for k in bn_names("cnn.bn_fc1")])]
        m = xm_in
        for i in (1, 2):
            d = lay.Dense(w[f"mlp.fc{i}.weight"].shape[0], activation="relu")
            b, m = bn(d(m), f"mbn{i}")
            m = lay.Dropout(0.5)(m)
            loads += [(d, [w[f"mlp.fc{i}.weight"].T, w[f"mlp.fc{i}.bias"]]), (b, [w[k] for k in bn_names(f"mlp.bn{i}")])]
        head = lay.Dense(2)
        out = head(lay.Concatenate()([x, m]))
        loads.append((head, [w["head.weight"].T, w["head.bias"]]))
        model = keras.Model([xc_in, xm_in], out)
        for layer, ws in loads:
            layer.set_weights(ws)
        return model

    def features(self, e, ab):
        tf = self.tf
        a, b = tf.gather(e, ab[:, 0]), tf.gather(e, ab[:, 1])
        return tf.expand_dims(tf.stack([a, b], axis=1), -1), a * b

    def load(self, expr):
        tf, model = self.tf, self.model()
        e = tf.constant(expr)

        @tf.function(reduce_retracing=True)
        def score(ab):
            xc, xm = self.features(e, ab)
            return tf.nn.softmax(model([xc, xm], training=False), axis=1)[:, 1]
        return lambda ab: score(tf.constant(ab)).numpy()

    def trainer(self, expr):
        tf, keras, model = self.tf, self.keras, self.model()
        e = tf.constant(expr)
        opt = keras.optimizers.SGD(LR)
        lossf = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

        @tf.function(reduce_retracing=True)
        def step(ab, y):
            xc, xm = self.features(e, ab)
            with tf.GradientTape() as tape:
                loss = lossf(y, model([xc, xm], training=True))
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
            return loss
        return lambda ab, y: step(tf.constant(ab), tf.constant(y)), lambda loss: float(loss.numpy())


# ---------------------------------------------------------------- JAX

class JaxPeer:
    name = "JAX"

    def __init__(self, w, threads):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   f" --xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}")
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_platforms", "cpu")
        self.jax, self.jnp, self.w = jax, jnp, w
        self.version = jax.__version__
        self.params = {k: jnp.asarray(v) for k, v in w.items() if not k.endswith(("running_mean", "running_var"))}
        self.stats = {k: jnp.asarray(v) for k, v in w.items() if k.endswith(("running_mean", "running_var"))}

    def forward(self, p, s, e, ab, train, key):
        """Logits (B, 2) and, in training, the updated running statistics."""
        jax, jnp = self.jax, self.jnp
        new_s, keys = dict(s), iter(jax.random.split(key, 8))

        def block(h, bn, axes):
            h = jax.nn.relu(h)
            shape = (1, -1) + (1,) * (h.ndim - 2)
            g, b = p[bn + ".weight"].reshape(shape), p[bn + ".bias"].reshape(shape)
            if train:
                mu, var = h.mean(axes), h.var(axes)
                n = h.size / h.shape[1]
                new_s[bn + ".running_mean"] = 0.9 * s[bn + ".running_mean"] + 0.1 * mu
                new_s[bn + ".running_var"] = 0.9 * s[bn + ".running_var"] + 0.1 * var * n / (n - 1)
            else:
                mu, var = s[bn + ".running_mean"], s[bn + ".running_var"]
            h = (h - mu.reshape(shape)) / jnp.sqrt(var.reshape(shape) + BN_EPS) * g + b
            if train:
                h = jnp.where(jax.random.bernoulli(next(keys), 0.5, h.shape), h * 2.0, 0.0)
            return h

        a, b = e[ab[:, 0]], e[ab[:, 1]]
        x = jnp.stack([a, b], axis=1)[:, None]  # (B, 1, 2, L)
        for i, c in enumerate(BLOCKS_CNN, 1):
            x = jax.lax.conv_general_dilated(x, p[f"cnn.{c}.weight"], (1, 1), "VALID",
                                             dimension_numbers=("NCHW", "OIHW", "NCHW"))
            x = block(x + p[f"cnn.{c}.bias"].reshape(1, -1, 1, 1), f"cnn.bn{i}", (0, 2, 3))
        x = x.reshape(x.shape[0], -1)
        x = block(x @ p["cnn.fc1.weight"].T + p["cnn.fc1.bias"], "cnn.bn_fc1", (0,))
        m = a * b
        for i in (1, 2):
            m = block(m @ p[f"mlp.fc{i}.weight"].T + p[f"mlp.fc{i}.bias"], f"mlp.bn{i}", (0,))
        return jnp.concatenate([x, m], axis=1) @ p["head.weight"].T + p["head.bias"], new_s

    def load(self, expr):
        jax, e = self.jax, self.jnp.asarray(expr)
        f = jax.jit(lambda p, s, ab: jax.nn.softmax(self.forward(p, s, e, ab, False, jax.random.PRNGKey(0))[0])[:, 1])
        return lambda ab: np.asarray(f(self.params, self.stats, ab))

    def trainer(self, expr):
        jax, jnp, e = self.jax, self.jnp, self.jnp.asarray(expr)

        def loss_fn(p, s, ab, y, key):
            logits, ns = self.forward(p, s, e, ab, True, key)
            logp = jax.nn.log_softmax(logits)
            return -jnp.take_along_axis(logp, y[:, None], axis=1).mean(), ns

        @jax.jit
        def step(p, s, ab, y, key):
            (loss, ns), g = jax.value_and_grad(loss_fn, has_aux=True)(p, s, ab, y, key)
            return jax.tree_util.tree_map(lambda w, d: w - LR * d, p, g), ns, loss

        state = {"p": self.params, "s": self.stats, "key": jax.random.PRNGKey(1), "n": 0}

        def run(ab, y):
            state["n"] += 1
            state["p"], state["s"], loss = step(state["p"], state["s"], ab, y, jax.random.fold_in(state["key"], state["n"]))
            return loss
        return run, lambda loss: float(loss)


def make_peer(name, w, threads):
    if name == "onnxruntime":
        return OnnxRuntimePeer(w, threads)
    if name.startswith("openvino"):
        return OpenVinoPeer(w, threads, name.split("-")[1])
    if name in ("torch", "torch-compile"):
        return TorchPeer(w, threads, name == "torch-compile")
    if name == "tensorflow":
        return TensorFlowPeer(w, threads)
    if name == "jax":
        return JaxPeer(w, threads)
    raise SystemExit(f"peer_models.py: unknown peer '{name}' (one of {', '.join(PEERS)})")


# ---------------------------------------------------------------- benchmark protocol (as `gener bench`)

class Server:
    def __init__(self, peer, genes, samples):
        self.peer, self.genes, self.samples = peer, genes, samples
        self.cache = {}

    def bench(self, c):
        mode, B = c["mode"], int(c["batch"])
        expr, ab, y = bench_data(self.genes, self.samples, max(B, int(c.get("pairs", 2_000_000))))
        N = len(ab) // B * B  # whole batches: a tail batch would retrace compiled engines inside the clock
        key = (mode, B)
        if key not in self.cache:  # built (and compiled, in the warm-up) once per configuration
            self.cache[key] = self.peer.load(expr) if mode == "score" else self.peer.trainer(expr)
        fn = self.cache[key]
        if mode == "score":
            step, sync = (lambda lo: fn(ab[lo:lo + B])), (lambda r: r)
        else:
            train, read = fn
            step, sync = (lambda lo: train(ab[lo:lo + B], y[lo:lo + B])), read
        for i in range(int(c.get("warmup", 3))):
            sync(step((i * B) % N))
        done, t0, r = 0, time.perf_counter(), None
        while done < N:
            r = step(done)
            done += B
            if time.perf_counter() - t0 >= float(c["seconds"]):
                break
        out = sync(r)  # score: results are host arrays already; train: waits for the last step's loss
        secs = time.perf_counter() - t0
        if mode == "score":
            assert np.isfinite(out).all()
        else:
            assert np.isfinite(out)
        return {"pairs": done, "seconds": secs, "pairs_per_s": done / secs}

    def score(self, c):
        expr, ab = np.load(c["expr"]).astype(np.float32), np.load(c["pairs"]).astype(np.int64)
        np.save(c["out"], np.asarray(self.peer.load(expr)(ab), dtype=np.float32))
        return {"n": len(ab)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", required=True, choices=PEERS)
    ap.add_argument("--model", required=True, help="gener checkpoint (model.safetensors)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--genes", type=int, default=5950)
    ap.add_argument("--samples", type=int, default=536)
    a = ap.parse_args()
    peer = make_peer(a.peer, read_safetensors(a.model), a.threads)
    srv = Server(peer, a.genes, a.samples)
    print(json.dumps({"ready": True, "name": peer.name, "version": peer.version, "trains": a.peer in TRAINS}),
          flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        try:
            r = srv.bench(c) if c["cmd"] == "bench" else srv.score(c)
        except Exception as ex:  # reported to the driver, which skips this peer with the message
            r = {"error": f"{type(ex).__name__}: {ex}"}
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
