#!/usr/bin/env bash
# contention.sh — gener's throughput when 1, 2 or 3 runs share the machine at once, for each OpenMP wait setting:
# libgomp's own default (spin 300,000 iterations at a barrier), passive waiting (gener's default) and a short spin.
# Each measurement starts K copies of `gener bench` together and records every copy's pairs/s; the settings are
# interleaved inside each repeat (A B C A B C ...) so a drift in the machine's load touches them alike.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/contention.sh [options]
  --gener PATH       gener binary (default: build/gener)
  --threads T        threads per run (default: 2)
  --repeats R        rounds over every setting and run count (default: 3)
  --seconds S        measured seconds per run (default: 6)
  --pairs N          random pairs each run draws from (default: 1000000; the run stops after --seconds)
  --modes "train score"
  --runs "1 2 3"     how many copies run at once
  --out FILE         TSV of every run (default: build/contention.tsv); a summary of medians is printed
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gener="$root/build/gener"; threads=2; repeats=3; seconds=6; pairs=1000000; modes="train score"; runs="1 2 3"
out="$root/build/contention.tsv"
while [ $# -gt 0 ]; do
  case "$1" in
    --gener) gener="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

# name=environment (the settings under test; env -u clears what the caller's shell may have set)
settings=("libgomp-default=GOMP_SPINCOUNT=300000" "passive=OMP_WAIT_POLICY=PASSIVE" "spin-10k=GOMP_SPINCOUNT=10000")
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo -e "mode\tsetting\truns\trepeat\tload1\tpairs_per_s" >"$out"

bench_args() {  # the paper model at L = 536 on 5,950 genes; the paper's training batch, a scoring batch of 1024
  case "$1" in
    train) echo "--mode train --batch 64 --pairs $pairs --seconds $seconds --warmup-batches 5" ;;
    score) echo "--mode score --batch 1024 --pairs $pairs --seconds $seconds --warmup-batches 2" ;;
  esac
}

for r in $(seq 1 "$repeats"); do
  for mode in $modes; do
    for k in $runs; do
      for s in "${settings[@]}"; do
        name="${s%%=*}"; envset="${s#*=}"
        load="$(cut -d' ' -f1 /proc/loadavg)"
        pids=()
        for i in $(seq 1 "$k"); do
          # shellcheck disable=SC2046
          env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$envset" "$gener" bench $(bench_args "$mode") \
            --threads "$threads" --device cpu --json "$tmp/$i.json" >/dev/null 2>"$tmp/$i.err" &
          pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || { cat "$tmp"/*.err >&2; exit 1; }; done
        for i in $(seq 1 "$k"); do
          pps="$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["pairs_per_s"]))' "$tmp/$i.json")"
          echo -e "$mode\t$name\t$k\t$r\t$load\t$pps" >>"$out"
        done
      done
    done
  done
done

python3 - "$out" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
solo = {}
for r in rows:
    if r["runs"] == "1":
        solo.setdefault((r["mode"], r["setting"]), []).append(float(r["pairs_per_s"]))
best_solo = {m: max(statistics.median(v) for (mm, _), v in solo.items() if mm == m) for m in {r["mode"] for r in rows}}
print("mode   setting          runs  per-run pairs/s median [min, max]   of the best solo  aggregate  load1 median")
groups = {}
for r in rows:
    groups.setdefault((r["mode"], r["setting"], r["runs"]), []).append(r)
for (mode, setting, k), g in sorted(groups.items()):
    v = [float(x["pairs_per_s"]) for x in g]
    med = statistics.median(v)
    load = statistics.median(float(x["load1"]) for x in g)
    print(f"{mode:6s} {setting:16s} {k:>4s}  {med:9.0f} [{min(v):7.0f}, {max(v):7.0f}]      {med / best_solo[mode]:6.2f}"
          f"         {med * int(k) / best_solo[mode]:5.2f}     {load:5.2f}")
EOF
