#!/usr/bin/env bash
# precision_gate.sh — the accuracy gate of reduced-precision scoring (DESIGN §5): test AUROC of bf16 and int8 against
# fp32 (|change| < 0.001) and the share of the fp32 top-10,000 of all pairs that each keeps (>= 99%).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/precision_gate.sh --model M --expression E --test PAIRS [--dataset D.gcache] [options]
  --model M            model.safetensors
  --expression E       expression matrix (as for gener score; repeat for several files, stacked); with --dataset
                       it is used for the all-pairs part only, the AUROC is the cache's (eval --dataset)
  --score-opt "O V"    an option passed to `gener score` for the all-pairs part (repeatable; e.g.
                       "--normalize zscore", "--missing impute", "--gene-map F" to read files as the cache did)
  --test PAIRS         labelled test pairs (TSV or the authors' .npy) for `gener eval`
  --dataset D          instead of --expression/--test: a `gener prepare` cache, its test split
  --top-k K            top pairs of all N(N-1)/2 compared (default 10000; 0 skips the all-pairs part)
  --precisions LIST    (default "bf16 int8")
  --gener PATH         (default build/gener)    --threads T (default 2)    --out DIR (default build/precision-gate)
Prints one line per precision: AUROC, its change against fp32, and the top-K overlap.
USAGE
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gener="$root/build/gener"; model=""; expr=(); score_opts=(); test=""; dataset=""; topk=10000; precs="bf16 int8"; threads=2
out="$root/build/precision-gate"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --expression) expr+=("$2"); shift 2 ;;
    --score-opt) read -r -a o <<< "$2"; score_opts+=("${o[@]}"); shift 2 ;;
    --test) test="$2"; shift 2 ;;
    --dataset) dataset="$2"; shift 2 ;;
    --top-k) topk="$2"; shift 2 ;;
    --precisions) precs="$2"; shift 2 ;;
    --gener) gener="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "precision_gate.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$model" && ( -n "$dataset" || ( ${#expr[@]} -gt 0 && -n "$test" ) ) ]] || { usage >&2; exit 2; }
mkdir -p "$out"
common=(--model "$model" --device cpu --threads "$threads" --quiet)

auroc() {  # precision → test AUROC (positive class)
  local src=(--expression "${expr[@]}" --pairs "$test")
  [[ -n "$dataset" ]] && src=(--dataset "$dataset" --split test)
  "$gener" eval "${common[@]}" "${src[@]}" --precision "$1" --out "$out/eval_$1" > /dev/null
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['auroc'])" "$out/eval_$1/metrics.json"
}
top() {  # precision → file of the top-K pairs, one "a b" per line, sorted
  "$gener" score "${common[@]}" --expression "${expr[@]}" "${score_opts[@]}" --all-pairs --top-k "$topk" --precision "$1" \
    --out "$out/top_$1.tsv" > /dev/null
  tail -n +2 "$out/top_$1.tsv" | cut -f1,2 | sort > "$out/top_$1.set"
}

ref=$(auroc fp32)
(( topk > 0 )) && (( ${#expr[@]} > 0 )) && top fp32
printf "%-6s  AUROC %.6f\n" fp32 "$ref"
status=0
for p in $precs; do
  a=$(auroc "$p")
  line=$(python3 -c "import sys; a,r=float(sys.argv[1]),float(sys.argv[2]); print(f'AUROC {a:.6f}  change {a-r:+.6f}', 'ok' if abs(a-r) < 1e-3 else 'FAIL')" "$a" "$ref")
  if (( topk > 0 )) && (( ${#expr[@]} > 0 )); then
    top "$p"
    shared=$(comm -12 "$out/top_fp32.set" "$out/top_$p.set" | wc -l)
    line="$line  top-$topk shared $(python3 -c "import sys; s,k=int(sys.argv[1]),int(sys.argv[2]); print(f'{s}/{k} = {100*s/k:.2f}%', 'ok' if s >= 0.99*k else 'FAIL')" "$shared" "$topk")"
  fi
  printf "%-6s  %s\n" "$p" "$line"
  [[ "$line" == *FAIL* ]] && status=1
done
exit $status
