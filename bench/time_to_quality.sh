#!/usr/bin/env bash
# Time to quality: train the three reference Bible configs (configs/bible-es-en/{rnn,bahdanau,
# transformer}.yaml) for the same wall-clock budget each, with `nmt compare --budget-minutes`,
# into a fresh directory, then print one table: steps, training target tokens/s, dev and test
# BLEU and chrF (beam 5, the built-in sacreBLEU-identical scorer) and test BLEU by source length.
#
#   bench/time_to_quality.sh BUDGET_MINUTES [OUT_DIR]
#
# OUT_DIR (default reports/time-to-quality-<budget>min-<date>) must not exist yet; it receives
# models/ (the three model directories), report/ (compare's report.html + report.md), hyp/ and
# table.md. NMT_THREADS (default 2) is passed as --threads to every nmt command. The budget is
# wall-clock time, so a busy machine trains fewer steps: read the steps and tokens/s columns.
# NMT_ARCHS (default "rnn bahdanau transformer") picks a subset, e.g. NMT_ARCHS=transformer for
# a long budget whose goal concerns one model (an hour per model is three hours for all three).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || [ $# -gt 2 ] || ! [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: bench/time_to_quality.sh BUDGET_MINUTES [OUT_DIR]" >&2
  exit 2
fi
BUDGET=$1
OUT=${2:-reports/time-to-quality-${BUDGET}min-$(date +%Y%m%d-%H%M%S)}
ARCHS=${NMT_ARCHS:-rnn bahdanau transformer}
source bench/common.sh
for a in $ARCHS; do reference_config "$a" > /dev/null; done

require_fresh_dir "$OUT"
prepare_bench
mkdir -p "$OUT/hyp"

# 1. Train the three configs with the same budget and write compare's report.
"$NMT" --threads "$THREADS" compare $(for a in $ARCHS; do echo -c "configs/bible-es-en/$a.yaml"; done) \
  --budget-minutes "$BUDGET" --models-dir "$OUT/models" --out "$OUT/report"

# 2. Source-length buckets of the test set (words, as in the report): one line-number list each.
BUCKETS="1-10 11-20 21-30 31-50 51+"
awk -v dir="$OUT/hyp" '{
  n = NF; b = n <= 10 ? "1-10" : n <= 20 ? "11-20" : n <= 30 ? "21-30" : n <= 50 ? "31-50" : "51+";
  print NR > (dir "/bucket." b ".lines") }' "$DATA/test.es"

# "BLEU chrF" of a hypothesis file against a reference file.
score() { "$NMT" score --hyp "$1" --ref "$2" | bleu_chrf; }
# Lines listed in $1 (line numbers) of file $2.
pick() { awk 'NR == FNR {want[$1] = 1; next} want[FNR]' "$1" "$2"; }

# 3. Decode dev and test with beam 5 (each model's own decode settings otherwise).
{
  printf '| model | steps | train tgt tok/s | dev BLEU | dev chrF | test BLEU | test chrF |'
  for b in $BUCKETS; do printf ' test BLEU %s |' "$b"; done
  printf '\n|---|---:|---:|---:|---:|---:|---:|'
  for b in $BUCKETS; do printf -- '---:|'; done
  printf '\n'
  for a in $ARCHS; do
    M="$OUT/models/bible-es-en-$a"
    for split in dev test; do
      "$NMT" --threads "$THREADS" evaluate -m "$M" -k 5 --src "$DATA/$split.es" --ref "$DATA/$split.en" \
        --hyp-out "$OUT/hyp/$a.$split.en" > "$OUT/hyp/$a.$split.log"
    done
    steps=$(trained_steps "$M")
    # Mean of the per-window training rates in metrics.jsonl (validation time excluded), as in the report.
    tps=$(awk -F'"tokens_per_s": *' 'NF > 1 {split($2, v, /[,}]/); s += v[1]; n++} END {if (n) printf "%.0f", s / n; else print "n/a"}' "$M/metrics.jsonl")
    read -r dev_bleu dev_chrf <<< "$(score "$OUT/hyp/$a.dev.en" "$DATA/dev.en")"
    read -r test_bleu test_chrf <<< "$(score "$OUT/hyp/$a.test.en" "$DATA/test.en")"
    printf '| %s | %s | %s | %s | %s | %s | %s |' "$a" "$steps" "$tps" "$dev_bleu" "$dev_chrf" "$test_bleu" "$test_chrf"
    for b in $BUCKETS; do
      L="$OUT/hyp/bucket.$b.lines"
      if [ -s "$L" ]; then
        pick "$L" "$OUT/hyp/$a.test.en" > "$OUT/hyp/$a.test.$b.en"
        pick "$L" "$DATA/test.en" > "$OUT/hyp/ref.test.$b.en"
        read -r bb _ <<< "$(score "$OUT/hyp/$a.test.$b.en" "$OUT/hyp/ref.test.$b.en")"
        printf ' %s |' "$bb"
      else
        printf ' – |'
      fi
    done
    printf '\n'
  done
} > "$OUT/table.md"

echo
echo "Time to quality, $BUDGET minutes per model, --threads $THREADS, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "(test sentences per bucket:$(for b in $BUCKETS; do printf ' %s %s' "$b" "$(wc -l < "$OUT/hyp/bucket.$b.lines" 2>/dev/null || echo 0)"; done))"
echo
cat "$OUT/table.md"
echo
echo "report: $OUT/report/report.html   table: $OUT/table.md"
