#!/usr/bin/env bash
# gpu_check.sh — the one-shot check on a bare GPU machine: preflight, a private prefix of gener's libraries from
# the carried Debian packages, configure + build (gener, test_cuda), the CUDA tests under a time limit each, the
# GPU benchmarks against PyTorch eager and torch.compile, and a summary. bench/README.md has the exact device call;
# bench/rehearse_gpu_check.sh runs this script here, in a sandbox that hides the system's libraries.
#
# Results ($OUT, at most 4 files): preflight.txt (written first), summary.txt, junit.xml, logs.tar.gz (every log
# and JSON). Exit status: 0 all tests passed, 1 a failure, 3 no usable GPU (the check stopped before the tests).
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: bench/gpu_check.sh [options]
  --out DIR       results (default: $OUT, else <build>/gpu-check-out)
  --build DIR     build directory (default: <repo>/build-gpu)
  --deps DIR      what scripts/fetch_device_deps.sh gathered (default: <repo>/.device-deps)
  --budget S      seconds for the whole check; later steps are skipped to stay inside (default: 470)
  --jobs N        build parallelism (default: nproc)
  --arch A        CMAKE_CUDA_ARCHITECTURES (default: 90)
  --python PATH   python with torch (default: python3)
  --skip-bench    build and test only
  --device D      cuda (default) or cpu: a rehearsal of the benchmark steps and the summary on a machine without
                  a GPU (no GPU probe; the Cuda tests skip instead of failing)
  --scale N       divide the benchmarks' pair counts by N, and score all pairs of 5950/sqrt(N) genes (rehearsals)
Environment: GENER_CHECK_BUILD_LIMIT (seconds for the build step, default 300; the rehearsal on 2 cores needs more)
EOF
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-gpu"; deps="$root/.device-deps"; out="${OUT:-}"; budget=470; jobs="$(nproc 2>/dev/null || echo 4)"
arch=90; py=python3; do_bench=1; dev=cuda; scale=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --deps) deps="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --python) py="$2"; shift 2 ;;
    --skip-bench) do_bench=0; shift ;;
    --device) dev="$2"; shift 2 ;;
    --scale) scale="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "gpu_check.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
out="${out:-$build/gpu-check-out}"
mkdir -p "$out" "$build" || exit 2
out="$(cd "$out" && pwd)"; build="$(cd "$build" && pwd)"
work="$build/gpu-check"; logs="$work/logs"
rm -rf "$work"; mkdir -p "$logs"
T0=$(date +%s)
elapsed() { echo $(( $(date +%s) - T0 )); }
left() { echo $(( budget - $(elapsed) )); }
steps="$work/steps.tsv"; : >"$steps"
say() { echo "== [$(elapsed)s] $*"; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$steps"; }  # name status seconds detail
exec > >(tee -a "$logs/console.log") 2>&1

# step NAME TIMEOUT MIN_LEFT CMD... — runs CMD under `timeout`, output in logs/NAME.log; skipped when fewer than
# MIN_LEFT seconds of the budget remain. Returns CMD's status (124 on a timeout, 125 when skipped).
step() {
  local name="$1" limit="$2" need="$3"; shift 3
  if (( $(left) < need )); then
    say "$name: skipped ($(left) s of the budget left, needs $need)"; record "$name" skipped 0 "budget"; return 125
  fi
  (( limit > $(left) )) && limit=$(left)
  say "$name (limit ${limit}s)"
  local t=$(date +%s) rc=0
  timeout --signal=TERM --kill-after=10 "$limit" "$@" >"$logs/$name.log" 2>&1 || rc=$?
  local s=$(( $(date +%s) - t ))
  if (( rc == 0 )); then record "$name" ok "$s" ""; say "$name: ok (${s}s)"
  elif (( rc == 124 || rc == 137 )); then record "$name" timeout "$s" "after ${limit}s"; say "$name: TIMEOUT after ${s}s"
  else record "$name" "fail" "$s" "exit $rc"; say "$name: FAILED (exit $rc, ${s}s); last lines:"; tail -15 "$logs/$name.log"
  fi
  return "$rc"
}

# ---------------------------------------------------------------- preflight (written to $OUT first)
probe() { echo "## $1"; shift; ( "$@" ) 2>&1 | head -40; echo; }
nvidia_smi="$(command -v nvidia-smi || true)"
for c in /usr/local/nvidia/bin/nvidia-smi /usr/bin/nvidia-smi; do [[ -z "$nvidia_smi" && -x "$c" ]] && nvidia_smi="$c"; done
py_nvidia_dirs="$("$py" -c "import nvidia; print(';'.join(sorted(set(nvidia.__path__))))" 2>/dev/null || true)"

# nvcc: PATH, CUDA_HOME and friends, /usr/local/cuda*, then the wheels (nvidia/cu13/bin, nvidia/cuda_nvcc/bin).
nvcc_candidates() {
  command -v nvcc 2>/dev/null
  local r
  for r in "${CUDA_HOME:-}" "${CUDA_PATH:-}" "${CUDA_ROOT:-}" /usr/local/cuda $(ls -d /usr/local/cuda-* 2>/dev/null | sort -rV) \
           /opt/cuda /opt/nvidia/cuda /usr/lib/nvidia-cuda-toolkit; do
    [[ -n "$r" && -x "$r/bin/nvcc" ]] && echo "$r/bin/nvcc"
  done
  local d
  IFS=';' read -ra _dirs <<<"$py_nvidia_dirs"
  for d in "${_dirs[@]}"; do
    for r in "$d"/cu[0-9]* "$d/cuda_nvcc"; do [[ -x "$r/bin/nvcc" ]] && echo "$r/bin/nvcc"; done
  done
  return 0
}
nvcc="$(nvcc_candidates | head -1)"
nvcc_report() { nvcc_candidates; [[ -n "$nvcc" ]] && "$nvcc" --version | tail -2; }
cuda_root="${nvcc:+$(dirname "$(dirname "$nvcc")")}"

# Library folders of the wheels, where PyTorch's cuDNN and cuBLAS live (nvidia/cudnn/lib, nvidia/cu13/lib, ...).
wheel_libs=""
IFS=';' read -ra _dirs <<<"$py_nvidia_dirs"
for d in "${_dirs[@]}"; do for l in "$d"/*/lib; do [[ -d "$l" ]] && wheel_libs="$wheel_libs:$l"; done; done

python_report() {
  "$py" - <<'PYEOF'
import glob, os, sys
print("python", sys.version.split()[0], sys.executable)
try:
    import torch
    print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())
    print("torch.cuda.is_available", torch.cuda.is_available())
    if torch.cuda.is_available():
        p = torch.cuda.get_device_properties(0)
        print("device", p.name, f"cc {p.major}.{p.minor}", f"{p.total_memory / 2**30:.0f} GiB", f"{p.multi_processor_count} SMs")
except Exception as e:  # the report must never stop the check
    print("torch: not importable:", e)
try:
    import nvidia
    for d in sorted(set(nvidia.__path__)):
        for pat in ("*/lib/libcudnn.so*", "*/lib/libcudnn_cnn.so*", "*/lib/libcublas.so*", "*/lib/libcublasLt.so*",
                    "*/lib/libcudart.so*", "*/include/cudnn.h", "*/include/cudnn_version.h", "*/include/cublas_v2.h",
                    "*/bin/nvcc"):
            for f in sorted(glob.glob(os.path.join(d, pat))):
                print("wheel:", f)
except Exception as e:
    print("nvidia wheels: none importable:", e)
PYEOF
}
{
  echo "# gener GPU check preflight, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  probe "machine" sh -c 'uname -a; (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); ldd --version | head -1; echo "cores $(nproc)"; grep -E "MemTotal|MemAvailable" /proc/meminfo; df -h . | tail -1'
  probe "toolchain" sh -c 'for t in c++ g++ gcc cmake ninja timeout tar; do printf "%s: " $t; command -v $t || echo MISSING; done; c++ --version | head -1; cmake --version | head -1; ninja --version'
  probe "nvidia-smi (${nvidia_smi:-not found})" sh -c "${nvidia_smi:-false} --query-gpu=name,driver_version,memory.total,compute_cap,clocks.sm,clocks.max.sm --format=csv,noheader"
  probe "driver library" sh -c 'ldconfig -p | grep -E "libcuda\.so|libnvidia-ml" ; ls /usr/local/nvidia/lib64 2>/dev/null | head'
  probe "nvcc candidates (chosen: ${nvcc:-none})" nvcc_report
  probe "toolkit ${cuda_root:-none}" sh -c "ls ${cuda_root:-/nonexistent}/include 2>/dev/null | grep -E '^(cudnn|cublas_v2|cuda_runtime)\.h' ; ls ${cuda_root:-/nonexistent}/lib64 ${cuda_root:-/nonexistent}/lib 2>/dev/null | grep -E 'cudart_static|libcublas|libcudnn' | sort -u"
  probe "python ($py) and wheels" python_report
  probe "system libraries" sh -c 'ldconfig -p | grep -E "cudnn|cublas|yaml-cpp|openblas|png16|gtest|libz\.so|gfortran" ; for h in yaml-cpp nlohmann CLI gtest png.h zlib.h cblas.h; do [ -e /usr/include/$h ] && echo "/usr/include/$h present" || echo "/usr/include/$h absent"; done'
  probe "profilers" sh -c 'for t in nsys ncu compute-sanitizer; do printf "%s: " $t; command -v $t || echo "not on PATH"; done; ls -d /opt/nvidia/nsight-* /usr/local/cuda*/nsight-* 2>/dev/null'
  probe "carried dependencies ($deps)" sh -c "cat '$deps/MANIFEST' 2>/dev/null || echo 'no MANIFEST: run scripts/fetch_device_deps.sh and carry .device-deps'"
} >"$out/preflight.txt" 2>&1
cp "$out/preflight.txt" "$logs/"
say "preflight written to $out/preflight.txt"

# ---------------------------------------------------------------- finish: summary, archive, exactly 4 files
finish() {
  local status="$1" reason="$2"
  say "finishing: $reason"
  "$py" "$root/bench/gpu_summary.py" --work "$work" --status "$status" --reason "$reason" >"$out/summary.txt" 2>"$logs/summary.err" ||
    { echo "status $status: $reason (summary script failed; see logs/summary.err)"; cat "$steps"; } >"$out/summary.txt"
  [[ -s "$work/junit.xml" ]] && cp "$work/junit.xml" "$out/junit.xml" || echo '<testsuites/>' >"$out/junit.xml"
  cp "$out/summary.txt" "$logs/"
  tar -czf "$out/logs.tar.gz" -C "$work" . 2>/dev/null || true
  cat "$out/summary.txt"
  exit "$status"
}

# ---------------------------------------------------------------- private prefix of gener's libraries
prefix="$build/deps-prefix"
if compgen -G "$deps/debs/*.deb" >/dev/null; then
  rm -rf "$prefix"
  step unpack 60 10 "$py" "$root/bench/unpack_debs.py" "$prefix" "$deps"/debs/*.deb || finish 1 "unpacking $deps failed"
else
  say "no carried packages in $deps/debs: relying on the system's libraries"; record unpack skipped 0 "no debs"
fi
arch_dir="$prefix/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$arch_dir:$arch_dir/openblas-pthread${wheel_libs}${cuda_root:+:$cuda_root/lib64:$cuda_root/lib}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >>"$logs/environment.txt"

# ---------------------------------------------------------------- configure + build what the check needs
[[ -n "$nvcc" ]] || finish 1 "no nvcc found (PATH, CUDA_HOME, /usr/local/cuda*, Python wheels): see preflight.txt"
gen=(); command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
# configure.sh NVCC — a clean configure with one nvcc. A toolkit assembled from wheels may carry libcudart.so.13
# without the unversioned name FindCUDAToolkit looks for: then an unversioned link to it, made in the build
# folder, is handed to CMake.
{
  echo 'set -u'
  echo 'nvcc="$1"; cuda="$(dirname "$(dirname "$nvcc")")"; hint=()'
  echo 'for d in "$cuda/lib64" "$cuda/lib" "$cuda/targets/x86_64-linux/lib"; do'
  echo '  [[ -e "$d/libcudart.so" ]] && break'
  echo '  f="$(ls "$d"/libcudart.so.[0-9]* 2>/dev/null | sort -V | tail -1)"'
  echo '  if [[ -n "$f" ]]; then'
  echo "    mkdir -p '$build/cuda-links' && ln -sf \"\$f\" '$build/cuda-links/libcudart.so'"
  echo "    hint=(-DCUDA_CUDART='$build/cuda-links/libcudart.so'); echo \"no unversioned libcudart.so: \${hint[*]}\"; break"
  echo '  fi'
  echo 'done'
  echo "rm -rf '$build/CMakeCache.txt' '$build/CMakeFiles'"
  echo "exec cmake -S '$root' -B '$build' ${gen[*]:-} -DCMAKE_BUILD_TYPE=Release -DGENER_CUDA=ON \\"
  echo "  -DCMAKE_CUDA_ARCHITECTURES='$arch' -DCMAKE_CUDA_COMPILER=\"\$nvcc\" -DGENER_WERROR=OFF -DGENER_MPI=OFF \\"
  echo "  -DCMAKE_PREFIX_PATH='$prefix/usr' -DGENER_CUDA_FALLBACK_INCLUDE='$deps/cuda-headers/include' \\"
  echo "  -DGENER_PYTHON_NVIDIA_DIRS='$py_nvidia_dirs' -DCMAKE_POLICY_VERSION_MINIMUM=3.5 \"\${hint[@]}\""
} >"$work/configure.sh"
# With the first nvcc found, then (on failure) with the next ones.
configured=0
for cand in $(nvcc_candidates | awk '!seen[$0]++' | head -3); do
  nvcc="$cand"
  if step configure 150 60 bash "$work/configure.sh" "$cand"; then configured=1; break; fi
  mv "$logs/configure.log" "$logs/configure-$(echo "$cand" | tr '/' '_').log"
done
(( configured )) || finish 1 "configure failed with every nvcc found (logs/configure*.log)"
grep -E "^-- gener:" "$logs/configure.log"
step build "${GENER_CHECK_BUILD_LIMIT:-300}" 60 cmake --build "$build" -j"$jobs" --target gener test_cuda || finish 1 "build failed (logs/build.log)"
for b in gener test_cuda; do { echo "## ldd $b"; ldd "$build/$b"; } >>"$logs/ldd.txt" 2>&1; done
grep -E "yaml-cpp|openblas|png16|gfortran|cudnn|cublas|not found" "$logs/ldd.txt"
gener="$build/gener"

# ---------------------------------------------------------------- is there a usable GPU?
if [[ "$dev" == cpu ]]; then
  say "--device cpu: no GPU probe; the Cuda tests skip and the benchmarks run on the CPU (a rehearsal)"
elif ! step gpu_probe 60 20 "$gener" bench --device cuda --mode score --pairs 2048 --batch 1024 --warmup-batches 1 \
     --seconds 10; then
  reason="$(grep -m1 -E "no usable CUDA GPU|CUDA error|cuDNN error|error" "$logs/gpu_probe.log" || tail -1 "$logs/gpu_probe.log")"
  if [[ -z "$nvidia_smi" ]] || ! "$nvidia_smi" -L >/dev/null 2>&1; then
    finish 3 "no GPU on this machine (built and linked; stopped before the CUDA tests): $reason"
  fi
  say "nvidia-smi sees a GPU but gener cannot use it: $reason — running the tests anyway for their messages"
fi

# ---------------------------------------------------------------- CUDA tests, each under a time limit
[[ "$dev" == cuda ]] && export GENER_REQUIRE_GPU=1  # a skipped Cuda test is a failure here
step ctest_cuda 240 30 ctest --test-dir "$build" -R '^Cuda' -j4 --timeout 120 --output-on-failure \
  --output-junit "$work/junit.xml"
tests_rc=$?

# ---------------------------------------------------------------- benchmarks (a failing one is reported, never fatal)
if (( do_bench )); then
  have_torch=0
  "$py" -c "import torch, sys; sys.exit(0 if '$dev' == 'cpu' or torch.cuda.is_available() else 1)" 2>/dev/null &&
    have_torch=1
  gb() { local name="$1" limit="$2"; shift 2; step "$name" "$limit" 25 "$gener" bench --device "$dev" --json "$work/$name.json" "$@"; }
  tb() { local name="$1" limit="$2"; shift 2
         if (( have_torch )); then step "$name" "$limit" 40 "$py" "$root/bench/torch_gener.py" --device "$dev" --json "$work/$name.json" "$@"
         else record "$name" skipped 0 "no CUDA-enabled torch"; fi; }
  n_score=$(( 977481 / scale )); n_epoch=$(( 791759 / scale ))
  n_genes=$(python3 -c "import math; print(max(50, int(5950 / math.sqrt($scale))))" 2>/dev/null || echo 5950)
  n_synth=$(( 20000 / scale > 2000 ? 20000 / scale : 2000 ))
  score=(--mode score --pairs "$n_score" --batch 8192 --seconds 60)
  gb score_fused 90 "${score[@]}" --score-path fused
  gb score_layers 90 "${score[@]}" --score-path layers
  gb train_b256 120 --mode train --pairs "$n_epoch" --batch 256 --seconds 60
  gb train_b64 150 --mode train --pairs "$n_epoch" --batch 64 --seconds 90
  # 17.7 M all pairs of 5,950 genes, top 100,000: a model trained for one epoch on synthetic data, then `gener score`.
  synth="$work/allpairs"
  step allpairs_synth 60 60 "$gener" synth --out "$synth" --genes "$n_genes" --samples 536 --pairs "$n_synth" &&
    step allpairs_train 90 60 "$gener" train --data "$synth" --epochs 1 --batch-size 256 --device "$dev" --quiet \
      --out "$synth/model" &&
    step allpairs_score 120 40 "$gener" score --model "$synth/model/model.safetensors" \
      --expression "$synth/expression.tsv" --all-pairs --top-k 100000 --batch 16384 --device "$dev" --score-path fused \
      --out "$synth/top.tsv"
  tb torch_score_eager 120 "${score[@]}"
  tb torch_train_eager_b256 120 --mode train --pairs "$n_epoch" --batch 256 --seconds 15
  tb torch_train_eager_b64 120 --mode train --pairs "$n_epoch" --batch 64 --seconds 15
  tb torch_score_compile 200 "${score[@]}" --compile --seconds 10
  tb torch_train_compile_b256 200 --mode train --pairs "$n_epoch" --batch 256 --seconds 10 --compile
  gb score_fused_tf32 90 "${score[@]}" --score-path fused --tf32
  gb score_layers_tf32 90 "${score[@]}" --score-path layers --tf32
  gb train_b256_nographs 120 --mode train --pairs "$n_epoch" --batch 256 --seconds 60 --cuda-graphs off
  # Where the scoring time goes, per kernel (Nsight Systems when on PATH, else Nsight Compute on a few batches).
  prof=(bench --device cuda --mode score --pairs 65536 --batch 8192 --warmup-batches 1 --score-path fused)
  if [[ "$dev" != cuda ]]; then
    record profile skipped 0 "--device $dev"
  elif command -v nsys >/dev/null 2>&1; then
    step profile_nsys 120 60 sh -c "nsys profile --force-overwrite true -o '$work/score' '$gener' ${prof[*]} >/dev/null &&
      nsys stats --report cuda_gpu_kern_sum --format csv '$work/score.nsys-rep' > '$work/kernels.csv'"
  elif command -v ncu >/dev/null 2>&1; then
    step profile_ncu 150 80 ncu --clock-control none --launch-skip 40 --launch-count 40 --csv \
      --metrics gpu__time_duration.sum --log-file "$work/kernels_ncu.csv" "$gener" "${prof[@]}"
  else
    record profile skipped 0 "neither nsys nor ncu on PATH"
  fi
fi

if (( tests_rc == 0 )) && ! grep -qP '\t(fail|timeout)\t' <(grep -E '^(ctest|configure|build|unpack)' "$steps"); then
  [[ "$dev" == cuda ]] && finish 0 "all CUDA tests passed"
  finish 0 "rehearsal with --device $dev: every step ran (the Cuda tests skip without a GPU)"
fi
finish 1 "CUDA tests failed or timed out (exit $tests_rc): see junit.xml and logs/ctest_cuda.log"
