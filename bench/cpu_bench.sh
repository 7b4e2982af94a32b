#!/usr/bin/env bash
# cpu_bench.sh — gener vs PyTorch CPU throughput (score, train), same protocol, one run; prints ratios, writes JSON.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/cpu_bench.sh [options]
Runs `gener bench` and bench/torch_gener.py one after the other on this machine with the same
protocol (random expression matrix held in memory, random pairs, same batch and thread count)
and prints pairs/s for both and the ratio gener/pytorch (DESIGN §5 targets: score >= 10x, train >= 5x).

  --gener PATH          gener binary (default: build/gener)
  --python PATH         python with torch (default: /usr/bin/python3)
  --threads T           threads for both sides (default: 2)
  --genes N --samples L data shape (default: 5950 x 536)
  --score-batch B       scoring batch, both sides (default: 1024)
  --train-batch B       training batch, both sides (default: 64, the paper's)
  --score-pairs N       pairs per scoring measurement (default: 2000000)
  --train-pairs N       pairs per training measurement (default: 200000)
  --seconds S           time budget per measurement; a side that is slower stops early and
                        reports the pairs it did (default: 15)
  --warmup-batches W    untimed warm-up batches (default: 5)
  --modes "score train" which measurements (default: both)
  --out DIR             results directory (default: build/bench-results)
  --check               exit 1 if a ratio misses its DESIGN §5 target
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gener="$root/build/gener"; py=/usr/bin/python3; threads=2; genes=5950; samples=536
score_batch=1024; train_batch=64; score_pairs=2000000; train_pairs=200000; seconds=15; warmup=5
modes="score train"; out="$root/build/bench-results"; check=0; status=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --gener) gener="$2"; shift 2 ;;
    --python) py="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --genes) genes="$2"; shift 2 ;;
    --samples) samples="$2"; shift 2 ;;
    --score-batch) score_batch="$2"; shift 2 ;;
    --train-batch) train_batch="$2"; shift 2 ;;
    --score-pairs) score_pairs="$2"; shift 2 ;;
    --train-pairs) train_pairs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup-batches) warmup="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cpu_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! "$py" -c "import torch" 2>/dev/null; then
  echo "cpu_bench.sh: '$py' cannot import torch." >&2
  echo "  Install it with:  sudo apt-get install python3-torch   (Debian/Ubuntu; gives PyTorch 1.13)" >&2
  echo "  or:               pip install torch --index-url https://download.pytorch.org/whl/cpu" >&2
  echo "  or pass --python PATH to a python that has torch." >&2
  exit 2
fi

have_gener=1
if [[ ! -x "$gener" ]]; then
  echo "cpu_bench.sh: warning: gener binary '$gener' not found (build it: cmake -B build && cmake --build build);" \
       "measuring PyTorch only" >&2
  have_gener=0; status=1
fi
gener_extra=()
if (( have_gener )); then
  help="$("$gener" bench --help 2>&1 || true)"
  [[ "$help" == *--seconds* ]] && gener_extra+=(--seconds "$seconds")
  [[ "$help" == *--warmup-batches* ]] && gener_extra+=(--warmup-batches "$warmup")
fi

stamp="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

for mode in $modes; do
  case "$mode" in
    score) batch=$score_batch; pairs=$score_pairs ;;
    train) batch=$train_batch; pairs=$train_pairs ;;
    *) echo "cpu_bench.sh: unknown mode '$mode'" >&2; exit 2 ;;
  esac
  common=(--device cpu --mode "$mode" --genes "$genes" --samples "$samples" --pairs "$pairs"
          --batch "$batch" --threads "$threads")
  if (( have_gener )); then
    echo "== gener   $mode: batch $batch, up to $pairs pairs, $threads threads"
    if ! "$gener" bench "${common[@]}" "${gener_extra[@]}" --json "$tmp/gener_$mode.json"; then
      echo "cpu_bench.sh: gener bench --mode $mode failed" >&2; status=1
    fi
  fi
  echo "== pytorch $mode: batch $batch, up to $pairs pairs or ${seconds} s, $threads threads"
  if ! "$py" "$root/bench/torch_gener.py" "${common[@]}" --seconds "$seconds" --warmup-batches "$warmup" \
       --json "$tmp/pytorch_$mode.json"; then
    echo "cpu_bench.sh: torch_gener.py --mode $mode failed" >&2; status=1
  fi
done

result="$out/cpu_$stamp.json"
"$py" - "$tmp" "$result" "$modes" "$check" <<'EOF' || status=1
import json, os, platform, sys
tmp, result, modes, check = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4] == "1"
targets = {"score": 10.0, "train": 5.0}
def load(name):
    p = os.path.join(tmp, name)
    return json.load(open(p)) if os.path.exists(p) else None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
doc = {"host": platform.node(), "cpu": cpu, "nproc": os.cpu_count(), "results": {}}
rows, missed = [], []
for m in modes:
    g, t = load(f"gener_{m}.json"), load(f"pytorch_{m}.json")
    ratio = g["pairs_per_s"] / t["pairs_per_s"] if g and t and t["pairs_per_s"] > 0 else None
    doc["results"][m] = {"gener": g, "pytorch": t, "ratio": ratio, "target": targets[m]}
    if ratio is None or ratio < targets[m]:
        missed.append(m)
    batch = (g or t or {}).get("batch", "?")
    fmt = lambda r: f"{r['pairs_per_s']:,.0f}" if r else "n/a"
    rows.append((m, str(batch), fmt(g), fmt(t), f"{ratio:.2f}x" if ratio else "n/a", f">= {targets[m]:g}x"))
with open(result, "w") as f:
    json.dump(doc, f, indent=1); f.write("\n")
head = ("mode", "batch", "gener pairs/s", "pytorch pairs/s", "gener/pytorch", "target")
w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
print(f"\nCPU benchmark on {cpu}, {os.cpu_count()} cores")
for r in [head] + rows:
    print("  ".join(c.rjust(w[i]) for i, c in enumerate(r)))
print(f"results: {result}")
sys.exit(1 if check and missed else 0)
EOF
exit "$status"
