#!/usr/bin/env bash
# embed_bench.sh — the Table 4 graph-embedding baselines on yeast BioGRID 3.1.72 over the 5,950 DREAM5 genes:
# wall/CPU time, peak memory and test AUROC/AUPR per method, and node2vec against PecanPy on the same graph,
# walks and dimensions. Runs are interleaved (A B A B ...) and reported as median [min, max].
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/embed_bench.sh [options]
Builds a dataset cache from BioGRID 3.1.72 (ORFs mapped to DREAM5 G-ids by net4_gene_ids.tsv, 10% test, 10% of
the rest validation, as many random negatives as positives) with a synthetic 536-value expression matrix over
the same 5,950 G-ids (Isomap, LINE, node2vec and GNE (topology) use only the graph; the "+" variants and GNE then
see noise). Then, round by round, runs every method once with /usr/bin/time -v, and node2vec against PecanPy
(pip install pecanpy) with the same walks (10 x 80 per gene, p, q), window 10, 128 dimensions, 1 epoch and
worker count: gener (p = q = 1 without transition tables) vs PecanPy FirstOrderUnweighted, and with --pq,
gener (alias tables) vs PecanPy PreComp.

  --gener PATH        gener binary (default: build/gener)
  --pecanpy PATH      pecanpy executable (default: build-pecanpy/venv/bin/pecanpy; skipped when absent)
  --data DIR          shared data root holding biogrid-3.1.72/ and gener-biogrid-dream5/
                      (default: $GENER_SHARED_DATA, else ../shared/data)
  --threads T         threads for every run, both tools (default: 2)
  --runs N            rounds for Isomap, LINE, node2vec, the "+" variants and the PecanPy pairs (default: 3)
  --gne-runs N        rounds for GNE and GNE (topology), which take minutes each (default: 1)
  --methods "..."     subset of: isomap line node2vec gne-topology gne isomap+ line+ node2vec+ (default: all)
  --pq "P Q"          also compare with second-order walks at these p, q (default: "0.5 2"; "" to skip)
  --work DIR          work directory (default: build-bench/embed)
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gener="$root/build/gener"; pecanpy="$root/build-pecanpy/venv/bin/pecanpy"
data="${GENER_SHARED_DATA:-$root/../shared/data}"; threads=2; runs=3; gne_runs=1
methods="isomap line node2vec gne-topology gne isomap+ line+ node2vec+"; pq="0.5 2"; work="$root/build-bench/embed"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --gener) gener="$2"; shift 2 ;;
    --pecanpy) pecanpy="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --gne-runs) gne_runs="$2"; shift 2 ;;
    --methods) methods="$2"; shift 2 ;;
    --pq) pq="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "embed_bench.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -x "$gener" ]] || { echo "embed_bench.sh: $gener not found (build first)" >&2; exit 2; }
edges="$data/biogrid-3.1.72/biogrid_3.1.72_yeast_edges.tsv.gz"; ids="$data/gener-biogrid-dream5/net4_gene_ids.tsv"
[[ -f "$edges" && -f "$ids" ]] || { echo "embed_bench.sh: $edges or $ids missing (--data DIR)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "embed_bench.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
export OMP_WAIT_POLICY=passive  # a shared machine: spinning OpenMP threads would starve the other side
mkdir -p "$work/out"
log="$work/runs.tsv"
printf "kind\tname\tround\twall_s\tcpu_s\tpeak_mb\tphase_s\tauroc\taupr\n" > "$log"
echo "[bench] $(date -u +%FT%TZ), $(nproc) cores; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the dataset: BioGRID 3.1.72 edges over the DREAM5 G-ids, synthetic expression with those ids ----
cache="$work/biogrid3172.gcache"
if [[ ! -f "$cache" ]]; then
  "$gener" synth --genes 5950 --samples 536 --pairs 1000 --seed 1 --out "$work/synth" >/dev/null
  "$gener" prepare --name biogrid3172 --expression "$work/synth/expression.tsv" --gene-map "$ids" --edges "$edges" \
    --seed 1 --out "$cache" --quiet
fi

json() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
timed() {  # timed OUT_PREFIX CMD... -> "$wall $cpu $peak_mb"
  local pre="$1"; shift
  /usr/bin/time -f "%e %U %S %M" -o "$pre.time" "$@" >"$pre.out" 2>"$pre.err" || {
    echo "[bench] failed: $*" >&2; tail -5 "$pre.err" >&2; exit 1; }
  awk '{printf "%.2f %.2f %.1f\n", $1, $2 + $3, $4 / 1024}' "$pre.time"
}

run_method() {  # run_method NAME ROUND
  local name="$1" r="$2" m="${1%+}" plus=""
  [[ "$name" == *+ ]] && plus="--with-expression"
  local out="$work/out/${m}${plus:+_plus}_r$r"
  read -r wall cpu peak < <(timed "$out" "$gener" baseline --method "$m" $plus --dataset "$cache" --out "$out" \
                                    --threads "$threads" --quiet)
  local emb auroc aupr
  emb=$(json "$out/metrics.json" "round(m['timing_s']['embedding'], 2)")
  auroc=$(json "$out/metrics.json" "round(m['auroc_micro'], 4)")
  aupr=$(json "$out/metrics.json" "round(m['aupr_micro'], 4)")
  printf "method\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$name" "$r" "$wall" "$cpu" "$peak" "$emb" "$auroc" "$aupr" >> "$log"
  echo "[bench] round $r $name: ${wall} s wall, ${cpu} s CPU, ${peak} MB peak, embedding ${emb} s, AUROC $auroc AUPR $aupr"
}

max_round=$(( runs > gne_runs ? runs : gne_runs ))
for r in $(seq 1 "$max_round"); do
  for name in $methods; do
    case "$name" in gne|gne-topology) (( r <= gne_runs )) || continue ;; *) (( r <= runs )) || continue ;; esac
    run_method "$name" "$r"
  done
done

# ---- node2vec vs PecanPy: the same training graph, walks, window, dimensions, workers ----
if [[ -x "$pecanpy" ]]; then
  gout="$work/out/graph"
  "$gener" baseline --method isomap --dataset "$cache" --out "$gout" --threads "$threads" --quiet --write-graph \
    >/dev/null
  pecan_phase() {  # seconds PecanPy reports for walks + Word2Vec ("Took HH:MM:SS.ss to ...")
    python3 - "$1" <<'EOF'
import re, sys
t = 0.0
for line in open(sys.argv[1], errors="replace"):
    for h, m, s, what in re.findall(r"Took (\d+):(\d+):([\d.]+) to (generate walks|train embeddings)", line):
        t += int(h) * 3600 + int(m) * 60 + float(s)
print(round(t, 2))
EOF
  }
  pairs=("1 1 FirstOrderUnweighted")
  [[ -n "$pq" ]] && pairs+=("${pq% *} ${pq#* } PreComp")
  for r in $(seq 1 "$runs"); do
    for spec in "${pairs[@]}"; do
      read -r p q mode <<<"$spec"
      cfg="$work/n2v_p${p}_q${q}.yaml"
      printf "baselines:\n  node2vec:\n    p: %s\n    q: %s\n" "$p" "$q" > "$cfg"
      out="$work/out/n2v_p${p}_q${q}_r$r"
      read -r wall cpu peak < <(timed "$out" "$gener" baseline --method node2vec --dataset "$cache" --config "$cfg" \
                                      --seed "$r" --out "$out" --threads "$threads" --quiet)
      emb=$(json "$out/metrics.json" "round(m['timing_s']['embedding'], 2)")
      auroc=$(json "$out/metrics.json" "round(m['auroc_micro'], 4)")
      printf "node2vec\tgener p=%s q=%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n" "$p" "$q" "$r" "$wall" "$cpu" "$peak" "$emb" "$auroc" >> "$log"
      echo "[bench] round $r gener node2vec p=$p q=$q: ${wall} s wall, walks + skip-gram ${emb} s"
      pout="$work/out/pecanpy_p${p}_q${q}_r$r"
      read -r wall cpu peak < <(timed "$pout" "$pecanpy" --input "$gout/training_graph.edg" --output "$pout.emb" \
                                      --mode "$mode" --dimensions 128 --walk-length 80 --num-walks 10 --window-size 10 \
                                      --epochs 1 --p "$p" --q "$q" --workers "$threads" --random_state "$r" --verbose)
      cat "$pout.out" "$pout.err" > "$pout.log"
      phase=$(pecan_phase "$pout.log")
      printf "node2vec\tpecanpy %s p=%s q=%s\t%s\t%s\t%s\t%s\t%s\t\t\n" "$mode" "$p" "$q" "$r" "$wall" "$cpu" "$peak" "$phase" >> "$log"
      echo "[bench] round $r PecanPy $mode p=$p q=$q: ${wall} s wall, walks + Word2Vec ${phase} s"
    done
  done
else
  echo "[bench] $pecanpy not found: node2vec vs PecanPy skipped (python3 -m venv build-pecanpy/venv && build-pecanpy/venv/bin/pip install pecanpy)"
fi
echo "[bench] load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- summary: medians [min, max] per method, and the PecanPy / gener ratios pair by pair ----
python3 - "$log" <<'EOF'
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def fmt(v, d=2):
    v = [float(x) for x in v if x not in ("", None)]
    if not v: return "-"
    return f"{st.median(v):.{d}f} [{min(v):.{d}f}, {max(v):.{d}f}]" if len(v) > 1 else f"{v[0]:.{d}f}"
print("\n| method | runs | wall s | CPU s | peak MB | embedding s | test AUROC | test AUPR |")
print("|---|---|---|---|---|---|---|---|")
names = []
for r in rows:
    if r["kind"] == "method" and r["name"] not in names: names.append(r["name"])
for n in names:
    g = [r for r in rows if r["kind"] == "method" and r["name"] == n]
    print(f"| {n} | {len(g)} | {fmt(r['wall_s'] for r in g)} | {fmt(r['cpu_s'] for r in g)} | "
          f"{fmt(r['peak_mb'] for r in g)} | {fmt(r['phase_s'] for r in g)} | {fmt((r['auroc'] for r in g), 4)} | "
          f"{fmt((r['aupr'] for r in g), 4)} |")
n2v = [r for r in rows if r["kind"] == "node2vec"]
if n2v:
    print("\n| node2vec | runs | wall s | CPU s | peak MB | walks + skip-gram s |")
    print("|---|---|---|---|---|---|")
    for n in dict.fromkeys(r["name"] for r in n2v):
        g = [r for r in n2v if r["name"] == n]
        print(f"| {n} | {len(g)} | {fmt(r['wall_s'] for r in g)} | {fmt(r['cpu_s'] for r in g)} | "
              f"{fmt(r['peak_mb'] for r in g)} | {fmt(r['phase_s'] for r in g)} |")
    print("\nPecanPy / gener, pair by pair (same round), median [min, max]:")
    gen = [r for r in n2v if r["name"].startswith("gener")]
    pec = [r for r in n2v if r["name"].startswith("pecanpy")]
    for a in dict.fromkeys(r["name"] for r in gen):
        pq = a.split(" ", 1)[1]
        b = next((n for n in dict.fromkeys(r["name"] for r in pec) if n.endswith(pq)), None)
        if not b: continue
        for col, what in (("phase_s", "walks + skip-gram"), ("wall_s", "whole process")):
            ratios = []
            for ra in (r for r in gen if r["name"] == a):
                rb = next((r for r in pec if r["name"] == b and r["round"] == ra["round"]), None)
                if rb and float(ra[col]) > 0: ratios.append(float(rb[col]) / float(ra[col]))
            if ratios:
                print(f"  {pq}, {what}: {st.median(ratios):.2f}x [{min(ratios):.2f}, {max(ratios):.2f}] ({b} / gener)")
EOF
echo "[bench] per-run figures: $log"
