#!/bin/bash
# Quiet-machine A/B of issue 24: training step ratios, fused training kernels against the separate operations.
# usage: training-kernels-ab.sh JAR LOG
JAR=$1; LOG=$2
for round in 1 2 3 4 5; do
  for model in dla_l-20-cifar10 mrla_l-20-cifar10; do
    echo "### round $round $model fused" >> $LOG
    java -jar $JAR bench --mode train --model $model --compare resnet --threads 2 --batch 128 2>&1 | grep -E "training on|^train" >> $LOG
  done
  echo "### round $round dla_l-20-cifar10 separate (-Ddla.fused=inference)" >> $LOG
  java -Ddla.fused=inference -jar $JAR bench --mode train --model dla_l-20-cifar10 --compare resnet --threads 2 --batch 128 2>&1 | grep -E "training on|^train" >> $LOG
done
for round in 1 2; do
  echo "### round $round dla_l-50-imagenet fused" >> $LOG
  java -jar $JAR bench --mode train --model dla_l-50-imagenet --compare resnet --threads 2 --batch 16 --steps 5 2>&1 | grep -E "training on|^train" >> $LOG
done
