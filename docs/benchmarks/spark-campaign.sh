#!/usr/bin/env bash
# dla-spark against dla predict on the same 2,000 Fashion-MNIST test images (PNG), interleaved, one
# fresh JVM per run, three rounds; then a JFR recording of each. Run from the repository root after
# `mvn -q -B package -DskipTests` (which also writes dla-spark/target/spark-classpath.txt, Spark's
# jars: the class path of a Spark distribution). spark-submit itself is not installed here, so its
# main class is started the way bin/spark-submit starts it.
set -u
IMAGES=${1:-/tmp/fm2000}
DLA=dla-examples/target/dla.jar
JAR=dla-spark/target/dla-spark.jar
CP=$(cat dla-spark/target/spark-classpath.txt)
OPENS=$(grep -o '<spark.add-opens>[^<]*' dla-spark/pom.xml | sed 's/<spark.add-opens>//')
MODEL=dla_l-20-fashion_mnist
export ENGINE_CACHE_DIR=$PWD/target/djl-engine DJL_CACHE_DIR=/tmp/dla-bench-cache SPARK_LOCAL_IP=127.0.0.1
[ -d "$IMAGES" ] || python3 tools/fashion_mnist_pngs.py 2000 "$IMAGES"
echo "images: $(ls "$IMAGES" | wc -l) in $IMAGES; $(nproc) CPUs; commit $(git rev-parse --short HEAD)"

predict() {  # $1: extra JVM flags
  local start end
  start=$(date +%s.%N)
  java $1 -jar $DLA predict --model $MODEL "$IMAGES"/*.png > /dev/null
  end=$(date +%s.%N)
  echo "dla predict $1: $(echo "$end - $start" | bc) s wall for $(ls "$IMAGES" | wc -l) images"
}

spark() {  # $1: extra JVM flags, $2: extra spark-predict flags; --conf-128m: Spark's own partition size
  local start end conf=""
  start=$(date +%s.%N)
  case "$2" in *--conf-128m*) conf="--conf spark.sql.files.maxPartitionBytes=128m" ;; esac
  java $1 $OPENS -cp "$CP" org.apache.spark.deploy.SparkSubmit --master 'local[2]' --conf spark.ui.enabled=false \
    $conf --class ai.dla.spark.SparkPredict $JAR --model $MODEL --output /tmp/dla-bench.parquet --overwrite ${2//--conf-128m/} \
    "$IMAGES" 2>/dev/null | sed "s/^/  /"
  end=$(date +%s.%N)
  echo "spark local[2] $1 $2 $conf: $(echo "$end - $start" | bc) s wall"
}

for round in 1 2 3; do
  echo "=== round $round: $(date -u +%H:%M:%S)"
  predict ""
  predict "-Dai.djl.pytorch.num_threads=1"
  java -jar $DLA predict --model $MODEL "$IMAGES"/fashion_mnist-test0000-ankle_boot.png > /dev/null
  s=$(date +%s.%N); java -jar $DLA predict --model $MODEL "$IMAGES"/fashion_mnist-test0000-ankle_boot.png > /dev/null
  echo "dla predict, one image (the start-up): $(echo "$(date +%s.%N) - $s" | bc) s wall"
  spark "" ""
  spark "" "--threads 2 --conf-128m"
  spark "" "--batch 1"
  spark "" "--batch 128"
  spark "" "--partitions 2"
done
echo "=== inference alone, batch 32 and 1 (dla bench): $(date -u +%H:%M:%S)"
java -jar $DLA bench --threads 2 --model $MODEL --mode infer --batch 32 --steps 30
java -jar $DLA bench --threads 1 --model $MODEL --mode infer --batch 32 --steps 30
java -jar $DLA bench --threads 2 --model $MODEL --mode infer --batch 1 --steps 300 --warmup 50
java -jar $DLA bench --threads 1 --model $MODEL --mode infer --batch 1 --steps 300 --warmup 50
echo "=== where the time goes (JFR samples of the threads that run images): $(date -u +%H:%M:%S)"
java -XX:StartFlightRecording=filename=/tmp/dla-predict.jfr,settings=profile -jar $DLA predict --model $MODEL \
  "$IMAGES"/*.png > /dev/null 2>&1
jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 64 /tmp/dla-predict.jfr \
  | python3 docs/benchmarks/jfr_where.py '^"main"'
java -XX:StartFlightRecording=filename=/tmp/dla-spark.jfr,settings=profile $OPENS -cp "$CP" \
  org.apache.spark.deploy.SparkSubmit --master 'local[2]' --conf spark.ui.enabled=false \
  --class ai.dla.spark.SparkPredict $JAR --model $MODEL --output /tmp/dla-bench.parquet --overwrite "$IMAGES" \
  > /dev/null 2>&1
jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 64 /tmp/dla-spark.jfr \
  | python3 docs/benchmarks/jfr_where.py 'Executor task launch worker'
echo "=== done: $(date -u +%H:%M:%S)"
