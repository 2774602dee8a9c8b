#!/usr/bin/env bash
# The main job on a fresh machine (after ./scripts/setup.sh):
#   build → prepare the Bible es→en corpus → train and compare the three architectures →
#   print where the report is → translate a few example sentences.
# NMT_BUDGET_MINUTES (default 5) is each model's training budget; raise it for quality.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${NMT_BUDGET_MINUTES:-5}
NMT=./build/bin/nmt

./scripts/build.sh

if [ ! -f data/bible-es-en/test.en ]; then
  $NMT data bible --out data/bible-es-en
fi

$NMT compare \
  -c configs/bible-es-en/rnn.yaml \
  -c configs/bible-es-en/bahdanau.yaml \
  -c configs/bible-es-en/transformer.yaml \
  --budget-minutes "$BUDGET" \
  --out reports/bible-es-en

echo
echo "Report: $(pwd)/reports/bible-es-en/report.html (and report.md)"
echo
echo "Translating a few sentences with the Transformer:"
printf '%s\n' \
  "En el principio creó Dios los cielos y la tierra." \
  "Y dijo Dios: Sea la luz; y fué la luz." \
  "Bienaventurados los pobres en espíritu." \
  | $NMT translate -m models/bible-es-en-transformer --beam-size 5
