package ai.dla.spark;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelName;

import ai.djl.modality.Classifications;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Classifies or embeds the images of a Spark DataFrame with a DLA model: Spark's {@code binaryFile}
 * source ({@code path}, {@code modificationTime}, {@code length}, {@code content}) in, the same rows
 * out with the model's name, its answer and an error column.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("/data/images");
 * DlaImagePredictor predictor = DlaImagePredictor.builder()
 *         .setModel("dla_l-20-fashion_mnist")
 *         .optTopK(5)
 *         .build();
 * predictor.transform(images).drop("content").write().parquet("/data/predictions");
 * }</pre>
 *
 * <p>Columns added: {@code model} (the zoo name or model directory), then for {@link
 * Output#CLASSES} {@code labels} (array of strings, most probable first) and {@code probabilities}
 * (array of doubles), or for {@link Output#EMBEDDING} {@code embedding} (array of floats, the pooled
 * features before the head), and last {@code error}: null, or why this row has no answer (an empty
 * file, bytes that are not an image). A bad image never fails the job.
 *
 * <p>On the executors: each JVM loads the model once, by its first task, and keeps it for every
 * later task; each task makes one {@code Predictor}, runs its partition through {@code
 * batchPredict} in batches of {@link Builder#optBatchSize}, and closes it when the partition is done.
 * Before each task's first batch an executor applies this predictor's settings (offline switch,
 * cache directory, weights repository, PyTorch's threads) and checks that the engine starts; what
 * cannot work there fails the job with a {@link DlaSparkException} that names the setting to fix.
 *
 * <p>Partitions are the reader's: for folders of small images, read with {@code
 * spark.sql.files.maxPartitionBytes} at 1g (as {@link SparkPredict} does), since Spark counts each
 * file as 4 MB and its 128 MB partitions make tasks of 32 images whose fixed cost outweighs them.
 */
public final class DlaImagePredictor implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The column of the model's name or directory. */
    public static final String MODEL = "model";

    /** The column of class names, most probable first. */
    public static final String LABELS = "labels";

    /** The column of class probabilities, in the order of the labels. */
    public static final String PROBABILITIES = "probabilities";

    /** The column of embeddings. */
    public static final String EMBEDDING = "embedding";

    /** The column of errors: null where the row has its answer. */
    public static final String ERROR = "error";

    private final ModelSource source;
    private final Output output;
    private final int topK;
    private final int batchSize;
    private final String inputCol;
    private final boolean offline;
    private final String cacheDir;
    private final String weightsUrl;
    private final int threads;
    private transient PredictionMetrics metrics;

    private DlaImagePredictor(Builder b) {
        source = b.source;
        output = b.output;
        topK = b.topK;
        batchSize = b.batchSize;
        inputCol = b.inputCol;
        offline = b.offline;
        cacheDir = b.cacheDir;
        weightsUrl = b.weightsUrl;
        threads = b.threads == null ? 0 : b.threads;
    }

    /**
     * Creates a builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the schema of {@link #transform}'s result for an input schema.
     *
     * @param input the input's schema, with a binary column of image bytes
     * @return the input's columns and the added ones
     * @throws IllegalArgumentException if the image column is missing or not binary, or an added
     *     column's name is taken
     */
    public StructType outputSchema(StructType input) {
        List<String> names = Arrays.asList(input.fieldNames());
        if (!names.contains(inputCol)) {
            throw new IllegalArgumentException("The DataFrame has no column '" + inputCol + "' of image bytes (it has "
                    + names + "): read the images with spark.read().format(\"binaryFile\"), or name the column"
                    + " with optInputCol");
        }
        StructField images = input.apply(inputCol);
        if (!images.dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("The column '" + inputCol + "' holds " + images.dataType().simpleString()
                    + ", not image bytes (binary): read the images with spark.read().format(\"binaryFile\")");
        }
        List<String> added = output == Output.CLASSES
                ? List.of(MODEL, LABELS, PROBABILITIES, ERROR)
                : List.of(MODEL, EMBEDDING, ERROR);
        for (String name : added) {
            if (names.contains(name)) {
                throw new IllegalArgumentException("The DataFrame already has a column '" + name
                        + "', which the predictor adds: drop or rename it first");
            }
        }
        StructType out = input.add(MODEL, DataTypes.StringType, false);
        if (output == Output.CLASSES) {
            out = out.add(LABELS, DataTypes.createArrayType(DataTypes.StringType, false))
                    .add(PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false));
        } else {
            out = out.add(EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false));
        }
        out = out.add(ERROR, DataTypes.StringType);
        return out;
    }

    /**
     * Adds the model's answer to each row. Lazy, like every Spark transformation: the images are
     * read and the models loaded when an action (a write, a count) runs.
     *
     * @param images rows with a binary column of image bytes
     * @return the rows with the added columns (see the class comment)
     * @throws IllegalArgumentException if the schema does not fit (see {@link #outputSchema})
     */
    public Dataset<Row> transform(Dataset<Row> images) {
        StructType schema = outputSchema(images.schema());
        SparkContext spark = images.sparkSession().sparkContext();
        if (metrics == null || !metrics.application.equals(spark.applicationId())) {
            metrics = new PredictionMetrics(spark);
        }
        int taskThreads = threads > 0 ? threads : spark.getConf().getInt("spark.task.cpus", 1);
        ExecutorSettings settings = new ExecutorSettings(offline, cacheDir, weightsUrl, taskThreads);
        PredictionJob job = new PredictionJob(source, output, topK, batchSize, images.schema().fieldIndex(inputCol),
                settings, metrics);
        return images.mapPartitions(job, Encoders.row(schema));
    }

    /**
     * Returns what the executors did for the jobs that ran on this predictor's transforms so far, in
     * the Spark application of the last transform (all zero before an action has run). Counted by
     * Spark accumulators: a task attempt that failed and ran again counts twice.
     *
     * @return the counts and times
     */
    public Metrics metrics() {
        return metrics == null ? new Metrics(0, 0, 0, 0, 0, 0, 0) : metrics.value();
    }

    /**
     * What the executors did, summed over their tasks.
     *
     * @param modelLoads the models loaded: once per executor JVM and model, 0 where the JVM had it
     * @param images the rows seen
     * @param errors the rows that got an error
     * @param loadSeconds the time spent loading models
     * @param decodeSeconds the time spent decoding image bytes
     * @param predictSeconds the time spent in {@code batchPredict} (preprocessing, the network, the
     *     softmax or pooling)
     * @param taskSeconds the whole time of the tasks, from their first row to their end: the above,
     *     and reading the files and writing the results, Spark's own work in the task
     */
    public record Metrics(long modelLoads, long images, long errors, double loadSeconds, double decodeSeconds,
            double predictSeconds, double taskSeconds) {
    }

    /** What the rows get. */
    public enum Output {
        /** The top-k class names with their probabilities. */
        CLASSES(Classifications.class),
        /** The pooled features before the head. */
        EMBEDDING(float[].class);

        private final Class<?> type;

        Output(Class<?> type) {
            this.type = type;
        }

        Class<?> type() {
            return type;
        }

        /**
         * Returns the output of an id, {@code classes} or {@code embedding}.
         *
         * @param id the id, in any case
         * @return the output
         * @throws IllegalArgumentException naming the ids
         */
        public static Output fromId(String id) {
            for (Output o : values()) {
                if (o.name().equalsIgnoreCase(id)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("Unknown output '" + id + "': use classes or embedding");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Builds a {@link DlaImagePredictor}: a model (name or directory) is required. */
    public static final class Builder {

        private ModelSource source;
        private Output output = Output.CLASSES;
        private int topK = 5;
        private int batchSize = 32;
        private String inputCol = "content";
        private boolean offline = true;
        private String cacheDir;
        private String weightsUrl;
        private Integer threads;

        private Builder() {
        }

        /**
         * Uses a zoo model.
         *
         * @param name such as {@code dla_l-20-fashion_mnist}; {@code dla models} lists them
         * @return this builder
         * @throws IllegalArgumentException naming the valid models
         */
        public Builder setModel(String name) {
            source = ModelSource.zoo(name);
            return this;
        }

        /**
         * Uses a model directory from {@code dla import} or {@code dla train}, which must be at this
         * path on every executor (a shared file system, or copied to each node).
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder setModelDirectory(Path dir) {
            source = ModelSource.directory(dir);
            return this;
        }

        /**
         * Sets what the rows get; the default is {@link Output#CLASSES}.
         *
         * @param output classes or the embedding
         * @return this builder
         */
        public Builder optOutput(Output output) {
            this.output = output;
            return this;
        }

        /**
         * Sets the number of classes per image; the default is 5.
         *
         * @param topK 1 or more, at most the model's classes
         * @return this builder
         */
        public Builder optTopK(int topK) {
            this.topK = topK;
            return this;
        }

        /**
         * Sets the number of images per {@code batchPredict}; the default is 32.
         *
         * @param batchSize 1 or more
         * @return this builder
         */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the column of image bytes; the default is {@code content}, as {@code binaryFile} gives.
         *
         * @param inputCol the column's name
         * @return this builder
         */
        public Builder optInputCol(String inputCol) {
            this.inputCol = inputCol;
            return this;
        }

        /**
         * Sets whether the executors run DJL offline; the default is true, as the jar carries the
         * natives and the weights repository is named. Offline, DJL neither downloads natives nor
         * sends its usage report.
         *
         * @param offline false to let DJL reach the network
         * @return this builder
         */
        public Builder optOffline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /**
         * Sets DJL's cache directory on the executors, where the models' files are copied; the
         * default is the executors' own ({@code DJL_CACHE_DIR}, else {@code ~/.djl.ai}). It must be
         * a writable local path on every executor.
         *
         * @param cacheDir the directory
         * @return this builder
         */
        public Builder optCacheDir(String cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /**
         * Sets the repository of the weights that do not ship in the jar, as {@code dla publish}
         * writes it (a {@code file:} path on every executor, or an {@code http(s):} URL); the
         * default is the executors' own {@value DlaModelZoo#REPOSITORY_PROPERTY}.
         *
         * @param weightsUrl the repository's URL
         * @return this builder
         */
        public Builder optWeightsUrl(String weightsUrl) {
            this.weightsUrl = weightsUrl;
            return this;
        }

        /**
         * Sets PyTorch's threads per operation on the executors; the default is Spark's CPUs per
         * task ({@code spark.task.cpus}, 1 unless set), so that an executor's concurrent tasks use
         * its cores once rather than each all of them (on {@code local[2]} with 32 images per batch
         * DJL's default of all cores made the job 1.2 times slower). It applies to an engine that
         * has not started yet; an executor's own {@code -Dai.djl.pytorch.num_threads} wins.
         *
         * @param threads 1 or more
         * @return this builder
         */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Builds the predictor, checking what the driver can check.
         *
         * @return the predictor
         * @throws IllegalArgumentException if no model is set, or a number is out of range
         */
        public DlaImagePredictor build() {
            if (source == null) {
                throw new IllegalArgumentException("Give the predictor a model: setModel(name) for a zoo model"
                        + " or setModelDirectory(dir) for a directory from dla import or dla train");
            }
            if (topK < 1) {
                throw new IllegalArgumentException("The top-k is the number of classes per image, 1 or more; got "
                        + topK);
            }
            if (source.zooName() != null) {
                int classes = ModelName.parse(source.zooName()).dataset().getClasses();
                if (topK > classes) {
                    throw new IllegalArgumentException("The top-k " + topK + " is more than the " + classes
                            + " classes of " + source + ": give 1 to " + classes);
                }
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("The batch size is the images per batchPredict, 1 or more; got "
                        + batchSize);
            }
            if (threads != null && threads < 1) {
                throw new IllegalArgumentException("The threads are PyTorch's per operation, 1 or more; got "
                        + threads);
            }
            if (output == null || inputCol == null) {
                throw new IllegalArgumentException("The output and the input column cannot be null");
            }
            return new DlaImagePredictor(this);
        }
    }
}
