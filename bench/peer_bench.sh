#!/usr/bin/env bash
# peer_bench.sh — gener against OpenVINO, ONNX Runtime, PyTorch (eager, torch.compile), TensorFlow/Keras and JAX on
# this CPU: the peers live in a virtualenv (.bench-venv/, ignored) that --install fills from PyPI.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: bench/peer_bench.sh [--install] [options passed to bench/peer_bench.py]
  --install            create .bench-venv/ and pip-install the peers into it (each optional: one that fails to
                       install is skipped with a note when the benchmark runs)
  --gener PATH         gener binary (default: build/gener)
  --threads T          threads on every side (default 2)
  --rounds R           interleaved rounds, >= 3 (default 3)
  --seconds S          measured seconds per run (default 4)
  --peers LIST         of openvino-fp32,openvino-bf16,onnxruntime,torch,torch-compile,tensorflow,jax
  --configs LIST       mode:batch,... (default score:1024,score:8192,train:64,train:256)
  --precisions LIST    gener rows (default fp32; e.g. fp32,bf16,int8)
  --out DIR            JSON and Markdown results (default build/bench-results)
Protocol: a short training run on synthetic data gives one checkpoint; every peer loads it and must reproduce
gener's scores on 2,000 pairs (|dP| <= 1e-4 at fp32, 5e-2 at bf16) before it is timed. Then, per configuration,
rounds of gener, peer 1, peer 2, ... on a 5,950 x 536 random expression matrix held in memory, random pairs, whole
batches; the peers are compiled once in an untimed warm-up pass.
USAGE
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.bench-venv"
install=0; args=(); gener="$root/build/gener"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --install) install=1; shift ;;
    --gener) gener="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

if (( install )); then
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip numpy
  for pkg in onnx openvino onnxruntime torch tensorflow-cpu keras "jax jaxlib"; do
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet $pkg || echo "peer_bench.sh: could not install '$pkg'; it will be skipped" >&2
  done
fi
[[ -x "$venv/bin/python" ]] || { echo "peer_bench.sh: no $venv (run with --install first)" >&2; exit 2; }
[[ -x "$gener" ]] || { echo "peer_bench.sh: gener binary '$gener' not found (cmake --build build)" >&2; exit 2; }
exec "$venv/bin/python" "$root/bench/peer_bench.py" --gener "$gener" --python "$venv/bin/python" "${args[@]}"
