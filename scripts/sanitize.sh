#!/usr/bin/env bash
# sanitize.sh — the test suite under AddressSanitizer (with LeakSanitizer) + UndefinedBehaviorSanitizer (CPU build,
# one rank, gcc) in build-asan/; any report, in a test or in a gener process a test starts, fails the run.
# Usage: scripts/sanitize.sh [ctest -R pattern]; JOBS=N for the build and ctest; TARGETS="test_base test_io" builds
# only those (and what they link) instead of everything. CI runs it after scripts/test.sh (.ci/run). Measured on
# the 2-core development machine with other jobs on it (load average ~3): cold build 30.5 min (~46 CPU-minutes),
# the 416 ctest entries 4-5.5 min (~6.5 CPU-minutes), 36 min in all; ~27 min estimated from the CPU time on 2 free
# cores. MPI is off (one rank): the multi-rank tests skip here, as without MPI; they run in the Release suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-asan"
# undefined: gcc's UB checks (signed overflow, shifts, misaligned or null access, bounds, vptr, ...), plus
# float-cast-overflow (not in gcc's "undefined" group). float-divide-by-zero stays off: IEEE 754 defines it (inf/nan).
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
t0=$(date +%s)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGENER_CUDA=OFF -DGENER_MPI=OFF -DGENER_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" ${TARGETS:+--target $TARGETS}
t1=$(date +%s)
# Every report aborts its process (SIGABRT), which fails the test, also when the process is a gener run whose test
# only checks that it failed: the harness counts a signal as a crash. ASan's and LSan's reports also go to files, one
# per process, listed at the end (gcc's UBSan, linked with ASan, ignores log_path: its reports stay on stderr).
# detect_leaks: the suites' processes are short; a leak is a finding.
reports="$build/sanitizer-reports"
rm -rf "$reports" && mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1"
rc=0
(cd "$build" && ctest -j"${JOBS:-2}" --output-on-failure ${1:+-R "$1"}) || rc=$?
t2=$(date +%s)
echo "[sanitize] build $((t1 - t0)) s, tests $((t2 - t1)) s"
if [ -n "$(ls -A "$reports")" ]; then
  for f in "$reports"/*; do echo "[sanitize] ---- $f"; cat "$f"; done
  echo "[sanitize] $(ls "$reports" | wc -l) sanitizer report(s) in $reports"
  exit 1
fi
exit "$rc"
