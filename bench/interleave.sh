#!/usr/bin/env bash
# Runs two benchmark commands alternately (A, B, A, B, ...) so that both see the same machine
# load, and prefixes every output line with the run it came from. On a shared machine this is
# the fair way to compare a change: e.g. the decoder before and after, from two build trees,
#
#   bench/interleave.sh 3 "old/bin/bench_decode --src test.es --threads 2 M" \
#                         "build/bin/bench_decode --src test.es --threads 2 M"
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: bench/interleave.sh ROUNDS 'COMMAND A' 'COMMAND B'" >&2
  exit 2
fi
rounds=$1
for ((i = 1; i <= rounds; i++)); do
  for side in A B; do
    if [ "$side" = A ]; then cmd=$2; else cmd=$3; fi
    echo "== round $i $side: $cmd"
    bash -c "$cmd" 2>&1 | sed "s/^/[$side$i] /"
  done
done
