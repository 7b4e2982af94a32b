#!/usr/bin/env bash
# fuzz.sh — builds gener's libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs each for a fixed time
# from the seed corpora in fuzz/corpus/; prints the executions per target and lists anything found.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 600)] [TARGET ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(expression pairs npy safetensors cache biogrid yeastract yaml)
build="$root/build-fuzz"
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGENER_CUDA=OFF -DGENER_MPI=OFF \
  -DGENER_WERROR=OFF -DGENER_BUILD_TESTS=OFF -DGENER_FUZZ=ON -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
printf '%-12s %12s %10s  %s\n' target execs exec/s findings
status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"; findings="$build/findings/$t"
  rm -rf "$findings"  # what this run finds (a crash found before is a regression test by now)
  mkdir -p "$corpus" "$findings"
  log="$build/fuzz_$t.log"
  # -rss_limit_mb: a parser asked for more memory than that is a finding too (readers bound sizes by the file)
  "$build/fuzz/fuzz_$t" "$corpus" "$root/fuzz/corpus/$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1 || status=1
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)"
  found="$(ls "$findings" 2>/dev/null | tr '\n' ' ')"
  printf '%-12s %12s %10s  %s\n' "$t" "$execs" "$rate" "${found:-none}"
done
exit $status
