#!/bin/bash
# Quiet-machine A/B of issue 24: training step ratios with the small per-sample terms in C (NativeTerms)
# against the same build with them under autograd (-Ddla.fused=maps, the fused path as it was before).
# usage: training-terms-ab.sh JAR LOG [SETTINGS [IMAGENET_ROUNDS]]
#   SETTINGS: the -Ddla.fused values compared, "true maps" by default; IMAGENET_ROUNDS: DLA-L-50 rounds, 2 by default
JAR=$1; LOG=$2; SETTINGS=${3:-true maps}; IMAGENET_ROUNDS=${4:-2}
for round in 1 2 3 4 5; do
  for model in dla_l-20-cifar10 mrla_l-20-cifar10; do
    for setting in $SETTINGS; do
      echo "### round $round $model -Ddla.fused=$setting" >> $LOG
      java -Ddla.fused=$setting -jar $JAR bench --mode train --model $model --compare resnet --threads 2 --batch 128 2>&1 \
        | grep -E "training on|^train" >> $LOG
    done
  done
done
for round in $(seq 1 $IMAGENET_ROUNDS); do
  for setting in $SETTINGS; do
    echo "### round $round dla_l-50-imagenet -Ddla.fused=$setting" >> $LOG
    java -Ddla.fused=$setting -jar $JAR bench --mode train --model dla_l-50-imagenet --compare resnet --threads 2 --batch 16 \
      --steps 5 2>&1 | grep -E "training on|^train" >> $LOG
  done
done
