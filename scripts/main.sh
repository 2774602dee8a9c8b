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

# Each budget trains into its own directory, so raising the budget never overwrites earlier models.
MODELS=models/bible-es-en-${BUDGET}min
REPORT=reports/bible-es-en-${BUDGET}min
ARCHS="rnn bahdanau transformer"
complete=1
for a in $ARCHS; do [ -f "$MODELS/bible-es-en-$a/best.pt" ] || complete=0; done
if [ "$complete" = 1 ]; then
  echo "Reusing the models in $MODELS (delete it to train again)."
  $NMT compare $(for a in $ARCHS; do echo --models "$MODELS/bible-es-en-$a"; done) --out "$REPORT"
else
  $NMT compare $(for a in $ARCHS; do echo -c "configs/bible-es-en/$a.yaml"; done) \
    --budget-minutes "$BUDGET" --models-dir "$MODELS" --out "$REPORT"
fi
echo
echo "Report: $(pwd)/$REPORT/report.html (and report.md)"
echo
echo "Translating a few sentences with the Transformer:"
printf '%s\n' \
  "En el principio creó Dios los cielos y la tierra." \
  "Y dijo Dios: Sea la luz; y fué la luz." \
  "Bienaventurados los pobres en espíritu." \
  | $NMT translate -m "$MODELS/bible-es-en-transformer" --beam-size 5
