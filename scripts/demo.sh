#!/usr/bin/env bash
# demo.sh — set up (dependencies + Release build) and run `gener demo` on the built-in synthetic data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/gener demo "$@"
