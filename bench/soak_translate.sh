#!/usr/bin/env bash
# Soak run of `nmt translate` (a benchmark, not a CI test): one long-running filter process is
# fed the test set over and over for DURATION seconds; its resident memory (VmRSS) is sampled
# every INTERVAL seconds. Reports the first and last RSS, the least-squares slope over the whole
# run and after the first minute (allocator warm-up), and the lines translated. At the end the
# process gets SIGTERM, which must flush what it translated and exit 143.
#
#   bench/soak_translate.sh MODEL_DIR [SRC] [DURATION_S] [INTERVAL_S]
#   e.g. bench/soak_translate.sh models/soak-transformer data/bible-es-en/test.es 600 10
#
# Writes OUT_DIR (default reports/soak-translate)/rss.csv (seconds,rss_kib,lines) and summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${1:?usage: bench/soak_translate.sh MODEL_DIR [SRC] [DURATION_S] [INTERVAL_S]}
SRC=${2:-data/bible-es-en/test.es}
DURATION=${3:-600}
INTERVAL=${4:-10}
OUT=${OUT_DIR:-reports/soak-translate}
NMT=${NMT:-build/bin/nmt}
mkdir -p "$OUT"
[ -x "$NMT" ] || { echo "soak: $NMT not built (scripts/build.sh)" >&2; exit 1; }
[ -f "$SRC" ] || { echo "soak: no source file $SRC (nmt data bible --out data/bible-es-en)" >&2; exit 1; }

# The feeder writes the file in a loop until the filter exits (a write to a closed pipe ends it).
(while cat "$SRC"; do :; done) | "$NMT" --threads "${THREADS:-2}" translate -m "$MODEL" \
    > "$OUT/translations.txt" 2> "$OUT/stderr.txt" &
pid=$!
echo "seconds,rss_kib,lines" > "$OUT/rss.csv"
t0=$(date +%s)
while true; do
  now=$(( $(date +%s) - t0 ))
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] || { echo "soak: nmt translate died early (see $OUT/stderr.txt)" >&2; exit 1; }
  echo "$now,$rss,$(wc -l < "$OUT/translations.txt")" >> "$OUT/rss.csv"
  [ "$now" -ge "$DURATION" ] && break
  sleep "$INTERVAL"
done
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
lines=$(wc -l < "$OUT/translations.txt")

{
  awk -f bench/rss_trend.awk "$OUT/rss.csv"
  src_lines=$(wc -l < "$SRC")
  awk -v l="$lines" -v s="$src_lines" -v rc="$rc" 'BEGIN {
    printf "lines translated %d (%.1f passes over the %d-line input); exit code after SIGTERM %d\n", l, l / s, s, rc }'
} | tee "$OUT/summary.txt"
grep -q "interrupted by SIGTERM" "$OUT/stderr.txt" && echo "stderr: $(grep 'interrupted by SIGTERM' "$OUT/stderr.txt")"
