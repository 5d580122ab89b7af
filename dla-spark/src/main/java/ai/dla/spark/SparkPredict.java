package ai.dla.spark;

import ai.dla.runtime.NativeMemory;

import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The Spark job that classifies (or embeds) folders of images and writes Parquet, started with
 * {@code spark-submit --class ai.dla.spark.SparkPredict dla-spark.jar --model NAME --output DIR
 * IMAGES...}. Exit status 0 when the job ran (rows with errors included), 2 for a bad command line,
 * 1 when the job could not run.
 */
@Command(name = "spark-predict", sortOptions = false,
        synopsisHeading = "", customSynopsis = {
            "usage: spark-submit [SPARK OPTIONS] --class ai.dla.spark.SparkPredict \\",
            "         dla-spark.jar (--model NAME | --model-dir DIR) --output DIR \\",
            "         [OPTIONS] IMAGES...", ""},
        description = "Classify (or embed) images with a DLA model on Spark and write Parquet: path, model,"
                + " labels, probabilities (or embedding), error.")
public final class SparkPredict implements Callable<Integer> {

    private static final String NAME = "spark-predict";

    /**
     * The executors' glibc settings, which a job started here sets unless the conf has them: glibc is
     * on every executor, where tcmalloc may not be (name it with spark.executorEnv.LD_PRELOAD).
     */
    private static final String EXECUTOR_TUNABLES = "spark.executorEnv." + NativeMemory.TUNABLES_VARIABLE;

    private static final int SHOWN_ERRORS = 10;

    /**
     * Spark's bound on the bytes of a read partition, where each file counts at least 4 MB: at
     * Spark's 128 MB a task gets 32 images, and its fixed cost (about 80 ms) outweighs them. At 1 GB
     * a task gets 256, and Spark still makes one partition per core where there are fewer (2,000
     * images on local[2]: 243-253 images/s at 128 MB, 356-369 at 1 GB). A --conf of it wins.
     */
    private static final String MAX_PARTITION_BYTES = "spark.sql.files.maxPartitionBytes";

    @ArgGroup(multiplicity = "1")
    private Model model;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
    private boolean help;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "the Parquet directory to write (a local path or any Hadoop URI)")
    private String output;

    @Option(names = "--overwrite", description = "replace the output directory if it exists")
    private boolean overwrite;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5",
            description = "classes per image (default: ${DEFAULT-VALUE})")
    private int top;

    @Option(names = "--embedding", description = "write the embedding (the pooled features) instead of classes")
    private boolean embedding;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
            description = "images per batchPredict (default: ${DEFAULT-VALUE})")
    private int batch;

    @Option(names = "--threads", paramLabel = "T",
            description = "PyTorch's threads per task (default: spark.task.cpus, 1 unless set)")
    private Integer threads;

    @Option(names = "--partitions", paramLabel = "N",
            description = "spread the images over N partitions (default: as Spark lists the files)")
    private Integer partitions;

    @Option(names = "--glob", paramLabel = "PATTERN", defaultValue = "*.{png,PNG,jpg,JPG,jpeg,JPEG,bmp,BMP,gif,GIF}",
            description = "the file names to read in folders (default: ${DEFAULT-VALUE}); * for all")
    private String glob;

    @Option(names = "--paths-from", paramLabel = "FILE",
            description = "a text file of image files or folders, one per line, read with the IMAGES")
    private Path pathsFrom;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "DJL's cache directory on every executor (default: the executors' DJL_CACHE_DIR, else"
                    + " ~/.djl.ai)")
    private String cacheDir;

    @Option(names = "--weights-url", paramLabel = "URL",
            description = "the repository of weights that do not ship in the jar, as dla publish writes it")
    private String weightsUrl;

    @Option(names = "--online", description = "let DJL reach the network on the executors (default: offline)")
    private boolean online;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark's master, where spark-submit does not set it (such as local[2])")
    private String master;

    @Parameters(paramLabel = "IMAGES", arity = "0..*",
            description = "image files or folders (read recursively); local paths or Hadoop URIs")
    private List<String> inputs = new ArrayList<>();

    private PrintStream out = System.out;

    /** The model: one of the two. */
    static final class Model {
        @Option(names = "--model", paramLabel = "NAME", required = true,
                description = "a zoo model, such as dla_l-20-fashion_mnist (dla models lists them)")
        String name;

        @Option(names = "--model-dir", paramLabel = "DIR", required = true,
                description = "a model directory from dla import or dla train, at this path on every executor")
        Path dir;
    }

    /**
     * Runs the job and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        try {
            NativeMemory.restartWithAllocator();
        } catch (IllegalArgumentException e) {
            System.err.println(NAME + ": " + e.getMessage());
            System.exit(2);
        }
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the job in this JVM, in the active Spark session if there is one.
     *
     * @param args the command line
     * @param out where the summary goes
     * @param err where errors go
     * @return the exit status: 0 done, 1 the job could not run, 2 a bad command line
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, SparkPredict.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            err.println(NAME + ": Spark is not on the class path; dla-spark.jar runs under spark-submit, which"
                    + " brings it:\n  spark-submit --master 'local[2]' --class " + SparkPredict.class.getName()
                    + " dla-spark.jar --model NAME --output DIR IMAGES...");
            return 2;
        }
        SparkPredict job = new SparkPredict();
        job.out = out;
        CommandLine cl = new CommandLine(job);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> {
            err.println(NAME + ": " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println(NAME + " --help lists the flags");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, c, p) -> {
            err.println(NAME + ": " + (e instanceof IllegalArgumentException ? "" : "the job failed: ")
                    + message(e));
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() throws IOException {
        DlaImagePredictor.Builder builder = DlaImagePredictor.builder();
        if (model.name != null) {
            builder.setModel(model.name);
        } else {
            builder.setModelDirectory(model.dir);
        }
        builder.optTopK(top).optBatchSize(batch)
                .optOutput(embedding ? DlaImagePredictor.Output.EMBEDDING : DlaImagePredictor.Output.CLASSES)
                .optCacheDir(cacheDir).optWeightsUrl(weightsUrl).optOffline(!online);
        if (threads != null) {
            builder.optThreads(threads);
        }
        DlaImagePredictor predictor = builder.build();
        List<String> paths = paths();
        if (partitions != null && partitions < 1) {
            throw new IllegalArgumentException("--partitions takes 1 or more; got " + partitions);
        }
        boolean created = SparkSession.getActiveSession().isEmpty();
        if (created && master == null && !new SparkConf().contains("spark.master")) {
            throw new IllegalArgumentException("no Spark master: start it with spark-submit, or give --master"
                    + " (such as --master local[2])");
        }
        SparkSession.Builder session = SparkSession.builder().appName("dla spark-predict");
        if (master != null) {
            session.master(master);
        }
        if (created && !new SparkConf().contains(EXECUTOR_TUNABLES)) {
            session.config(EXECUTOR_TUNABLES, NativeMemory.TUNABLES);
        }
        SparkSession spark = session.getOrCreate();
        try {
            return write(spark, predictor, paths);
        } finally {
            if (created) {
                spark.stop();
            }
        }
    }

    private int write(SparkSession spark, DlaImagePredictor predictor, List<String> paths) throws IOException {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(output);
        FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (fs.exists(target) && !overwrite) {
            throw new IllegalArgumentException("the output " + output + " exists: give --overwrite, or another"
                    + " --output");
        }
        boolean ownPartitionBytes = !spark.conf().contains(MAX_PARTITION_BYTES);
        if (ownPartitionBytes) {
            spark.conf().set(MAX_PARTITION_BYTES, "1g");
        }
        try {
            return predict(spark, predictor, paths);
        } finally {
            if (ownPartitionBytes) {
                spark.conf().unset(MAX_PARTITION_BYTES);
            }
        }
    }

    private int predict(SparkSession spark, DlaImagePredictor predictor, List<String> paths) {
        DataFrameReader reader = spark.read().format("binaryFile").option("recursiveFileLookup", "true");
        if (!"*".equals(glob)) {
            reader = reader.option("pathGlobFilter", glob);
        }
        Dataset<Row> images;
        try {
            images = reader.load(paths.toArray(String[]::new));
        } catch (Exception e) { // Spark throws its checked AnalysisException undeclared
            if (e instanceof AnalysisException) {
                throw new IllegalArgumentException("cannot read the images: " + e.getMessage(), e);
            }
            throw e;
        }
        if (images.inputFiles().length == 0) {
            throw new IllegalArgumentException("no image files in " + paths + " match " + glob
                    + " (empty files are skipped): name image files or folders, or give --glob '*'");
        }
        if (partitions != null) {
            images = images.repartition(partitions);
        }
        List<Column> columns = new ArrayList<>(List.of(functions.col("path"), functions.col(DlaImagePredictor.MODEL)));
        for (String c : embedding ? List.of(DlaImagePredictor.EMBEDDING)
                : List.of(DlaImagePredictor.LABELS, DlaImagePredictor.PROBABILITIES)) {
            columns.add(functions.col(c));
        }
        columns.add(functions.col(DlaImagePredictor.ERROR));
        long start = System.nanoTime();
        predictor.transform(images).select(columns.toArray(Column[]::new))
                .write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(output);
        double seconds = (System.nanoTime() - start) / 1e9;
        Dataset<Row> written = spark.read().parquet(output);
        Row counts = written.agg(functions.count(functions.lit(1)), functions.count(DlaImagePredictor.ERROR)).first();
        long rows = counts.getLong(0);
        long failed = counts.getLong(1);
        List<Row> errors = written.filter(functions.col(DlaImagePredictor.ERROR).isNotNull())
                .select("path", DlaImagePredictor.ERROR).limit(SHOWN_ERRORS).collectAsList();
        DlaImagePredictor.Metrics m = predictor.metrics();
        out.printf(Locale.ROOT, "%s: %d images, %d with an error, in %.1f s (%.1f images/s) -> %s%n", NAME, rows,
                failed, seconds, rows / seconds, output);
        out.printf(Locale.ROOT, "  in the tasks, %.1f s: batchPredict %.1f s, decoding %.1f s, model loads %d (%.1f s),"
                + " the rest %.1f s (reading files, writing Parquet, Spark)%n", m.taskSeconds(), m.predictSeconds(),
                m.decodeSeconds(), m.modelLoads(), m.loadSeconds(),
                m.taskSeconds() - m.predictSeconds() - m.decodeSeconds() - m.loadSeconds());
        for (Row e : errors) {
            out.println("  " + e.getString(0) + ": " + e.getString(1));
        }
        if (failed > errors.size()) {
            out.println("  (" + (failed - errors.size()) + " more: the rows whose error is not null)");
        }
        return 0;
    }

    private List<String> paths() throws IOException {
        List<String> paths = new ArrayList<>(inputs);
        if (pathsFrom != null) {
            if (!Files.isRegularFile(pathsFrom)) {
                throw new IllegalArgumentException("--paths-from: no such file " + pathsFrom);
            }
            for (String line : Files.readAllLines(pathsFrom, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    paths.add(line.strip());
                }
            }
        }
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("name the images: files or folders, or --paths-from FILE");
        }
        return paths;
    }

    /**
     * The message to show: a DlaSparkException's own, out of Spark's job-failure text, or the first
     * line of any other.
     */
    private static String message(Throwable e) {
        String text = String.valueOf(e.getMessage()).strip();
        String marker = DlaSparkException.class.getName() + ": ";
        int at = text.indexOf(marker);
        if (at >= 0) {
            text = text.substring(at + marker.length());
            int trace = text.indexOf("\n\tat ");
            return trace >= 0 ? text.substring(0, trace) : text;
        }
        int line = text.indexOf('\n');
        return line >= 0 ? text.substring(0, line) + " (the driver's log has the rest)" : text;
    }
}
