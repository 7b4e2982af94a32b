#!/usr/bin/env bash
# setup.sh — install gener's system dependencies (Debian packages, idempotent) and build Release into build/.
# Usage: scripts/setup.sh [extra cmake args...]   (GENER_SKIP_APT=1 skips the package step)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config libopenblas-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
          zlib1g-dev libpng-dev libgtest-dev libssl-dev libeigen3-dev libspectra-dev liblbfgspp-dev
          libopenmpi-dev openmpi-bin)  # MPI: optional in the build (GENER_MPI=AUTO), installed so CI tests it

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${GENER_SKIP_APT:-0}" != 1 ] && [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# CUDA is optional and detected (GENER_CUDA=AUTO); nvcc is looked up where the toolkit usually lives.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi

JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >build-configure.log 2>&1 || { cat build-configure.log; exit 1; }
grep -E "gener:" build-configure.log || true
cmake --build build -j"$JOBS"
echo "[setup] built build/gener"
