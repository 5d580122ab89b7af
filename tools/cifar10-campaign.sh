#!/usr/bin/env bash
# The CIFAR-10 runs of docs/cifar10.md: 180 epochs of `dla train` each, far longer than a working
# stretch at a machine that is not kept between sessions. This script starts, watches, stops and
# moves them; the trainer's own --resume makes every stop exact.
#
#   tools/cifar10-campaign.sh start MODEL...  start each run in the background, or resume it from its checkpoint
#   tools/cifar10-campaign.sh status          each run's last epoch, best epoch and whether it is running
#   tools/cifar10-campaign.sh stop            stop each running run just after its next epoch's checkpoint
#   tools/cifar10-campaign.sh park            copy each run's latest checkpoint, metrics and log into runs/cifar10/
#   tools/cifar10-campaign.sh unpark          restore runs/cifar10/ into $RUNS where $RUNS holds an older state
#   tools/cifar10-campaign.sh ship MODEL      copy a finished run's weights into dla-zoo and its files into docs/cifar10/
#   tools/cifar10-campaign.sh facts MODEL     what the zoo's metadata and docs/cifar10.md record of a run
#
# RUNS (default /var/tmp/dla-runs) holds the output directories, logs and the jar each run uses (a
# copy of dla-examples/target/dla.jar named after the commit, so that a rebuild never changes a
# running jar). THREADS (default 1) is each run's PyTorch thread count; DATA the CIFAR-10 binary
# release (default ../shared/data/cifar-10-batches-bin). Park before a session ends and commit
# runs/cifar10/: the repository is the one store a new machine gets back. A resume drops the
# metrics rows a run wrote after its checkpoint, so a park taken between the two is consistent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-/var/tmp/dla-runs}
THREADS=${THREADS:-1}
DATA=${DATA:-$ROOT/../shared/data/cifar-10-batches-bin}
PARKED=$ROOT/runs/cifar10
mkdir -p "$RUNS"

die() { echo "cifar10-campaign: $*" >&2; exit 1; }

running() { [ -f "$RUNS/$1.pid" ] && kill -0 "$(cat "$RUNS/$1.pid")" 2>/dev/null; }

# The completed epochs of a run directory's checkpoint, empty where there is none.
epochs_of() { sed -n 's/^epochs=//p' "$1/checkpoint/state.properties" 2>/dev/null || true; }

models() { for d in "$RUNS"/*/ "$PARKED"/*/; do [ -d "$d" ] && basename "$d"; done | sort -u; }

# The processor, as the log's start lines record it: runs continue on whatever machine a session has.
cpu() { lscpu | sed -n 's/^Model name: *//p' | tr ' ' '_'; }

# The log without the progress bar's lines.
without_progress() { grep -v '^epoch [0-9]*/[0-9]* \[' "$1" || true; }

start() {
    [ $# -gt 0 ] || die "name the models to start, e.g. start dla_l-20-cifar10"
    [ -f "$DATA/test_batch.bin" ] || die "no CIFAR-10 binary release in $DATA; set DATA"
    local jar="$RUNS/dla-$(git -C "$ROOT" rev-parse --short HEAD).jar"
    if [ ! -f "$jar" ]; then
        [ -f "$ROOT/dla-examples/target/dla.jar" ] || die "build first: mvn -B install -DskipTests"
        cp "$ROOT/dla-examples/target/dla.jar" "$jar"
    fi
    for model in "$@"; do
        if running "$model"; then echo "$model is running (pid $(cat "$RUNS/$model.pid"))"; continue; fi
        local resume=""
        [ -n "$(epochs_of "$RUNS/$model")" ] && resume="--resume"
        echo "=== $(date -u +%FT%TZ) start $jar threads=$THREADS cpu=$(cpu) $resume" >> "$RUNS/$model.log"
        nohup java -Dai.djl.pytorch.num_threads="$THREADS" -jar "$jar" train --model "$model" --data-dir "$DATA" \
            --seed 42 --output-dir "$RUNS/$model" $resume >> "$RUNS/$model.log" 2>&1 &
        echo $! > "$RUNS/$model.pid"
        echo "$model started (pid $!, log $RUNS/$model.log)"
    done
}

status() {
    for model in $(models); do
        local csv="$RUNS/$model/metrics.csv" state="stopped"
        running "$model" && state="running"
        [ -d "$RUNS/$model/final" ] && state="finished"
        [ -f "$csv" ] || { echo "$model: $state, no epoch in $RUNS (parked: epoch $(epochs_of "$PARKED/$model"))"; continue; }
        awk -F, -v m="$model" -v s="$state" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
            { e = $c["epoch"]; t = 100 * $c["test_top1"]; if (t > b) { b = t; be = e } }
            END { if (NR < 2) printf "%s: %s, no epoch finished yet\n", m, s
                  else printf "%s: %s, epoch %d, test top-1 %.2f%%, best %.2f%% (epoch %d)\n", m, s, e, t, b, be }' "$csv"
    done
}

stop() {
    local pids=()
    for model in $(models); do
        running "$model" || continue
        local csv="$RUNS/$model/metrics.csv" rows
        rows=$(wc -l < "$csv")
        ( while [ "$(wc -l < "$csv")" -eq "$rows" ] && running "$model"; do sleep 2; done
          sleep 5; kill "$(cat "$RUNS/$model.pid")" 2>/dev/null || true
          echo "$model stopped after epoch $(epochs_of "$RUNS/$model")" ) &
        pids+=($!)
    done
    [ ${#pids[@]} -eq 0 ] && echo "no run is running" || wait "${pids[@]}"
}

# The files of a run that park and unpark carry: a finished run's final weights and curves too.
state_files() { echo checkpoint metrics.csv; [ -d "$1/final" ] && echo final curves.png; return 0; }

# Whether a finished run's final weights are the zoo's.
shipped() { cmp -s "$RUNS/$1/final/$1-0000.params" "$ROOT/dla-zoo/src/main/resources/ai/dla/zoo/weights/$1-0000.params"; }

# A running run may be parked: the trainer replaces its checkpoint directory by a rename, so a copy
# taken while the directory kept its inode is whole; one that raced a rename is taken again.
park() {
    for model in $(models); do
        [ -n "$(epochs_of "$RUNS/$model")" ] && ! shipped "$model" || continue
        local before after
        until rm -rf "${PARKED:?}/$model" && mkdir -p "$PARKED/$model" \
                && before=$(stat -c %i "$RUNS/$model/checkpoint" 2>/dev/null) \
                && (cd "$RUNS/$model" && cp -r $(state_files .) "$PARKED/$model/") 2>/dev/null \
                && after=$(stat -c %i "$RUNS/$model/checkpoint" 2>/dev/null) && [ "$before" = "$after" ]; do
            sleep 2
        done
        without_progress "$RUNS/$model.log" > "$PARKED/$model/train.log"
        echo "$model parked at epoch $(epochs_of "$PARKED/$model") in $PARKED/$model"
    done
}

unpark() {
    for model in $(models); do
        local parked here
        parked=$(epochs_of "$PARKED/$model")
        here=$(epochs_of "$RUNS/$model")
        [ -n "$parked" ] && [ "${here:-0}" -lt "$parked" ] || continue
        running "$model" && die "$model is running: stop it first"
        rm -rf "${RUNS:?}/$model"
        mkdir -p "$RUNS/$model"
        (cd "$PARKED/$model" && cp -r $(state_files .) "$RUNS/$model/")
        cp "$PARKED/$model/train.log" "$RUNS/$model.log"
        echo "$model restored at epoch $parked into $RUNS/$model"
    done
}

ship() {
    local model=${1:?name the finished model, e.g. ship dla_l-20-cifar10} short
    [ -d "$RUNS/$model/final" ] || die "$model has no final/ in $RUNS: it has not finished"
    short=${model%-cifar10}
    cp "$RUNS/$model/final/$model-0000.params" "$ROOT/dla-zoo/src/main/resources/ai/dla/zoo/weights/"
    mkdir -p "$ROOT/docs/cifar10/$short"
    cp "$RUNS/$model/metrics.csv" "$RUNS/$model/curves.png" "$ROOT/docs/cifar10/$short/"
    without_progress "$RUNS/$model.log" > "$ROOT/docs/cifar10/$short/train.log"
    rm -rf "${PARKED:?}/$model"
    sha1sum "$ROOT/dla-zoo/src/main/resources/ai/dla/zoo/weights/$model-0000.params"
}

facts() {
    local model=${1:?name the model, e.g. facts dla_l-20-cifar10} params
    [ -f "$RUNS/$model/metrics.csv" ] || die "$model has no metrics.csv in $RUNS"
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { e = $c["epoch"]; t = 100 * $c["test_top1"]; t5 = 100 * $c["test_top5"]; sec += $c["seconds"]
          if (t > b) { b = t; be = e } }
        END { printf "epochs %d, last epoch test top-1 %.2f%% top-5 %.2f%%, best %.2f%% (epoch %d), epochs'"'"' time %.2f h\n",
                  e, t, t5, b, be, sec / 3600 }' "$RUNS/$model/metrics.csv"
    tail -n +2 "$RUNS/$model/metrics.csv" | awk -F, '{ print $NF }' | sort -n \
        | awk '{ r[NR] = $1 } END { printf "training images/s min %d, median %d, max %d\n", r[1], r[int((NR + 1) / 2)], r[NR] }'
    awk '/^=== / && !first { first = $0; sub(/^=== /, "", first); sub(/ start .*/, "", first) }
        /^resuming / { resumes++ } END { printf "first start %s, resumed %d times\n", first, resumes }' "$RUNS/$model.log"
    grep -o 'cpu=[^ ]*' "$RUNS/$model.log" | sort | uniq -c | awk '{ printf "started %d times on %s\n", $1, substr($2, 5) }'
    params="$RUNS/$model/final/$model-0000.params"
    [ -f "$params" ] && echo "final weights: $(stat -c %s "$params") bytes, SHA-1 $(sha1sum < "$params" | cut -d' ' -f1)"
    return 0
}

command=${1:-status}
shift || true
case $command in
    start | status | stop | park | unpark | ship | facts) "$command" "$@" ;;
    *) die "unknown command '$command': start MODEL..., status, stop, park, unpark, ship MODEL or facts MODEL" ;;
esac
