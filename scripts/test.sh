#!/usr/bin/env bash
# Builds nmt and runs the test suite in three stages (what CI runs, see .ci/run):
#   main      Release build in build/, every Catch2 test through ctest;
#   sanitize  ASan+UBSan build in build-asan/ of the unit and contract tests (tests/CMakeLists.txt
#             lists the ones left out and why), run through ctest;
#   fuzz      libFuzzer targets in build-fuzz/ (clang): replay of the seed corpora and saved
#             crash inputs, then FUZZ_SECONDS (default 30) of fuzzing per target.
# NMT_TEST_STAGES picks stages (default "main sanitize fuzz"); extra arguments go to the main
# stage's ctest, e.g. scripts/test.sh -R config.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
STAGES=${NMT_TEST_STAGES:-main sanitize fuzz}
NPROC=$(nproc)

stage_time() {  # stage_time NAME START: one line with the stage's wall time
  echo "test.sh: stage $1 took $(( $(date +%s) - $2 )) s"
}

for stage in $STAGES; do
  t0=$(date +%s)
  case "$stage" in
    main)
      bash scripts/build.sh
      (cd "$BUILD_DIR" && ctest --output-on-failure --timeout 900 -j "$NPROC" "$@")
      ;;
    sanitize)
      # -O1 -g1: sanitizer reports with line numbers, at a fraction of -O2 -g's compile time.
      if [ ! -f build-asan/CMakeCache.txt ]; then
        GEN=()
        if command -v ninja >/dev/null 2>&1; then GEN=(-G Ninja); fi
        cmake -S . -B build-asan "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
          -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DNMT_SANITIZE=address,undefined -DNMT_BUILD_BENCH=OFF >/dev/null
      fi
      cmake --build build-asan --target nmt_tests --parallel "$NPROC"
      # LibTorch's own allocations at exit are not ours to fix: tests/sanitizer/lsan.supp.
      (cd build-asan && \
        ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1 \
        LSAN_OPTIONS=suppressions="$PWD/../tests/sanitizer/lsan.supp":print_suppressions=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure --timeout 1800 -j "$NPROC")
      ;;
    fuzz)
      bash scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
      ;;
    *)
      echo "test.sh: unknown stage '$stage' (main, sanitize, fuzz)" >&2
      exit 2
      ;;
  esac
  stage_time "$stage" "$t0"
done
