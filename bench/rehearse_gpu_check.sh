#!/usr/bin/env bash
# rehearse_gpu_check.sh — runs bench/gpu_check.sh here, in a bubblewrap sandbox shaped like the bare GPU machine:
# the system's copies of gener's libraries (yaml-cpp, OpenBLAS, CLI11, nlohmann-json, libpng, GoogleTest, zlib's
# headers) are hidden, nvcc is off PATH, and cuDNN / cuBLAS exist only as a Python wheel's versioned files
# (nvidia/cudnn/lib/libcudnn.so.9, nvidia/cu13/lib/libcublas.so.13, no headers, no unversioned names). The check must
# build against the private prefix from .device-deps, link the wheel's libraries (checked with ldd) and stop
# cleanly where a GPU is needed (status 3) with its 4 result files.
# Usage: bench/rehearse_gpu_check.sh [--jobs N] [--keep] [--sandbox-only]   (needs bwrap and scripts/fetch_device_deps.sh's folder)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs=2; keep=0; only_sandbox=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --sandbox-only) only_sandbox=1; shift ;;  # build and inspect the sandbox, do not run the check
    -h|--help) sed -n 2,8p "$0"; exit 0 ;;
    *) echo "rehearse_gpu_check.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
command -v bwrap >/dev/null || { echo "rehearse_gpu_check.sh: bwrap (bubblewrap) is not installed" >&2; exit 2; }
[[ -d "$root/.device-deps/debs" ]] || { echo "rehearse_gpu_check.sh: run scripts/fetch_device_deps.sh first" >&2; exit 2; }
cuda="$(readlink -f "${CUDA_HOME:-/usr/local/cuda}")"
[[ -x "$cuda/bin/nvcc" ]] || { echo "rehearse_gpu_check.sh: no CUDA toolkit at $cuda" >&2; exit 2; }

sb="$root/build-rehearsal/sandbox"  # inside the repo's ignored build-* space, writable from the sandbox
rm -rf "$sb" "$root/build-rehearsal/out"
mkdir -p "$sb" "$root/build-rehearsal/out"
HIDE_PKGS=(libyaml-cpp-dev libyaml-cpp0.7 libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libopenblas0
           libgfortran5 libquadmath0 nlohmann-json3-dev libcli11-dev zlib1g-dev libpng-dev libpng16-16 libgtest-dev
           libgmock-dev googletest libeigen3-dev libspectra-dev liblbfgspp-dev)
owned="$sb/owned.txt"
for p in "${HIDE_PKGS[@]}"; do dpkg -L "$p" 2>/dev/null; done | sort -u >"$owned"

# Shadow folders: every entry of a real folder as a link to its real path (bound at real/<name>), except what the
# hidden packages own (and OpenBLAS's alternatives links); sub-folders holding hidden files are shadowed in turn.
python3 - "$sb" "$owned" "$cuda" <<'PYEOF'
import fnmatch, os, sys
sb, owned_file, cuda = sys.argv[1:4]
owned = set(l.strip() for l in open(owned_file) if l.strip())
# /lib is /usr/lib on this merged-/usr system; dpkg may list either.
owned |= {"/usr" + p for p in owned if p.startswith("/lib/")}
alt = ["libopenblas*", "libblas*", "liblapack*", "cblas*.h", "openblas*", "lapack*.h"]
cuda_hide = ["libcudnn*", "libcublas*", "cudnn*.h", "cublas*.h"]
trees = {"usrlib": ("/usr/lib/x86_64-linux-gnu", alt), "usrinclude": ("/usr/include", alt),
         "usrsharecmake": ("/usr/share/cmake", []), "cudalib": (cuda + "/lib", cuda_hide),
         "cudainclude": (cuda + "/include", cuda_hide),
         "usrlocalbin": ("/usr/local/bin", ["nvcc", "ptxas", "nvlink", "fatbinary", "cudafe++", "bin2c", "*nvcc*"])}
hidden_count = 0
def all_owned(rp):
    files = [os.path.join(dp, f) for dp, _, fs in os.walk(rp) for f in fs]
    return all(f in owned for f in files)
def shadow(real, dst, real_mount, patterns):
    global hidden_count
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(real)):
        rp = os.path.join(real, name)
        is_dir = os.path.isdir(rp) and not os.path.islink(rp)
        if (rp in owned and not is_dir) or any(fnmatch.fnmatch(name, p) for p in patterns):
            hidden_count += 1
            continue
        if is_dir and any(o.startswith(rp + "/") for o in owned):
            if all_owned(rp):  # a folder holding only hidden files (yaml-cpp/, gtest/, openblas-pthread/)
                hidden_count += 1
            else:
                shadow(rp, os.path.join(dst, name), os.path.join(real_mount, name), patterns)
            continue
        os.symlink(os.path.join(real_mount, name), os.path.join(dst, name))
for key, (real, patterns) in trees.items():
    os.makedirs(os.path.join(sb, "real", key), exist_ok=True)
    shadow(real, os.path.join(sb, "shadow", key), os.path.join(sb, "real", key), patterns)
# The wheel: versioned names only, no headers (PyTorch's nvidia-cudnn-cu13 / nvidia-cublas as the check may find them).
wheel = os.path.join(sb, "site", "nvidia")
for sub, pats in (("cudnn/lib", ["libcudnn*.so.9"]), ("cu13/lib", ["libcublas.so.13", "libcublasLt.so.13"])):
    os.makedirs(os.path.join(wheel, sub), exist_ok=True)
    for name in sorted(os.listdir(cuda + "/lib")):
        if any(fnmatch.fnmatch(name, p) for p in pats):
            os.symlink(os.path.join(sb, "real", "cudalib", name), os.path.join(wheel, sub, name))
print(f"rehearsal: {hidden_count} system entries hidden; wheel at {wheel}")
PYEOF
[[ $? -eq 0 ]] || exit 1

path_no_cuda="$(echo "$PATH" | tr ':' '\n' | grep -v -E 'cuda|nvidia' | paste -sd:)"
ccache_dir="${CCACHE_DIR:-$HOME/.cache/ccache}"; mkdir -p "$ccache_dir"
box=(bwrap --die-with-parent --ro-bind / / --dev /dev --proc /proc --bind /tmp /tmp --bind "$root" "$root"
     --bind "$ccache_dir" "$ccache_dir"
     --ro-bind /usr/lib/x86_64-linux-gnu "$sb/real/usrlib" --ro-bind /usr/include "$sb/real/usrinclude"
     --ro-bind /usr/share/cmake "$sb/real/usrsharecmake" --ro-bind "$cuda/lib" "$sb/real/cudalib"
     --ro-bind "$cuda/include" "$sb/real/cudainclude" --ro-bind /usr/local/bin "$sb/real/usrlocalbin"
     --ro-bind "$sb/shadow/usrlib" /usr/lib/x86_64-linux-gnu --ro-bind "$sb/shadow/usrinclude" /usr/include
     --ro-bind "$sb/shadow/usrsharecmake" /usr/share/cmake --ro-bind "$sb/shadow/cudalib" "$cuda/lib"
     --ro-bind "$sb/shadow/cudainclude" "$cuda/include" --ro-bind "$sb/shadow/usrlocalbin" /usr/local/bin
     --setenv PATH "$path_no_cuda" --setenv PYTHONPATH "$sb/site" --setenv OUT "$root/build-rehearsal/out"
     --setenv CCACHE_DIR "$ccache_dir" --setenv GENER_CHECK_BUILD_LIMIT 3600 --setenv CCACHE_BASEDIR "${CCACHE_BASEDIR:-$root}"
     --unsetenv CUDA_HOME --unsetenv CUDA_PATH --unsetenv CUDACXX --unsetenv LD_LIBRARY_PATH --chdir "$root")

fail=0
check() { if eval "$2"; then echo "rehearsal: ok   $1"; else echo "rehearsal: FAIL $1"; fail=1; fi; }
echo "rehearsal: what the sandbox shows"
"${box[@]}" bash -c 'for f in /usr/include/yaml-cpp /usr/include/gtest /usr/include/nlohmann /usr/include/CLI \
  /usr/include/png.h /usr/include/zlib.h /usr/include/x86_64-linux-gnu/cblas.h /usr/lib/x86_64-linux-gnu/libyaml-cpp.so \
  /usr/lib/x86_64-linux-gnu/libopenblas.so /usr/lib/x86_64-linux-gnu/libgtest.a '"$cuda"'/lib/libcudnn.so \
  '"$cuda"'/lib/libcublas.so '"$cuda"'/include/cudnn.h; do [ -e $f ] && echo "  VISIBLE $f" || echo "  hidden  $f"; done;
  printf "  nvcc on PATH: "; command -v nvcc || echo no; printf "  c++: "; command -v c++' | tee "$sb/visible.txt"
check "system copies hidden, nvcc off PATH" "! grep -q VISIBLE '$sb/visible.txt' && grep -q 'nvcc on PATH: no' '$sb/visible.txt'"
(( only_sandbox )) && exit "$fail"

echo "rehearsal: bench/gpu_check.sh in the sandbox (build on $jobs cores)"
"${box[@]}" bash bench/gpu_check.sh --build "$root/build-rehearsal/build" --jobs "$jobs" --budget 5400
rc=$?
o="$root/build-rehearsal/out"; logs="$root/build-rehearsal/build/gpu-check/logs"
check "exit status 3 (no GPU) after building" "[[ $rc -eq 3 ]]"
four_files() {
  [[ $(ls "$o" | wc -l) -eq 4 ]] || return 1
  local f
  for f in preflight.txt summary.txt junit.xml logs.tar.gz; do [[ -s "$o/$f" ]] || return 1; done
}
check "exactly the 4 result files" four_files
check "summary says NO GPU and why" "grep -q 'NO GPU' '$o/summary.txt' && grep -qi 'cuda' '$o/summary.txt'"
check "configure used the carried cuDNN headers" "grep -q 'headers .*cuda-headers/include' '$logs/configure.log'"
for lib in yaml-cpp openblas png16 gfortran; do
  check "ldd: lib$lib from the private prefix" "grep -E 'lib$lib[^ ]* => ' '$logs/ldd.txt' | grep -q 'deps-prefix' && ! grep -E 'lib$lib[^ ]* => ' '$logs/ldd.txt' | grep -vq 'deps-prefix'"
done
check "ldd: libcudnn from the wheel folder" "grep -E 'libcudnn[^ ]* => ' '$logs/ldd.txt' | grep -q 'site/nvidia/cudnn/lib'"
check "ldd: libcublas from the wheel folder" "grep -E 'libcublas\.so[^ ]* => ' '$logs/ldd.txt' | grep -q 'site/nvidia/cu13/lib'"
check "ldd: nothing unresolved" "! grep -q 'not found' '$logs/ldd.txt'"
check "logs archive holds the build log and ldd" "tar -tzf '$o/logs.tar.gz' >'$sb/archive.txt' && grep -q 'logs/build.log' '$sb/archive.txt' && grep -q 'logs/ldd.txt' '$sb/archive.txt'"
echo "rehearsal: results in $o"

# Second pass, same sandbox and build: the benchmark steps and the summary, run on the CPU at 1/500 of the sizes.
echo "rehearsal: the benchmark steps with --device cpu --scale 500"
o2="$root/build-rehearsal/out-cpu"; rm -rf "$o2"
"${box[@]}" env OMP_WAIT_POLICY=passive bash bench/gpu_check.sh --build "$root/build-rehearsal/build" --jobs "$jobs" \
  --budget 1500 --device cpu --scale 500 --out "$o2"
rc2=$?
check "cpu pass: exit status 0" "[[ $rc2 -eq 0 ]]"
check "cpu pass: the Cuda tests ran through ctest into JUnit (all skipped)" \
  "grep -qE 'CUDA tests .*: [0-9]+ passed, 0 failed, [1-9][0-9]* skipped' '$o2/summary.txt'"
for row in "score fused fp32" "score layers fp32" "epoch batch 64" "epoch batch 256" "score fused tf32" "epoch b256 no graphs"; do
  check "cpu pass: summary has a figure for '$row'" "grep -E '^ *$row ' '$o2/summary.txt' | grep -qE '[0-9],?[0-9]*/s'"
done
check "cpu pass: all-pairs scoring time read from gener score" "grep -E 'all .* pairs' '$o2/summary.txt' | grep -qE '[0-9.]+ (ms|s) scoring'"
echo "rehearsal: cpu pass results in $o2"
(( keep )) || rm -rf "$sb/shadow"
exit "$fail"
