#!/bin/bash
# Runs libFuzzer targets, each for SECONDS, two at a time (FUZZ_JOBS), each on
# a copy of its corpus in a temporary directory: new corpus entries never land
# in the source tree. Fails when any target crashes, leaks, times out (10 s
# per input) or runs out of memory (2 GB), printing the input (hex and base64)
# and the report with its stack.
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]     (TARGET: apt_output or fuzz_apt_output; default all)
# Environment:
#   FUZZ_BUILD_DIR  where the targets were built (default build-fuzz; see README.md)
#   FUZZ_JOBS       targets run at once (default 2)
#   FUZZ_NICE       nice level of the fuzzers (default 0)
#   FUZZ_KEEP       a directory to copy each target's log and findings into (default: none)
set -u
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-2}
niceness=${FUZZ_NICE:-0}

targets=()
if [ $# -eq 0 ]; then
  for f in "$here"/fuzz_*.cpp; do
    n=$(basename "$f" .cpp)
    targets+=("${n#fuzz_}")
  done
else
  for t in "$@"; do targets+=("${t#fuzz_}"); done
fi
for t in "${targets[@]}"; do
  if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
    echo "fuzz: no target $build/tests/fuzz/fuzz_$t (build it: cmake --build $build --target fuzz)" >&2
    exit 2
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pcs-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

run_one() {
  local t=$1 dir="$work/$1"
  mkdir -p "$dir/corpus"
  [ -d "$here/corpus/$t" ] && cp -R "$here/corpus/$t/." "$dir/corpus/"
  local dict=()
  [ -f "$here/dict/$t.dict" ] && dict=("-dict=$here/dict/$t.dict")
  (cd "$dir" && exec nice -n "$niceness" "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" "${dict[@]}" corpus) >"$dir/log" 2>&1
  echo $? >"$dir/rc"
}

start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
  echo "fuzz: $t for ${seconds}s"
  run_one "$t" &
  running=$((running + 1))
done
wait

failed=0
printf '%-16s %14s %8s  %s\n' target executions seconds result
for t in "${targets[@]}"; do
  dir="$work/$t"
  rc=$(cat "$dir/rc" 2>/dev/null || echo 255)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$dir/log" | tail -1)
  if [ -z "$runs" ]; then runs=$(sed -n 's/^#\([0-9]*\).*exec\/s.*/\1/p' "$dir/log" | tail -1); fi
  result=ok
  [ "$rc" -eq 0 ] || result="FAILED (exit $rc)"
  printf '%-16s %14s %8s  %s\n' "$t" "${runs:-?}" "${secs:-?}" "$result"
  if [ -n "${FUZZ_KEEP:-}" ]; then
    mkdir -p "$FUZZ_KEEP/$t"
    cp "$dir/log" "$FUZZ_KEEP/$t/log"
    find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \
      -o -name 'slow-unit-*' \) -exec cp {} "$FUZZ_KEEP/$t/" \;
  fi
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "---- fuzz_$t: report"
    grep -v -E '^#[0-9]+\s|NEW_FUNC' "$dir/log" | tail -n 80
    for a in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
      [ -f "$a" ] || continue
      echo "---- fuzz_$t: input $(basename "$a") ($(stat -c %s "$a") bytes), hex:"
      od -An -tx1 -v "$a" | head -n 64
      echo "---- base64:"
      base64 -w 76 "$a" | head -n 64
      echo "---- reproduce: $build/tests/fuzz/fuzz_$t FILE (the input above, base64 -d > FILE)"
    done
  fi
done
echo "fuzz: $(( $(date +%s) - start ))s for ${#targets[@]} targets"
exit $failed
