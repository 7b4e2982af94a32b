# peer_bench.py — gener against the peer engines on this CPU (DESIGN §5): the same model on the same weights, checked
# to compute the same function before any timing, threads set on every side, interleaved repeated runs; prints the
# Markdown table (median pairs/s, min–max, median ratio) and writes JSON. Driven by bench/peer_bench.sh.
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from peer_models import PEERS  # noqa: E402

FP32_TOL = 1e-4   # |P_peer - P_gener|, fp32 peers
LOW_TOL = 5e-2    # reduced-precision peers (OpenVINO bf16)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"peer_bench: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r.stdout


class Worker:
    """One peer's server process (bench/peer_models.py): built and compiled once, timed many times."""

    def __init__(self, peer, args, model, env):
        self.peer, self.note = peer, None
        cmd = [args.python, os.path.join(HERE, "peer_models.py"), "--peer", peer, "--model", model,
               "--threads", str(args.threads), "--genes", str(args.genes), "--samples", str(args.samples)]
        self.err = tempfile.TemporaryFile(mode="w+")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True,
                                  env=env)
        hello = self.read()
        if hello is None or not hello.get("ready"):
            self.fail("did not start")
            return
        self.name, self.version, self.trains = hello["name"], hello["version"], hello["trains"]

    def read(self):
        line = self.p.stdout.readline()
        return json.loads(line) if line else None

    def fail(self, why):
        self.err.seek(0)
        tail = [l for l in self.err.read().strip().splitlines() if l.strip()][-1:] or ["(no message)"]
        self.note = f"{why}: {tail[0][:200]}"
        self.close()

    def ask(self, cmd):
        if self.note:
            return None
        self.p.stdin.write(json.dumps(cmd) + "\n")
        self.p.stdin.flush()
        r = self.read()
        if r is None:
            self.fail("exited")
            return None
        if "error" in r:
            self.note = r["error"][:200]
            return None
        return r

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()


def read_tsv_expression(path):
    """`gener synth`'s expression.tsv: samples x genes (DREAM5 layout: a header of gene names, one row per chip)."""
    lines = open(path).read().split("\n")
    names = lines[0].split("\t")
    rows = [[float(v) for v in l.split("\t")] for l in lines[1:] if l.strip()]
    return names, np.ascontiguousarray(np.asarray(rows, dtype=np.float32).T)


def prepare_model(args, work):
    """A trained checkpoint with real batchnorm statistics (a short run on synthetic data)."""
    d = os.path.join(work, "synth")
    run([args.gener, "synth", "--out", d, "--genes", "300", "--samples", str(args.samples), "--pairs", "6000"])
    run([args.gener, "train", "--data", d, "--out", os.path.join(work, "model"), "--epochs", "2", "--quiet",
         "--device", "cpu", "--threads", str(args.threads)])
    return d, os.path.join(work, "model", "model.safetensors")


def gener_scores(args, work, synth, model, precision):
    names, expr = read_tsv_expression(os.path.join(synth, "expression.tsv"))
    rng = np.random.default_rng(3)
    ab = rng.integers(0, len(names), size=(2000, 2))
    with open(os.path.join(work, "check_pairs.tsv"), "w") as f:
        for a, b in ab:
            f.write(f"{names[a]}\t{names[b]}\n")
    out = os.path.join(work, f"check_scores_{precision}.tsv")
    run([args.gener, "score", "--model", model, "--expression", os.path.join(synth, "expression.tsv"), "--normalize",
         "none", "--pairs", os.path.join(work, "check_pairs.tsv"), "--out", out, "--device", "cpu", "--quiet",
         "--threads", str(args.threads)] + (["--precision", precision] if precision != "fp32" else []))
    got = {}
    for line in open(out):
        c = line.split("\t")
        if len(c) == 3 and c[2].strip() != "score":
            got[(c[0], c[1])] = float(c[2])
    s = np.array([got[(names[a], names[b])] for a, b in ab], dtype=np.float64)
    np.save(os.path.join(work, "check_expr.npy"), expr)
    np.save(os.path.join(work, "check_ab.npy"), ab)
    return s


def gener_bench(args, mode, batch, precision, work, kernels=None):
    """pairs/s of one `gener bench` run; kernels[precision] records the instructions it ran on (bf16: AMX tiles or
    AVX-512; fp32: AVX-512, AVX2, or sgemm where the CPU has neither)."""
    j = os.path.join(work, "gener.json")
    cmd = [args.gener, "bench", "--device", "cpu", "--mode", mode, "--batch", str(batch), "--threads",
           str(args.threads), "--genes", str(args.genes), "--samples", str(args.samples), "--pairs", "2000000",
           "--seconds", str(args.seconds), "--warmup-batches", "3", "--json", j]
    if precision != "fp32":
        cmd += ["--precision", precision]
    run(cmd)
    r = json.load(open(j))
    if kernels is not None:
        if precision == "fp32":
            simd = r.get("cpu_simd", "")
            kernels[precision] = "sgemm" if simd == "none" else simd
        else:
            kernels[precision] = "AMX" if r.get("amx") else "AVX-512"
    return r["pairs_per_s"]


def spread(v):
    return f"{min(v):,.0f}–{max(v):,.0f}"


def ratio_cell(num, den):
    """Median and range of the per-round ratios num[i] / den[i] (the rounds interleave, so pairs share conditions)."""
    if not num or not den or len(num) != len(den):
        return ""
    r = [x / y for x, y in zip(num, den)]
    return f" · {statistics.median(r):.2f}× ({min(r):.2f}–{max(r):.2f})"


def render(saved):
    """The Markdown table of one run (also from a saved JSON: --from-json)."""
    res = {tuple(k.rsplit("|", 2)[:1]) + (k.rsplit("|", 2)[1], int(k.rsplit("|", 2)[2])): v
           for k, v in saved["results"].items()}
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in saved["configs"]]
    low, (l0, l1) = saved["gener_precision_max_abs_diff"], saved["load"]
    head = [f"{m} @{b}" for m, b in configs]
    lines = [f"{saved['date']}, {saved['cpu']}, {saved['threads']} threads on every side, {saved['rounds']} "
             f"interleaved rounds of {saved['seconds']:g} s per cell; load average {l0[0]:.1f} before, {l1[0]:.1f} "
             "after. pairs/s: median (min–max) · median of the per-round ratios (min–max): for a peer, gener fp32 / "
             "peer; for gener bf16 / int8, its speed-up over gener fp32 and, after /, its ratio to OpenVINO bf16.", "",
             "| engine | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    kern = saved.get("gener_kernels", {})
    rows = [(f"gener {p}", f"gener {p}" + (f" on {kern[p]}" if p in kern else "") +
             (f" (max \\|dP\\| {low[p]:.1e})" if p in low else "")) for p in saved["precisions"]]
    rows += list(saved["labels"].items())
    for key, label in rows:
        cells = []
        for m, b in configs:
            v, g = res.get((key, m, b)), res.get(("gener fp32", m, b))
            if not v:
                cells.append("—")
                continue
            cell = f"{statistics.median(v):,.0f} ({spread(v)})"
            if key == "gener fp32":
                pass
            elif key.startswith("gener "):
                cell += ratio_cell(v, g)
                ov = res.get(("openvino-bf16", m, b))
                if ov:
                    cell += " /" + ratio_cell(v, ov)[2:]
            else:
                cell += ratio_cell(g, v)
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    notes = [f"- {peer}: {note}" for peer, note in saved.get("notes", {}).items()]
    if notes:
        lines += ["", "Skipped:"] + notes
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description="gener vs peer engines, interleaved (see bench/peer_bench.sh --help)")
    ap.add_argument("--gener")
    ap.add_argument("--python", default=sys.executable, help="python with the peer engines")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--genes", type=int, default=5950)
    ap.add_argument("--samples", type=int, default=536)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--configs", default="score:1024,score:8192,train:64,train:256")
    ap.add_argument("--precisions", default="fp32", help="gener rows, e.g. fp32,bf16,int8")
    ap.add_argument("--out", default="build/bench-results")
    ap.add_argument("--from-json", help="print the table of a saved run (peers_*.json) and exit")
    a = ap.parse_args()
    if a.from_json:
        print(render(json.load(open(a.from_json))))
        return
    os.makedirs(a.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="peer-bench-")
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), MKL_NUM_THREADS=str(a.threads),
               OPENBLAS_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS=str(a.threads), TF_NUM_INTEROP_THREADS="1")
    # gener's OpenMP threads wait passively by default (kernels/threads.h); the OpenMP peers (PyTorch) get the same.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    configs = [(c.split(":")[0], int(c.split(":")[1])) for c in a.configs.split(",")]
    precisions = a.precisions.split(",")
    load0 = os.getloadavg()

    synth, model = prepare_model(a, work)
    ref = gener_scores(a, work, synth, model, "fp32")
    low = {p: float(np.abs(gener_scores(a, work, synth, model, p) - ref).max()) for p in precisions if p != "fp32"}
    workers = []
    for p in a.peers.split(","):
        log(f"[peer] starting {p}")
        w = Worker(p, a, model, env)
        if not w.note:  # same function on the same weights, or no timing
            r = w.ask({"cmd": "score", "expr": os.path.join(work, "check_expr.npy"),
                       "pairs": os.path.join(work, "check_ab.npy"), "out": os.path.join(work, f"peer_{p}.npy")})
            if r:
                w.diff = float(np.abs(np.load(os.path.join(work, f"peer_{p}.npy")) - ref).max())
                tol = LOW_TOL if p.endswith("bf16") else FP32_TOL
                if not w.diff <= tol:
                    w.note = f"scores differ from gener's by {w.diff:.2e} (> {tol:g}): not timed"
        log(f"[peer] {p}: " + (w.note or f"ready ({w.name} {w.version}, max |dP| = {w.diff:.1e})"))
        workers.append(w)
    live = lambda mode: [w for w in workers if not w.note and (mode == "score" or w.trains)]

    res = {}  # (row, mode, batch) -> [pairs/s per round]
    kernels = {}  # gener precision -> the kernels it ran on
    for mode, batch in configs:
        for w in live(mode):  # untimed: builds and compiles every configuration once
            w.ask({"cmd": "bench", "mode": mode, "batch": batch, "seconds": 1, "warmup": 3})
        for r in range(a.rounds):
            log(f"[round {r + 1}/{a.rounds}] {mode} @{batch}, load {os.getloadavg()[0]:.1f}")
            for p in precisions if mode == "score" else ["fp32"]:
                res.setdefault((f"gener {p}", mode, batch), []).append(gener_bench(a, mode, batch, p, work, kernels))
            for w in live(mode):
                t = w.ask({"cmd": "bench", "mode": mode, "batch": batch, "seconds": a.seconds, "warmup": 3})
                if t:
                    res.setdefault((w.peer, mode, batch), []).append(t["pairs_per_s"])
    load1 = os.getloadavg()
    for w in workers:
        w.close()

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    saved = {"host": platform.node(), "cpu": cpu, "threads": a.threads, "rounds": a.rounds, "seconds": a.seconds,
             "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": [load0, load1],
             "configs": [f"{m}:{b}" for m, b in configs], "precisions": precisions,
             "labels": {w.peer: f"{w.name} {w.version.split('-')[0]}" for w in workers if not w.note},
             "notes": {w.peer: w.note for w in workers if w.note},
             "results": {f"{k[0]}|{k[1]}|{k[2]}": v for k, v in res.items()}, "gener_precision_max_abs_diff": low,
             "gener_kernels": kernels}
    table = render(saved)
    saved["table"] = table
    print(table)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(a.out, f"peers_{stamp}.json"), "w") as f:
        json.dump(saved, f, indent=1)
    with open(os.path.join(a.out, f"peers_{stamp}.md"), "w") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    main()
