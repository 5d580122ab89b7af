#!/bin/bash
# The default build (DJL 0.25.0, PyTorch 2.0.1) against the DJL 0.36 build (PyTorch 2.7.1), interleaved
# on one quiet machine: training and inference of DLA-L-20 against ResNet-20 at batch 128, 2 threads,
# and DLA-L-50's inference at batch 16. Usage: djl-versions-ab.sh DLA_0.25.jar DLA_0.36.jar ROUNDS
A=$1; B=$2; ROUNDS=${3:-3}
for round in $(seq 1 "$ROUNDS"); do
  for jar in "$A" "$B"; do
    echo "=== round $round $jar"
    /usr/bin/time -f "process: wall %e s, user %U s, sys %S s, max RSS %M KB, minor faults %R" \
      java -jar "$jar" bench --model dla_l-20-cifar10 --mode both --compare resnet --threads 2 --batch 128 --steps 10 --warmup 3 2>&1
    /usr/bin/time -f "process: wall %e s, user %U s, sys %S s, max RSS %M KB, minor faults %R" \
      java -jar "$jar" bench --model dla_l-50-imagenet --mode infer --compare resnet --threads 2 --batch 16 --steps 5 --warmup 2 2>&1
  done
done
