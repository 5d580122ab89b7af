#!/usr/bin/env bash
# Five rounds of the three targets, interleaved, one process per command; then the other variants,
# the separate path of this build (-Ddla.fused=false) and the build before this issue (base.jar).
JAR=${1:-dla-examples/target/dla.jar}
BASE=${2:-base.jar}
for round in 1 2 3 4 5; do
  echo "=== round $round: $(date -u +%H:%M:%S)"
  echo "--- dla_l-20 batch 128, infer and train"
  java -jar $JAR bench --threads 2 --model dla_l-20-cifar10 --compare resnet --mode both --steps 20
  echo "--- dla_l-20 batch 1 latency"
  java -jar $JAR bench --threads 2 --model dla_l-20-cifar10 --compare resnet --mode latency --warmup 100
  echo "--- dla_l-50 batch 16, infer"
  java -jar $JAR bench --threads 2 --model dla_l-50-imagenet --compare resnet --mode infer --steps 10
done
echo "=== other variants and paths: $(date -u +%H:%M:%S)"
java -jar $JAR bench --threads 2 --model mrla_l-20-cifar10 --mode both --steps 20
java -jar $JAR bench --threads 2 --model dla_b-20-cifar10 --mode both --steps 20
java -jar $JAR bench --threads 2 --model dla_l-20-cifar10 --context sample-zero --mode infer --steps 20
for round in 1 2 3; do
  echo "--- separate operations (-Ddla.fused=false), round $round"
  java -Ddla.fused=false -jar $JAR bench --threads 2 --model dla_l-20-cifar10 --compare resnet --mode infer --steps 20
  java -Ddla.fused=false -jar $JAR bench --threads 2 --model dla_l-20-cifar10 --compare resnet --mode latency --warmup 100
  echo "--- the build before this issue (f5c2c6d), round $round"
  java -jar $BASE bench --threads 2 --model dla_l-20-cifar10 --compare resnet --mode infer --steps 20
  java -jar $BASE bench --threads 2 --model dla_l-20-cifar10 --compare resnet --mode infer --batch 1 --steps 300 --warmup 100
done
java -Ddla.fused=false -jar $JAR bench --threads 2 --model dla_l-50-imagenet --compare resnet --mode infer --steps 10
java -jar $BASE bench --threads 2 --model dla_l-50-imagenet --compare resnet --mode infer --steps 10
echo "=== done: $(date -u +%H:%M:%S)"
echo "=== training A/B, DLA-L-20 alone: $(date -u +%H:%M:%S)"
for round in 1 2 3; do
  echo "--- this build, round $round"
  java -jar $JAR bench --threads 2 --model dla_l-20-cifar10 --mode train --steps 20
  echo "--- the build before this issue, round $round"
  java -jar $BASE bench --threads 2 --model dla_l-20-cifar10 --mode train --steps 20
done
echo "=== all done: $(date -u +%H:%M:%S)"
