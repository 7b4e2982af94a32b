# torch_gener.py — PyTorch reference GENER (DESIGN §1): eager benchmark, safetensors loader, pair scoring.
"""PyTorch reference implementation of the GENER model and its benchmark.

Default entry point is the benchmark (same protocol and JSON keys as `gener bench`):
    python3 bench/torch_gener.py --device cpu --mode score --pairs 20000 --batch 1024 --threads 2
Scoring with gener checkpoint weights (to compare gener's scores against PyTorch's):
    python3 bench/torch_gener.py --load-safetensors model.safetensors --expr expr.tsv --score-pairs pairs.tsv
"""
import argparse
import json
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PAPER_PARAMS = 223_706  # trainable parameters at L = 536 (DESIGN §1)
BN_EPS = 1e-3
BN_MOMENTUM = 0.1  # PyTorch convention: running = 0.9*running + 0.1*batch (Keras momentum 0.9)
DROPOUT = 0.5


def _bn2d(c):
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


def _bn1d(c):
    return nn.BatchNorm1d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class CnnBranch(nn.Module):
    """(B, 1, 2, L) -> (B, fc). Layer order per block: layer -> ReLU -> BN -> dropout."""

    def __init__(self, L, c1=16, c2=16, c3=8, fc=32, p=DROPOUT):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, (2, 2))   # -> (B, c1, 1, L-1)
        self.bn1 = _bn2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, (1, 3))  # -> (B, c2, 1, L-3)
        self.bn2 = _bn2d(c2)
        self.conv3 = nn.Conv2d(c2, c3, (1, 1))  # -> (B, c3, 1, L-3)
        self.bn3 = _bn2d(c3)
        self.fc1 = nn.Linear(c3 * (L - 3), fc)   # NCHW flatten: index c*(L-3) + w
        self.bn_fc1 = _bn1d(fc)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        x = self.drop(self.bn1(F.relu(self.conv1(x))))
        x = self.drop(self.bn2(F.relu(self.conv2(x))))
        x = self.drop(self.bn3(F.relu(self.conv3(x))))
        x = torch.flatten(x, 1)
        return self.drop(self.bn_fc1(F.relu(self.fc1(x))))


class MlpBranch(nn.Module):
    """(B, L) = a*b -> (B, h2)."""

    def __init__(self, L, h1=128, h2=128, p=DROPOUT):
        super().__init__()
        self.fc1 = nn.Linear(L, h1)
        self.bn1 = _bn1d(h1)
        self.fc2 = nn.Linear(h1, h2)
        self.bn2 = _bn1d(h2)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        x = self.drop(self.bn1(F.relu(self.fc1(x))))
        return self.drop(self.bn2(F.relu(self.fc2(x))))


class Gener(nn.Module):
    """Late fusion of the CNN branch on [a; b] and the MLP branch on a*b; returns logits (B, 2)."""

    def __init__(self, L=536, cnn_only=False, c1=16, c2=16, c3=8, fc=32, h1=128, h2=128):
        super().__init__()
        self.L = L
        self.cnn = CnnBranch(L, c1, c2, c3, fc)
        self.mlp = None if cnn_only else MlpBranch(L, h1, h2)
        self.head = nn.Linear(fc + (0 if cnn_only else h2), 2)

    def forward(self, x_cnn, x_mlp=None):
        f = self.cnn(x_cnn)
        if self.mlp is not None:
            f = torch.cat([f, self.mlp(x_mlp)], dim=1)
        return self.head(f)


def count_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def pair_features(expr, idx):
    """expr (G, L), idx (B, 2) long -> x_cnn (B, 1, 2, L), x_mlp (B, L), gathered on expr's device."""
    a = expr[idx[:, 0]]
    b = expr[idx[:, 1]]
    return torch.stack((a, b), dim=1).unsqueeze(1), a * b


# ---------------------------------------------------------------- safetensors (stdlib + torch only)

def read_safetensors(path):
    """Returns ({name: float32 tensor}, metadata dict). Only F32 tensors are accepted."""
    if sys.byteorder != "little":
        raise SystemExit("read_safetensors: little-endian host required")
    with open(path, "rb") as f:
        blob = f.read()
    (hlen,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        shape = info["shape"]
        n = 1
        for d in shape:
            n *= d
        if end - begin != 4 * n:
            raise ValueError(f"{path}: tensor {name} has {end - begin} bytes for shape {shape}")
        buf = bytearray(blob[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=torch.float32) if n else torch.empty(0)
        tensors[name] = t.reshape(shape).clone()
    return tensors, meta


def model_from_safetensors(path):
    """Builds a Gener whose sizes follow the checkpoint's shapes and loads its weights (eval mode)."""
    sd, meta = read_safetensors(path)
    cnn_only = "mlp.fc1.weight" not in sd
    c1, c2, c3 = (sd[f"cnn.conv{i}.weight"].shape[0] for i in (1, 2, 3))
    fc = sd["cnn.fc1.weight"].shape[0]
    L = sd["cnn.fc1.weight"].shape[1] // c3 + 3
    h1 = h2 = 128
    if not cnn_only:
        h1, L_mlp = sd["mlp.fc1.weight"].shape
        h2 = sd["mlp.fc2.weight"].shape[0]
        if L_mlp != L:
            raise ValueError(f"{path}: mlp.fc1 width {L_mlp} disagrees with cnn.fc1 width (L={L})")
    model = Gener(L, cnn_only, c1, c2, c3, fc, h1, h2)
    own = model.state_dict()
    sd = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    missing = [k for k in own if k not in sd and not k.endswith("num_batches_tracked")]
    unknown = [k for k in sd if k not in own]
    if missing or unknown:
        raise ValueError(f"{path}: missing tensors {missing}, unknown tensors {unknown}")
    for k, v in sd.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise ValueError(f"{path}: {k} has shape {tuple(v.shape)}, expected {tuple(own[k].shape)}")
    model.load_state_dict(sd, strict=False)
    model.eval()
    return model, meta


def read_expression(path):
    """Genes-by-samples TSV/CSV, first column = gene id, optional header row -> (names, (G, L) tensor)."""
    names, rows = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            cols = line.replace(",", "\t").split("\t") if "\t" in line or "," in line else line.split()
            try:
                vals = [float(c) for c in cols[1:]]
            except ValueError:
                if not rows:
                    continue  # header row
                raise
            names.append(cols[0])
            rows.append(vals)
    return names, torch.tensor(rows, dtype=torch.float32)


def score_pairs(args):
    model, _ = model_from_safetensors(args.load_safetensors)
    if not args.expr:
        raise SystemExit("--score-pairs needs --expr (genes-by-samples table, first column = gene id)")
    names, expr = read_expression(args.expr)
    if expr.shape[1] != model.L:
        raise SystemExit(f"{args.expr}: {expr.shape[1]} samples, checkpoint expects L={model.L}")
    index = {n: i for i, n in enumerate(names)}
    pairs = []
    with open(args.score_pairs) as f:
        for line in f:
            cols = line.split()
            if len(cols) < 2 or cols[0].startswith("#"):
                continue
            ab = [index[c] if c in index else int(float(c)) for c in cols[:2]]
            pairs.append(ab)
    idx = torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)
    with torch.no_grad():
        x_cnn, x_mlp = pair_features(expr, idx)
        p = torch.softmax(model(x_cnn, x_mlp), dim=1)[:, 1]
    for (a, b), s in zip(pairs, p.tolist()):
        print(f"{names[a]}\t{names[b]}\t{s:.9g}")


# ---------------------------------------------------------------- benchmark

def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def run_bench(args):
    dev = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    # fp32 unless asked: PyTorch lets cuDNN convolutions use TF32 by default, gener does not.
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    model = Gener(args.samples, cnn_only=args.cnn_only).to(dev)
    nparams = count_params(model)
    if args.samples == 536 and not args.cnn_only and nparams != PAPER_PARAMS:
        raise SystemExit(f"parameter count {nparams} != {PAPER_PARAMS}")
    expr = torch.randn(args.genes, args.samples, device=dev)
    g = torch.Generator(device="cpu").manual_seed(args.seed + 1)
    pairs = torch.randint(0, args.genes, (args.pairs, 2), generator=g).to(dev)
    labels = torch.randint(0, 2, (args.pairs,), generator=g).to(dev)
    B, N = args.batch, args.pairs
    fwd = model
    if args.compile:
        fwd = torch.compile(model)  # compiled in the warm-up batches, which are not timed
        N = max(B, N // B * B)      # whole batches only: a tail batch would recompile inside the timed loop

    if args.mode == "score":
        model.eval()
        ctx = torch.inference_mode if args.grad_mode == "inference" else torch.no_grad
        scores = torch.empty(N, device=dev)

        def step(lo, hi):
            with ctx():
                x_cnn, x_mlp = pair_features(expr, pairs[lo:hi])
                scores[lo:hi] = torch.softmax(fwd(x_cnn, x_mlp), dim=1)[:, 1]
    else:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.0)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2500, gamma=0.8)  # staircase decay per step

        def step(lo, hi):
            x_cnn, x_mlp = pair_features(expr, pairs[lo:hi])
            loss = F.cross_entropy(fwd(x_cnn, x_mlp), labels[lo:hi])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()

    for w in range(args.warmup_batches):  # warm-up on the first batches; not timed
        lo = (w * B) % max(N - B, 1)
        step(lo, min(lo + B, N))
    _sync(dev)

    check_every = args.check_every or (1 if dev.type == "cpu" else 16)
    done, nb = 0, 0
    t0 = time.perf_counter()
    while done < N:
        hi = min(done + B, N)
        step(done, hi)
        done, nb = hi, nb + 1
        if args.seconds > 0 and nb % check_every == 0:
            _sync(dev)
            if time.perf_counter() - t0 >= args.seconds:
                break
    if args.mode == "score":
        out = scores[:done].cpu()  # copy back to the host is part of the measured work
        assert torch.isfinite(out).all()
    _sync(dev)
    secs = time.perf_counter() - t0

    res = {
        "impl": "pytorch", "torch_version": torch.__version__, "device": args.device, "mode": args.mode,
        "batch": B, "pairs": done, "seconds": round(secs, 6), "pairs_per_s": done / secs,
        "threads": args.threads, "params": nparams,
        "grad_mode": args.grad_mode if args.mode == "score" else "grad", "cnn_only": args.cnn_only,
        "genes": args.genes, "samples": args.samples, "compile": args.compile, "tf32": args.tf32,
    }
    print(f"pytorch {torch.__version__} {args.device} {args.mode}: {done} pairs in {secs:.3f} s = "
          f"{res['pairs_per_s']:.0f} pairs/s (batch {B}, threads {args.threads}, params {nparams}"
          f"{', cnn-only' if args.cnn_only else ''}{', torch.compile' if args.compile else ''}"
          f"{', tf32' if args.tf32 else ', fp32 (no tf32)'}"
          f"{', ' + args.grad_mode if args.mode == 'score' else ''})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    ap.add_argument("--mode", choices=("score", "train"), default="score")
    ap.add_argument("--genes", type=int, default=5950)
    ap.add_argument("--samples", type=int, default=536, help="L, values per gene")
    ap.add_argument("--pairs", type=int, default=100_000, help="pairs to measure (upper bound with --seconds)")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--warmup-batches", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=0.0, help="stop measuring after this time (0 = no limit)")
    ap.add_argument("--check-every", type=int, default=0,
                    help="batches between time-budget checks (0: 1 on cpu, 16 on cuda, which must sync)")
    ap.add_argument("--grad-mode", choices=("inference", "no_grad"), default="inference",
                    help="score mode: torch.inference_mode or torch.no_grad")
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cnn-only", action="store_true", help="ablation: no MLP branch, head Linear(32, 2)")
    ap.add_argument("--json", help="write the result as JSON here")
    ap.add_argument("--compile", action="store_true", help="torch.compile the model (compiled during the warm-up)")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in matmuls and cuDNN (off: plain fp32)")
    ap.add_argument("--params", action="store_true", help="print the trainable parameter count and exit")
    ap.add_argument("--load-safetensors", metavar="PATH", help="gener checkpoint (F32 safetensors)")
    ap.add_argument("--expr", help="genes-by-samples table for --score-pairs (first column = gene id)")
    ap.add_argument("--score-pairs", metavar="FILE",
                    help="pairs (two columns: gene ids or 0-based indices); prints 'a<TAB>b<TAB>P(class 1)'")
    args = ap.parse_args(argv)

    if args.params:
        n = count_params(Gener(args.samples, cnn_only=args.cnn_only))
        print(f"trainable parameters (L={args.samples}{', cnn-only' if args.cnn_only else ''}): {n}")
        return
    if args.score_pairs:
        if not args.load_safetensors:
            raise SystemExit("--score-pairs needs --load-safetensors")
        score_pairs(args)
        return
    run_bench(args)


if __name__ == "__main__":
    main()
