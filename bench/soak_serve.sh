#!/usr/bin/env bash
# Soak run of `nmt serve` (a benchmark, not a CI test): bench_serve keeps CLIENTS concurrent
# clients sending test-set sentences for DURATION seconds to one server it starts; the server's
# resident memory (VmRSS) is sampled every INTERVAL seconds. Reports the first, last and largest
# RSS and the least-squares slope (bench/rss_trend.awk), then bench_serve's own table.
#
#   bench/soak_serve.sh MODEL_DIR [SRC] [DURATION_S] [INTERVAL_S] [CLIENTS]
#   e.g. bench/soak_serve.sh models/bible-es-en-transformer data/bible-es-en/test.es 600 10 8
#
# Writes OUT_DIR (default reports/soak-serve)/rss.csv (seconds,rss_kib), bench.txt and summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/soak_serve.sh MODEL_DIR [SRC] [DURATION_S] [INTERVAL_S] [CLIENTS]}
SRC=${2:-data/bible-es-en/test.es}
DURATION=${3:-600}
INTERVAL=${4:-10}
CLIENTS=${5:-8}
OUT=${OUT_DIR:-reports/soak-serve}
BENCH=${BENCH:-build/bin/bench_serve}
mkdir -p "$OUT"
[ -x "$BENCH" ] || { echo "soak: $BENCH not built (scripts/build.sh)" >&2; exit 1; }
[ -f "$SRC" ] || { echo "soak: no source file $SRC (nmt data bible --out data/bible-es-en)" >&2; exit 1; }

"$BENCH" --model "$MODEL" --src "$SRC" --clients "$CLIENTS" --seconds "$DURATION" --warmup 0 \
  --threads "${THREADS:-2}" > "$OUT/bench.txt" 2>&1 &
bench=$!
# The server is bench_serve's child running `serve` (it starts after bench_serve has timed
# `nmt translate` on the same sentences, its reference).
server=""
while kill -0 "$bench" 2>/dev/null; do
  server=$(pgrep -P "$bench" -f " serve " | head -1 || true)
  [ -n "$server" ] && break
  sleep 0.2
done
[ -n "$server" ] || { echo "soak: the server did not start (see $OUT/bench.txt)" >&2; exit 1; }
echo "seconds,rss_kib" > "$OUT/rss.csv"
t0=$(date +%s)
while rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status" 2>/dev/null) && [ -n "$rss" ]; do
  echo "$(( $(date +%s) - t0 )),$rss" >> "$OUT/rss.csv"
  sleep "$INTERVAL"
done
wait "$bench"
awk -f bench/rss_trend.awk "$OUT/rss.csv" | tee "$OUT/summary.txt"
cat "$OUT/bench.txt"
