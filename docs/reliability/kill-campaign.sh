#!/usr/bin/env bash
# Faults during training (docs/reliability.md, section 3): kill -9 of `dla train` at random moments,
# some of them inside a checkpoint write, then `--resume`; every resumed run must list each epoch
# once and end with logits within the README's tolerance (2% of the largest logit) of an
# uninterrupted run. Then a full disk during a checkpoint write (a 6 MiB tmpfs; needs root).
# Usage: docs/reliability/kill-campaign.sh [ROUNDS]   (from the repository root, after mvn package)
set -uo pipefail
JAR=${JAR:-dla-examples/target/dla.jar}
WORK=${WORK:-/tmp/dla-kill-campaign}
ROUNDS=${1:-12}
EPOCHS=4
TRAIN=(train --model dla_l-20-fashion_mnist --epochs "$EPOCHS" --batch-size 32 --max-batches 8 --seed 11)
rm -rf "$WORK" && mkdir -p "$WORK"

logits() { java -jar "$JAR" infer --model-dir "$1/final" --input "$WORK/x.npy" --output "$2" > /dev/null; }
compare() {
  python3 - "$1" "$2" <<'PY'
import sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
rel = float(np.abs(a - b).max() / np.abs(a).max())
print(f"max |difference| / max |logit| = {rel:.2e}", "(equal)" if rel <= 0.02 else "(DIFFERENT)")
sys.exit(0 if rel <= 0.02 else 1)
PY
}
state() {  # what a kill left: the epochs of the whole checkpoint, and any half-written copy
  local out=$1 s="" f
  for f in checkpoint checkpoint.old; do
    [ -f "$out/$f/state.properties" ] && s="$s $f=epoch$(grep '^epochs=' "$out/$f/state.properties" | cut -d= -f2)"
  done
  [ -d "$out/checkpoint.tmp" ] && s="$s checkpoint.tmp(half-written)"
  [ -d "$out/best.tmp" ] && s="$s best.tmp(half-written)"
  echo "${s:- no checkpoint}"
}

wait_for_write() {  # returns when the k-th write of a directory (its .tmp appearing) is under way
  local pid=$1 tmp=$2 k=$3 seen=0 present=0
  while kill -0 "$pid" 2> /dev/null; do
    if [ -d "$tmp" ]; then
      if (( present == 0 )); then seen=$((seen + 1)); present=1; (( seen >= k )) && return; fi
    else
      present=0
    fi
  done
}

python3 -c "import numpy as np; np.save('$WORK/x.npy', np.random.default_rng(3).standard_normal((16, 1, 28, 28)).astype(np.float32))"
start=$(date +%s.%N)
java -jar "$JAR" "${TRAIN[@]}" --output-dir "$WORK/whole" > "$WORK/whole.log" 2>&1 || { echo "uninterrupted run failed"; exit 1; }
whole_seconds=$(echo "$(date +%s.%N) - $start" | bc)
logits "$WORK/whole" "$WORK/whole.npy"
printf 'uninterrupted run: %.1f s\n' "$whole_seconds"

failures=0
for r in $(seq 1 "$ROUNDS"); do
  out="$WORK/run$r"
  java -jar "$JAR" "${TRAIN[@]}" --output-dir "$out" > "$WORK/run$r.log" 2>&1 &
  pid=$!
  k=$(( (r / 3) % EPOCHS + 1 ))  # which write of the run to interrupt: the first, second, ...
  if (( r % 3 == 0 )); then
    moment="inside checkpoint write $k"
    wait_for_write "$pid" "$out/checkpoint.tmp" "$k"
  elif (( r % 3 == 1 )); then
    delay=$(python3 -c "import random; random.seed($r); print(f'{random.uniform(1, $whole_seconds):.3f}')")
    moment="after ${delay} s"
    sleep "$delay"
  else
    moment="inside best-model write $k"
    wait_for_write "$pid" "$out/best.tmp" "$k"
  fi
  kill -9 "$pid" 2> /dev/null && killed=yes || killed="no (it had finished)"
  wait "$pid" 2> /dev/null
  left=$(state "$out")
  java -jar "$JAR" "${TRAIN[@]}" --output-dir "$out" --resume >> "$WORK/run$r.log" 2>&1
  status=$?
  rows=$(tail -n +2 "$out/metrics.csv" | cut -d, -f1 | tr '\n' ' ')
  logits "$out" "$WORK/run$r.npy" && verdict=$(compare "$WORK/whole.npy" "$WORK/run$r.npy") || verdict="DIFFERENT"
  resumed=$(grep -o 'resuming [^ ]* after epoch [0-9]*' "$WORK/run$r.log" | tail -1)
  echo "round $r: kill -9 $moment, killed: $killed; left:$left; resume exit $status (${resumed:-started from epoch 1}); epochs in metrics.csv: $rows; $verdict"
  [[ $status == 0 && "$rows" == "1 2 3 4 " && "$verdict" == *"(equal)"* ]] || failures=$((failures + 1))
done
echo "kill -9 rounds: $ROUNDS, failures: $failures"

small="$WORK/small-disk"
mkdir -p "$small"
if mount -t tmpfs -o size=6m tmpfs "$small" 2> /dev/null; then
  java -jar "$JAR" "${TRAIN[@]}" --output-dir "$small/run" > "$WORK/full.log" 2>&1
  echo "full disk (6 MiB tmpfs): exit $?; $(grep 'dla train:' "$WORK/full.log")"
  echo "left: $(state "$small/run")"
  cp -r "$small/run" "$WORK/full-copy"
  umount "$small"
  java -jar "$JAR" "${TRAIN[@]}" --output-dir "$WORK/full-copy" --resume > "$WORK/full-resume.log" 2>&1
  echo "the copy resumed on a roomy disk: exit $?; $(grep -o 'resuming [^ ]* after epoch [0-9]*' "$WORK/full-resume.log")"
  logits "$WORK/full-copy" "$WORK/full.npy" && compare "$WORK/whole.npy" "$WORK/full.npy"
else
  echo "full disk: skipped (mounting a tmpfs needs root)"
fi
exit $((failures > 0))
