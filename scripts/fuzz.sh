#!/usr/bin/env bash
# Fuzzes nmt's input parsers with libFuzzer: builds the targets of tests/fuzz (clang,
# -DNMT_FUZZ=ON, ASan+UBSan) into build-fuzz/, replays every saved crash input
# (tests/fuzz/regressions/<target>/), then runs each target for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 config
#
# Seeds come from tests/fuzz/corpus/<target>/; inputs the fuzzer finds interesting go to
# build-fuzz/fuzz-corpus/<target>/ (not into the repository). A crash stops that target and
# leaves its input in build-fuzz/fuzz-artifacts/<target>/: fix the bug, then keep the input
# as tests/fuzz/regressions/<target>/<name> so every later run (and CI) replays it.
# FUZZ_JOBS targets run at once (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
JOBS=${FUZZ_JOBS:-$(nproc)}

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  GEN=()
  if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNMT_FUZZ=ON -DNMT_SANITIZE=address,undefined -DNMT_BUILD_TESTS=OFF -DNMT_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target nmt_fuzz --parallel "$(nproc)"

TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do t=$(basename "$f" .cpp); TARGETS+=("${t#fuzz_}"); done
fi

# Leaks are findings too; a stack this deep is a runaway recursion.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 bin="$BUILD_DIR/bin/fuzz_$1"
  local seeds="tests/fuzz/corpus/$t" regress="tests/fuzz/regressions/$t"
  local work="$BUILD_DIR/fuzz-corpus/$t" art="$BUILD_DIR/fuzz-artifacts/$t/"
  local log="$BUILD_DIR/fuzz-logs/$t.log"
  mkdir -p "$work" "$art" "$(dirname "$log")" "$regress"
  # 1. every saved crash input and seed, once
  if ! "$bin" -runs=0 "$seeds" "$regress" >"$log" 2>&1; then
    echo "fuzz $t: FAILED replaying $seeds and $regress (log: $log)"; tail -30 "$log"; return 1
  fi
  # 2. fuzz for the given time (with tests/fuzz/<target>.dict when there is one)
  local dict=()
  if [ -f "tests/fuzz/$t.dict" ]; then dict=(-dict="tests/fuzz/$t.dict"); fi
  if "$bin" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2560 -max_len=65536 "${dict[@]}" \
      -print_final_stats=1 -artifact_prefix="$art" "$work" "$seeds" >>"$log" 2>&1; then
    echo "fuzz $t: ok, $(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}') inputs in ${SECONDS_EACH} s," \
         "corpus $(ls "$work" | wc -l) files"
  else
    echo "fuzz $t: FOUND A BUG — input saved in $art (log: $log)"; grep -E 'ERROR|contract|SUMMARY|==ERROR' "$log" | head -5
    return 1
  fi
}

fail=0
running=0
for t in "${TARGETS[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || fail=1
    running=$((running - 1))
  fi
done
while [ "$running" -gt 0 ]; do
  wait -n || fail=1
  running=$((running - 1))
done
if [ "$fail" -ne 0 ]; then echo "fuzz: FAILED"; exit 1; fi
echo "fuzz: all ${#TARGETS[@]} targets ran ${SECONDS_EACH} s each without a finding"
