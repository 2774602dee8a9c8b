#!/usr/bin/env bash
# One trial of a config search at a fixed wall-clock budget: train one reference config (with
# --set overrides) for BUDGET minutes into OUT_DIR, then score its last.pt on the dev set with
# beam 5 and greedy. Prints one line: steps, then BLEU and chrF of both decodings. Dev only:
# the test set is for checking afterwards (bench/time_to_quality.sh), never for choosing.
#
#   bench/budget_trial.sh BUDGET_MINUTES ARCH OUT_DIR [KEY=VALUE ...]
#   e.g. bench/budget_trial.sh 5 transformer /tmp/t22 model.enc_layers=2 model.dec_layers=2
#
# ARCH is rnn, bahdanau or transformer (configs/bible-es-en/ARCH.yaml). OUT_DIR must not exist.
# NMT_THREADS (default 2) is passed as --threads; logs go to OUT_DIR/train.out and eval.log.
# The budget is wall-clock time: on a shared machine the steps vary by ~10% between identical
# runs, so read the steps column too.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 3 ] || ! [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]; then
  echo "usage: bench/budget_trial.sh BUDGET_MINUTES ARCH OUT_DIR [KEY=VALUE ...]" >&2
  exit 2
fi
BUDGET=$1 ARCH=$2 OUT=$3
shift 3
source bench/common.sh
CONFIG=$(reference_config "$ARCH")
require_fresh_dir "$OUT"
prepare_bench

sets=(--set "output=$OUT" --set "train.max_minutes=$BUDGET" --set train.max_epochs=0)
for kv in "$@"; do sets+=(--set "$kv"); done
mkdir -p "$OUT"
"$NMT" --threads "$THREADS" train -c "$CONFIG" "${sets[@]}" > "$OUT/train.out" 2>&1

# "BLEU chrF" of last.pt on dev with beam $1.
dev_score() {
  "$NMT" --threads "$THREADS" evaluate -m "$OUT" --checkpoint last -k "$1" --src "$DATA/dev.es" \
    --ref "$DATA/dev.en" 2>> "$OUT/eval.log" | bleu_chrf
}
steps=$(trained_steps "$OUT")
read -r b5 c5 <<< "$(dev_score 5)"
read -r b1 c1 <<< "$(dev_score 1)"
echo "$ARCH ${BUDGET}min $* | steps $steps | dev beam 5: BLEU $b5 chrF $c5 | greedy: BLEU $b1 chrF $c1"
