# Shared by the Bible bench scripts (time_to_quality.sh, budget_trial.sh); source it from the
# repository root. NMT_THREADS (default 2) is passed as --threads to every nmt command.
NMT=./build/bin/nmt
DATA=data/bible-es-en
THREADS=${NMT_THREADS:-2}

# Exits with a usage error when the output directory $1 exists already.
require_fresh_dir() {
  if [ -e "$1" ]; then
    echo "error: $1 already exists; give a fresh directory" >&2
    exit 2
  fi
}

# Builds nmt and writes the Bible corpus when they are missing.
prepare_bench() {
  [ -x "$NMT" ] || ./scripts/build.sh
  [ -f "$DATA/test.en" ] || "$NMT" data bible --out "$DATA"
}

# "BLEU chrF" from the output of nmt score or nmt evaluate on stdin.
bleu_chrf() { awk '/^BLEU/ {b = $3} /^chrF2/ {c = $3} END {printf "%s %s", b, c}'; }

# Training steps of model directory $1 (from its train_state.json).
trained_steps() { sed -n 's/.*"step": *\([0-9]*\).*/\1/p' "$1/train_state.json" | head -1; }

# The reference config of architecture $1 (rnn, bahdanau or transformer); exits with a usage
# error naming the missing file when there is none.
reference_config() {
  local c="configs/bible-es-en/$1.yaml"
  [ -f "$c" ] || { echo "error: no config $c (rnn, bahdanau or transformer)" >&2; exit 2; }
  echo "$c"
}
