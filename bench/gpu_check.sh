#!/usr/bin/env bash
# gpu_check.sh — on a GPU machine: configure + build the CUDA backend (build-gpu), run the Cuda tests and the full
# ctest, then GPU benchmarks of gener vs PyTorch eager, and print one summary table. Exit 1 if any test fails.
#
# UNVERIFIED: written on a machine with the CUDA toolkit but no GPU. The build steps were checked there; the
# tests, benchmarks and the parsing of their results have not yet been run on a GPU.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: bench/gpu_check.sh [options]
  --build DIR        build directory (default: <repo>/build-gpu)
  --out DIR          results directory (default: $OUT_DIR, else $OUT, else <build>/gpu-check)
  --python PATH      python with a CUDA-enabled torch (default: python3)
  --jobs N           build parallelism (default: nproc)
  --arch A           CMAKE_CUDA_ARCHITECTURES (default: 90)
  --skip-build | --skip-tests | --skip-bench
Benchmarks (DESIGN §5 targets on an H100): score 977,481 pairs at batch 8192 in < 0.25 s; train one epoch of
791,759 pairs at batch 256 in < 2 s; both >= 10x PyTorch eager on the same GPU.
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-gpu"; out=""; py=python3; jobs="$(nproc 2>/dev/null || echo 4)"; arch=90
do_build=1; do_tests=1; do_bench=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --python) py="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --skip-build) do_build=0; shift ;;
    --skip-tests) do_tests=0; shift ;;
    --skip-bench) do_bench=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu_check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out="${out:-${OUT_DIR:-${OUT:-$build/gpu-check}}}"
mkdir -p "$out" && out="$(cd "$out" && pwd)"  # absolute: ctest below runs inside $build
status=0
log() { echo "== $*"; }

log "GPU"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
  have_gpu=1
else
  echo "nvidia-smi not found: no GPU visible; Cuda tests will skip" | tee "$out/gpu.txt"
  have_gpu=0
fi

# ---- build ----
if (( do_build )); then
  log "configure $build (Release, GENER_CUDA=ON, arch $arch)"
  if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGENER_CUDA=ON \
       -DCMAKE_CUDA_ARCHITECTURES="$arch" >"$out/configure.log" 2>&1; then
    tail -30 "$out/configure.log"; echo "gpu_check.sh: configure failed (log: $out/configure.log)" >&2; exit 1
  fi
  log "build (-j$jobs)"
  if ! cmake --build "$build" -j"$jobs" >"$out/build.log" 2>&1; then
    grep -E "error|Error" "$out/build.log" | head -40
    echo "gpu_check.sh: build failed (log: $out/build.log)" >&2; exit 1
  fi
fi

# ---- tests: results via JUnit XML (ctest >= 3.21) ----
count_junit() {  # prints "passed failed skipped" for a ctest JUnit file, or "? ? ?"
  "$py" - "$1" <<'PYEOF' 2>/dev/null || echo "? ? ?"
import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
p = f = s = 0
for c in cases:  # a GTEST_SKIP shows as SKIP_REGULAR_EXPRESSION_MATCHED; any other "not run" is a failure
    sk = c.find("skipped")
    if c.find("failure") is not None or c.find("error") is not None or c.get("status") == "fail": f += 1
    elif sk is not None and sk.get("message") == "SKIP_REGULAR_EXPRESSION_MATCHED": s += 1
    elif sk is not None or c.get("status") == "notrun": f += 1
    else: p += 1
print(p, f, s)
PYEOF
}
cuda_counts="- - -"; all_counts="- - -"
if (( do_tests )); then
  # Only suites named Cuda*: AppBadInput.DeviceCudaWithoutGpu also contains "Cuda" and skips by design on a GPU.
  log "ctest -R ^Cuda"
  (cd "$build" && ctest -R '^Cuda' --output-on-failure --output-junit "$out/ctest_cuda.xml") 2>&1 | tee "$out/ctest_cuda.log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  cuda_counts="$(count_junit "$out/ctest_cuda.xml")"
  read -r _ _ cs <<<"$cuda_counts"
  if (( have_gpu )) && [[ "$cs" != "0" && "$cs" != "?" ]]; then
    echo "gpu_check.sh: $cs Cuda tests skipped although a GPU is visible (device probe failed?)" >&2; status=1
  fi
  log "ctest (full suite)"
  (cd "$build" && ctest --output-on-failure --output-junit "$out/ctest_all.xml") 2>&1 | tee "$out/ctest_all.log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
  all_counts="$(count_junit "$out/ctest_all.xml")"
fi

# ---- benchmarks (a failing side is reported as n/a, never fatal) ----
if (( do_bench )); then
  gener="$build/gener"
  gener_extra=()
  if [[ -x "$gener" ]]; then
    help="$("$gener" bench --help 2>&1 || true)"
    [[ "$help" == *--seconds* ]] && gener_extra+=(--seconds 120)  # never cut the full protocol short
  fi
  have_torch=0
  if "$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
    have_torch=1
  else
    echo "gpu_check.sh: '$py' has no CUDA-enabled torch; PyTorch side skipped" >&2
  fi
  for spec in "score 977481 8192" "train 791759 256"; do
    read -r mode pairs batch <<<"$spec"
    args=(--device cuda --mode "$mode" --pairs "$pairs" --batch "$batch")
    log "gener bench $mode: $pairs pairs, batch $batch"
    if [[ -x "$gener" ]]; then
      "$gener" bench "${args[@]}" ${gener_extra[@]+"${gener_extra[@]}"} --json "$out/$mode.json" 2>&1 | tee "$out/gener_$mode.log" ||
        true
      [[ -s "$out/$mode.json" ]] || echo "gpu_check.sh: gener bench --mode $mode failed; skipped" >&2
    else
      echo "gpu_check.sh: $gener not built; skipped" >&2
    fi
    if (( have_torch )); then
      log "pytorch $mode: $pairs pairs, batch $batch"
      "$py" "$root/bench/torch_gener.py" "${args[@]}" --json "$out/torch_$mode.json" 2>&1 |
        tee "$out/torch_$mode.log" || true
      [[ -s "$out/torch_$mode.json" ]] || echo "gpu_check.sh: torch_gener.py --mode $mode failed; skipped" >&2
    fi
  done
fi

# ---- where the time goes: per-kernel breakdown of the scoring pass (Nsight Systems, when installed) ----
if (( do_bench )) && [[ -x "$build/gener" ]]; then
  if command -v nsys >/dev/null 2>&1; then
    log "per-kernel breakdown (nsys): score 977481 pairs, batch 8192"
    nsys profile --force-overwrite true --stats=false -o "$out/score_profile" \
      "$build/gener" bench --device cuda --mode score --pairs 977481 --batch 8192 >/dev/null 2>&1 &&
      nsys stats --report cuda_gpu_kern_sum --format table "$out/score_profile.nsys-rep" 2>/dev/null |
        tee "$out/score_kernels.txt" | head -30 || echo "gpu_check.sh: nsys profiling failed; skipped" >&2
  else
    echo "gpu_check.sh: nsys not installed; no per-kernel breakdown" >&2
  fi
fi

# ---- summary ----
"$py" - "$out" "$cuda_counts" "$all_counts" <<'PYEOF'
import json, os, sys
out, cuda, full = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def load(name):
    p = os.path.join(out, name)
    try:
        return json.load(open(p)) if os.path.getsize(p) > 0 else None
    except (OSError, ValueError):
        return None
print("\nTests            passed  failed  skipped")
for name, c in (("ctest -R ^Cuda", cuda), ("ctest (all)", full)):
    print(f"{name:<16} {c[0]:>6}  {c[1]:>6}  {c[2]:>7}")
# mode: (full-set pairs, time target in s, ratio target)
targets = {"score": (977481, 0.25, 10.0), "train": (791759, 2.0, 10.0)}
rows = [("mode", "gener pairs/s", "torch pairs/s", "gener/torch", "gener full set", "targets")]
for m, (n, t_target, r_target) in targets.items():
    g, t = load(f"{m}.json"), load(f"torch_{m}.json")
    gp = g.get("pairs_per_s") if g else None
    tp = t.get("pairs_per_s") if t else None
    ratio = f"{gp / tp:.1f}x" if gp and tp else "n/a"
    full_s = f"{n / gp:.3f} s" if gp else "n/a"
    rows.append((m, f"{gp:,.0f}" if gp else "n/a", f"{tp:,.0f}" if tp else "n/a", ratio, full_s,
                 f"< {t_target:g} s, >= {r_target:g}x"))
w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
print()
for r in rows:
    print("  ".join(c.rjust(w[i]) for i, c in enumerate(r)))
print(f"\nresults in {out}")
PYEOF

if (( status != 0 )); then echo "gpu_check.sh: FAILED (see logs in $out)" >&2; fi
exit "$status"
