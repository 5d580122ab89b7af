#!/usr/bin/env bash
# Training and evaluation at the network's pace (docs/benchmarks.md): dla bench, one epoch of dla
# train and dla eval, with this build (A; tcmalloc where installed), the same build on glibc's
# settings, and the build before (B). One process at a time, on an otherwise idle machine.
# Usage: training-pace.sh A.jar B.jar CIFAR10_DIR OUT_DIR > training-pace.log
#        python3 training_pace_summary.py training-pace.log
set -u
A=$1; B=$2; DATA=$3; OUT=$4
mkdir -p $OUT
t() { /usr/bin/time -f "  process: %e s wall, %S s sys, %U s user, %R minor faults, %M KB peak" "$@"; }
echo "== $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo)"
for m in resnet-20-cifar10 dla_l-20-cifar10 resnet-20-fashion_mnist dla_l-20-fashion_mnist; do
  for i in 1 2 3 4 5; do
    echo "-- after bench train $m run $i"; t java -jar $A bench --mode train --model $m --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"
  done
done
for m in resnet-20-cifar10 dla_l-20-cifar10 resnet-20-fashion_mnist dla_l-20-fashion_mnist; do
  echo "-- after bench infer $m batch 256"; t java -jar $A bench --mode infer --model $m --batch 256 --steps 20 --threads 2 2>&1 | grep -E "^infer|process:"
done
for m in resnet-20 dla_l-20; do
  echo "-- after train cifar10 $m 1 epoch"; t java -jar $A train --dataset cifar10 --model $m --data-dir $DATA --epochs 1 --output-dir $OUT/$m-cifar10 --force 2>&1 | grep -E "^epoch 1/1 lr|process:"
  echo "-- after eval cifar10 $m"; t java -jar $A eval --model-dir $OUT/$m-cifar10/final --data-dir $DATA 2>&1 | grep -E "top-1|process:"
done
for m in resnet-20 dla_l-20; do
  echo "-- after train fashion_mnist $m 1 epoch"; t java -jar $A train --dataset fashion_mnist --model $m --epochs 1 --output-dir $OUT/$m-fashion_mnist --force 2>&1 | grep -E "^epoch 1/1 lr|process:"
  echo "-- after eval fashion_mnist $m"; t java -jar $A eval --model-dir $OUT/$m-fashion_mnist/final 2>&1 | grep -E "top-1|process:"
done
echo "-- after ratios"
t java -jar $A bench --mode train --model dla_l-20-cifar10 --compare resnet --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"
t java -jar $A bench --mode train --model mrla_l-20-cifar10 --compare resnet --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"
t java -jar $A bench --mode train --model dla_l-50-imagenet --compare resnet --batch 16 --steps 5 --warmup 1 --threads 2 2>&1 | grep -E "^train|process:"
echo "-- glibc settings"
for i in 1 2 3; do echo "-- glibc bench train resnet-20-cifar10 run $i"; t java -Ddla.allocator=glibc -jar $A bench --mode train --model resnet-20-cifar10 --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"; done
echo "-- glibc bench infer resnet-20-cifar10 batch 256"; t java -Ddla.allocator=glibc -jar $A bench --mode infer --model resnet-20-cifar10 --batch 256 --steps 20 --threads 2 2>&1 | grep -E "^infer|process:"
echo "-- glibc train cifar10 resnet-20 1 epoch"; t java -Ddla.allocator=glibc -jar $A train --dataset cifar10 --model resnet-20 --data-dir $DATA --epochs 1 --output-dir $OUT/glibc-resnet-20-cifar10 --force 2>&1 | grep -E "^epoch 1/1 lr|process:"
echo "-- glibc eval cifar10 resnet-20"; t java -Ddla.allocator=glibc -jar $A eval --model-dir $OUT/glibc-resnet-20-cifar10/final --data-dir $DATA 2>&1 | grep -E "top-1|process:"
echo "-- before"
for i in 1 2 3; do echo "-- before bench train resnet-20-cifar10 run $i"; t java -jar $B bench --mode train --model resnet-20-cifar10 --batch 128 --steps 20 --threads 2 2>&1 | grep -E "^train|process:"; done
echo "-- before bench infer resnet-20-cifar10 batch 256 (5 steps)"; t java -jar $B bench --mode infer --model resnet-20-cifar10 --batch 256 --steps 5 --warmup 1 --threads 2 2>&1 | grep -E "^infer|process:"
echo "-- before train cifar10 resnet-20 1 epoch"; t java -jar $B train --dataset cifar10 --model resnet-20 --data-dir $DATA --epochs 1 --output-dir $OUT/before-resnet-20-cifar10 --force 2>&1 | grep -E "^epoch 1/1 lr|process:"
echo "-- before eval cifar10 resnet-20"; t java -jar $B eval --model-dir $OUT/before-resnet-20-cifar10/final --data-dir $DATA 2>&1 | grep -E "top-1|process:"
echo "== done $(date -u +%FT%TZ)"
