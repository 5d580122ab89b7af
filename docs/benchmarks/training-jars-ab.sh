#!/bin/bash
# Quiet-machine A/B of two builds of issue 24's fused training: each round runs `dla bench --mode train
# --compare resnet` for DLA-L-20 and MRLA-L-20 with each jar in turn, so that both see the same drift.
# usage: training-jars-ab.sh LOG ROUNDS JAR...
LOG=$1; ROUNDS=$2; shift 2
for round in $(seq 1 $ROUNDS); do
  for jar in "$@"; do
    for model in dla_l-20-cifar10 mrla_l-20-cifar10; do
      echo "### round $round $model $jar" >> $LOG
      java -Ddla.fused=true -jar $jar bench --mode train --model $model --compare resnet --threads 2 --batch 128 2>&1 \
        | grep -E "training on|^train" >> $LOG
    done
  done
done
