#!/usr/bin/env bash
# sanitize.sh — the test suite under AddressSanitizer + UndefinedBehaviorSanitizer (CPU build, one rank) in
# build-asan/; any report fails the run. Usage: scripts/sanitize.sh [ctest -R pattern]; JOBS=N for the build;
# TARGETS="test_base test_io" builds only those (and what they link) instead of everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-asan"
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGENER_CUDA=OFF -DGENER_MPI=OFF -DGENER_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" ${TARGETS:+--target $TARGETS}
# detect_leaks: the suites' processes are short; a leak is a finding. OpenMP's thread pool is not reported.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build" && ctest -j"${JOBS:-2}" --output-on-failure ${1:+-R "$1"}
