#!/usr/bin/env bash
# fetch_device_deps.sh — gather here what a bare GPU machine lacks to build and test gener (it has a compiler,
# CMake, ninja, nvcc and PyTorch's CUDA wheels, and no package registry), into one ignored folder that travels with
# the working tree: the Debian packages of gener's libraries (.deb files, unpacked there by bench/gpu_check.sh into a
# private prefix) and the cuDNN / cuBLAS headers of this machine's CUDA toolkit (the wheels may ship none).
# Usage: scripts/fetch_device_deps.sh [DIR]   (default: <repo>/.device-deps; needs apt-get, run as root or not)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$root/.device-deps}"
limit_mib=40  # the whole tree that travels may hold 64 MiB

# Headers and libraries gener links (scripts/setup.sh's list, minus the toolchain), with the runtime libraries
# they need that a CUDA image may lack. zlib1g (the runtime) is on every Debian-like system and stays out.
PACKAGES=(libyaml-cpp-dev libyaml-cpp0.7 libopenblas-pthread-dev libopenblas0-pthread libgfortran5 libquadmath0
          nlohmann-json3-dev libcli11-dev zlib1g-dev libpng-dev libpng16-16 libgtest-dev
          libeigen3-dev libspectra-dev liblbfgspp-dev)  # header-only: the graph-embedding baselines' linear algebra

mkdir -p "$dir/debs" "$dir/cuda-headers/include"
rm -f "$dir"/debs/*.deb
# The version installed here (the one CI builds and tests with) when the archive still has it, else the candidate.
for p in "${PACKAGES[@]}"; do
  v="$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)"
  if ! (cd "$dir/debs" && apt-get download -qq "${p}${v:+=$v}" 2>/dev/null); then
    (cd "$dir/debs" && apt-get download -qq "$p") || {
      echo "fetch_device_deps.sh: apt-get download $p failed (run 'apt-get update' first?)" >&2; exit 1; }
  fi
done

# cuDNN and cuBLAS headers, from the toolkit this machine builds with (any CUDA_HOME, else /usr/local/cuda).
cuda="${CUDA_HOME:-/usr/local/cuda}"
inc=""
for d in "$cuda/include" "$cuda/targets/x86_64-linux/include" /usr/include /usr/include/x86_64-linux-gnu; do
  [[ -f "$d/cudnn.h" ]] && { inc="$d"; break; }
done
rm -f "$dir"/cuda-headers/include/*.h
if [[ -n "$inc" ]]; then
  cp -L "$inc"/cudnn*.h "$dir/cuda-headers/include/"
  for h in cublas_v2.h cublas_api.h cublas.h; do
    for d in "$inc" "$cuda/include"; do [[ -f "$d/$h" ]] && { cp -L "$d/$h" "$dir/cuda-headers/include/"; break; }; done
  done
else
  echo "fetch_device_deps.sh: warning: no cudnn.h under $cuda: the GPU machine must bring its own headers" >&2
fi

{
  echo "# gener device dependencies, fetched $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release; echo "$PRETTY_NAME")"
  for f in "$dir"/debs/*.deb; do
    echo "deb $(basename "$f") $(dpkg-deb -f "$f" Package Version | tr '\n' ' ')sha256=$(sha256sum "$f" | cut -c1-16)"
  done
  if [[ -n "$inc" ]]; then
    echo "headers from $inc: $(cd "$dir/cuda-headers/include" && ls | tr '\n' ' ')"
    grep -hE '^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) ' "$dir/cuda-headers/include/cudnn_version.h" | tr '\n' ' '
    echo
  fi
} >"$dir/MANIFEST"

bytes="$(du -sb "$dir" | cut -f1)"
mib=$(( (bytes + 1048575) / 1048576 ))
echo "fetch_device_deps.sh: $(ls "$dir"/debs/*.deb | wc -l) packages + $(ls "$dir"/cuda-headers/include | wc -l) headers in $dir: ${mib} MiB"
if (( mib > limit_mib )); then
  echo "fetch_device_deps.sh: $dir is ${mib} MiB, over the ${limit_mib} MiB kept for it" >&2; exit 1
fi
