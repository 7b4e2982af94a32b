#!/usr/bin/env bash
# cluster_bench.sh — one rank with T threads vs T ranks with one thread each (MPI), side by side on one machine:
# scoring all pairs (top k), data-parallel training, and merging job-array shards. Runs interleaved (A B A B ...).
set -euo pipefail

usage() {
  cat <<'EOF_USAGE'
Usage: bench/cluster_bench.sh [options]
On one machine, alternately (A B A B ..., --reps times each):
  score  A: gener score --all-pairs --top-k K, 1 rank x T threads
         B: mpiexec -n T gener score ..., T ranks x 1 thread   (outputs compared byte for byte)
  train  A: gener train --epochs 1, 1 rank x T threads
         B: mpiexec -n T gener train ..., T ranks x 1 thread
then scores the same job as two --shard slices and times `gener merge` of the two shards (--reps times).
Prints medians and [min, max] of pairs/s, the T-rank efficiency (B / A, paired run by run), the merge time and
the bytes all-reduced per training step.

  --gener PATH      gener binary (default: build/gener)
  --threads T       cores to use: T threads, or T ranks (default: 2)
  --genes N         genes: N(N-1)/2 pairs are scored (default: 2000, 1,999,000 pairs)
  --samples L       expression vector length (default: 536, the paper's)
  --pairs P         labelled synthetic pairs; 80% train (default: 250000, 200,000 training pairs)
  --top-k K         pairs kept when scoring (default: 1000000)
  --reps R          runs of each variant (default: 3)
  --out DIR         work directory (default: build/cluster-bench)
EOF_USAGE
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gener="$root/build/gener"; threads=2; genes=2000; samples=536; pairs=250000; topk=1000000; reps=3
out="$root/build/cluster-bench"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gener) gener="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --genes) genes="$2"; shift 2 ;;
    --samples) samples="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --top-k) topk="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cluster_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
command -v mpiexec >/dev/null || { echo "cluster_bench.sh: mpiexec not found (apt-get install openmpi-bin)" >&2; exit 2; }
[[ -x "$gener" ]] || { echo "cluster_bench.sh: $gener not found (build first)" >&2; exit 2; }
"$gener" --version | grep -q "MPI (" || { echo "cluster_bench.sh: $gener was built without MPI" >&2; exit 2; }

# Waiting OpenMP threads and MPI ranks both yield their core (shared machines); root is allowed (containers).
export OMP_WAIT_POLICY=passive OMPI_MCA_mpi_yield_when_idle=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpiexec -n "$threads" --bind-to none)
mkdir -p "$out"; cd "$out"
log="$out/runs.tsv"; : > "$log"

now() { date +%s.%N; }
# last "N pairs/s" figure on stderr of the previous command
rate() { grep -oE "$1" "$2" | tail -1 | grep -oE '[0-9]+ pairs/s' | grep -oE '[0-9]+'; }

echo "[bench] data: $genes genes x $samples samples, $pairs labelled pairs; $threads cores; $(nproc) online"
[[ -f data/expression.tsv ]] || "$gener" synth --genes "$genes" --samples "$samples" --pairs "$pairs" --seed 1 \
  --out data >/dev/null 2>&1
train=(train --data data --epochs 1 --patience 0 --device cpu)
score=(score --model model/model.safetensors --expression data/expression.tsv --all-pairs --top-k "$topk" --device cpu)
[[ -f model/model.safetensors ]] || "$gener" "${train[@]}" --quiet --threads "$threads" --out model >/dev/null 2>&1

for ((r = 1; r <= reps; r++)); do
  t0=$(now); "$gener" "${score[@]}" --threads "$threads" --out score_a.tsv 2> score_a.err >/dev/null; t1=$(now)
  echo -e "score\tA\t$(rate 'score all pairs.*pairs/s' score_a.err)\t$(awk "BEGIN { print $t1 - $t0 }")" >> "$log"
  t0=$(now); "${mpi[@]}" "$gener" "${score[@]}" --threads 1 --out score_b.tsv 2> score_b.err >/dev/null; t1=$(now)
  echo -e "score\tB\t$(rate 'score all pairs.*pairs/s' score_b.err)\t$(awk "BEGIN { print $t1 - $t0 }")" >> "$log"
  cmp -s score_a.tsv score_b.tsv || { echo "cluster_bench.sh: 1-rank and $threads-rank scores differ" >&2; exit 1; }
  t0=$(now); "$gener" "${train[@]}" --threads "$threads" --out train_a 2> train_a.err >/dev/null; t1=$(now)
  echo -e "train\tA\t$(rate 'epoch 1:.*pairs/s' train_a.err)\t$(awk "BEGIN { print $t1 - $t0 }")" >> "$log"
  t0=$(now); "${mpi[@]}" "$gener" "${train[@]}" --threads 1 --out train_b 2> train_b.err >/dev/null; t1=$(now)
  echo -e "train\tB\t$(rate 'epoch 1:.*pairs/s' train_b.err)\t$(awk "BEGIN { print $t1 - $t0 }")" >> "$log"
  echo "[bench] round $r/$reps: $(tail -4 "$log" | cut -f1-3 | tr '\t\n' ' ;')"
done
bytes=$(grep -oE 'all-reduce of [0-9]+ bytes' train_b.err | grep -oE '[0-9]+')

# Two job-array slices of the same scoring job, then their merge.
for i in 0 1; do
  "$gener" "${score[@]}" --threads "$threads" --shard "$i/2" --out "shard$i.gshard" --quiet >/dev/null
done
for ((r = 1; r <= reps; r++)); do
  t0=$(now); "$gener" merge shard0.gshard shard1.gshard --out merged.tsv >/dev/null; t1=$(now)
  echo -e "merge\tA\t0\t$(awk "BEGIN { print $t1 - $t0 }")" >> "$log"
done
cmp -s merged.tsv score_a.tsv || { echo "cluster_bench.sh: merged shards differ from one run" >&2; exit 1; }

python3 - "$log" "$threads" "$bytes" "$topk" <<'EOF_PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
threads, bytes_, topk = int(sys.argv[2]), int(sys.argv[3] or 0), int(sys.argv[4])
def series(task, var, col):
    return [float(r[col]) for r in rows if r[0] == task and r[1] == var]
def fmt(xs, unit=""):
    return f"{statistics.median(xs):,.0f}{unit} [{min(xs):,.0f}, {max(xs):,.0f}]"
print(f"\n| task | 1 rank x {threads} threads | {threads} ranks x 1 thread | {threads}-rank efficiency (B/A) |")
print("|---|---|---|---|")
for task in ("score", "train"):
    a, b = series(task, "A", 2), series(task, "B", 2)
    eff = [y / x for x, y in zip(a, b)]
    print(f"| {task} pairs/s | {fmt(a)} | {fmt(b)} | {statistics.median(eff):.2f} [{min(eff):.2f}, {max(eff):.2f}] |")
    wa, wb = series(task, "A", 3), series(task, "B", 3)
    print(f"| {task} wall s | {statistics.median(wa):.1f} [{min(wa):.1f}, {max(wa):.1f}] | "
          f"{statistics.median(wb):.1f} [{min(wb):.1f}, {max(wb):.1f}] | |")
m = series("merge", "A", 3)
print(f"\nmerge of 2 shards x top {topk:,} (read, merge, write the TSV): {statistics.median(m):.2f} s "
      f"[{min(m):.2f}, {max(m):.2f}]")
print(f"training: {bytes_:,} bytes all-reduced per step (one float per parameter)")
EOF_PY
