package ai.dla.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;

import java.util.Iterator;

/**
 * The function that Spark runs on each partition, serialised to the executors with everything they
 * need. Its predictor is closed when the partition is done, or when the task ends early (a {@code
 * limit}, a failure).
 *
 * @param source the model
 * @param output what the rows get
 * @param topK the number of classes per image
 * @param batchSize the images per {@code batchPredict}
 * @param contentIndex the position of the image bytes in the input rows
 * @param settings what the executor JVM needs before it loads the model
 * @param metrics the counters the executors add to, for the driver
 */
record PredictionJob(ModelSource source, DlaImagePredictor.Output output, int topK, int batchSize, int contentIndex,
        ExecutorSettings settings, PredictionMetrics metrics) implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        long start = System.nanoTime();
        PartitionPredictor partition = new PartitionPredictor(this, rows);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> {
                partition.close();
                metrics.taskNanos.add(System.nanoTime() - start);
            });
        }
        return partition;
    }
}
