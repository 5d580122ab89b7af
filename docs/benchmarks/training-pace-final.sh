#!/usr/bin/env bash
# The last runs of docs/benchmarks.md's first section (tcmalloc at TCMALLOC_RELEASE_RATE=0), after
# training-pace.sh, whose Fashion-MNIST models in its OUT_DIR this evaluates again.
# Usage: training-pace-final.sh A.jar CIFAR10_DIR OUT_DIR TRAINING_PACE_OUT_DIR > training-pace-final.log
set -u
A=$1; DATA=$2; OUT=$3; EARLIER=$4
mkdir -p $OUT
t() { /usr/bin/time -f "  process: %e s wall, %S s sys, %U s user, %R minor faults, %M KB peak" "$@"; }
echo "== $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo)"
java -jar $A bench --mode train --model resnet-20-cifar10 --batch 16 --steps 1 --warmup 0 --threads 2 2>&1 | head -1
for m in resnet-20-cifar10 dla_l-20-cifar10; do
  for i in 1 2 3 4 5; do
    echo "-- final bench train $m run $i"; t java -jar $A bench --mode train --model $m --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"
  done
done
for m in resnet-20-cifar10 dla_l-20-cifar10; do
  echo "-- final bench infer $m batch 256"; t java -jar $A bench --mode infer --model $m --batch 256 --steps 20 --threads 2 2>&1 | grep -E "^infer|process:"
done
for m in resnet-20 dla_l-20; do
  echo "-- final train cifar10 $m 1 epoch"; t java -jar $A train --dataset cifar10 --model $m --data-dir $DATA --epochs 1 --output-dir $OUT/$m-cifar10 --force 2>&1 | grep -E "^epoch 1/1 lr|process:"
  echo "-- final eval cifar10 $m"; t java -jar $A eval --model-dir $OUT/$m-cifar10/final --data-dir $DATA 2>&1 | grep -E "top-1|process:"
done
for m in resnet-20 dla_l-20; do
  echo "-- final eval fashion_mnist $m"; t java -jar $A eval --model-dir $EARLIER/$m-fashion_mnist/final 2>&1 | grep -E "top-1|process:"
done
echo "-- final ratio"
t java -jar $A bench --mode train --model dla_l-20-cifar10 --compare resnet --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"
echo "== done $(date -u +%FT%TZ)"
