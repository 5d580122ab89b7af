package ai.dla.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * The counters of a predictor's jobs, as Spark accumulators: the executors add to them, the driver
 * reads them (and Spark's UI shows them under these names).
 */
final class PredictionMetrics implements Serializable {

    private static final long serialVersionUID = 1L;

    final String application;
    final LongAccumulator loads;
    final LongAccumulator loadNanos;
    final LongAccumulator images;
    final LongAccumulator errors;
    final LongAccumulator decodeNanos;
    final LongAccumulator predictNanos;
    final LongAccumulator taskNanos;

    PredictionMetrics(SparkContext spark) {
        application = spark.applicationId();
        loads = spark.longAccumulator("dla model loads");
        loadNanos = spark.longAccumulator("dla model load ns");
        images = spark.longAccumulator("dla images");
        errors = spark.longAccumulator("dla images with an error");
        decodeNanos = spark.longAccumulator("dla decode ns");
        predictNanos = spark.longAccumulator("dla batchPredict ns");
        taskNanos = spark.longAccumulator("dla task ns");
    }

    DlaImagePredictor.Metrics value() {
        return new DlaImagePredictor.Metrics(loads.value(), images.value(), errors.value(), loadNanos.value() / 1e9,
                decodeNanos.value() / 1e9, predictNanos.value() / 1e9, taskNanos.value() / 1e9);
    }
}
