package ai.dla.spark;

import ai.dla.runtime.NativeMemory;
import ai.dla.zoo.DlaModelZoo;

import ai.djl.engine.Engine;
import ai.djl.util.Utils;

import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an executor JVM needs before it loads a model, carried from the driver with the job and
 * applied before each task's first batch: DJL's offline switch, DJL's cache directory, the weights
 * repository and PyTorch's threads. The first task of an executor also sets glibc's allocator as
 * far as a running JVM can ({@link NativeMemory#keepFreedMemory()}), and warns if the executor was
 * started without {@code spark.executorEnv.GLIBC_TUNABLES} or a preloaded allocator.
 * Each can also come from the executor's own configuration ({@code spark.executorEnv.*} or {@code
 * spark.executor.extraJavaOptions}); a predictor's setting that contradicts it is an error, not a
 * silent choice.
 *
 * @param offline whether DJL must not reach the network (downloads, telemetry)
 * @param cacheDir DJL's cache directory ({@code DJL_CACHE_DIR}), or null for the executor's own
 * @param weightsUrl the weights repository ({@value DlaModelZoo#REPOSITORY_PROPERTY}), or null
 * @param threads PyTorch's threads per operation, for an engine that has not started yet; an
 *     executor's own {@code -Dai.djl.pytorch.num_threads} wins
 */
record ExecutorSettings(boolean offline, String cacheDir, String weightsUrl, int threads) implements Serializable {

    static final String CACHE_DIR = "DJL_CACHE_DIR";

    private static final String NUM_THREADS = "ai.djl.pytorch.num_threads";

    private static final String PYTORCH = "PyTorch";

    /** Whether this JVM's allocator has been set and checked, once per executor. */
    private static boolean allocatorChecked;

    private static final String CACHE_FIX = "set spark.executorEnv." + CACHE_DIR + " to a writable local directory,"
            + " or give the predictor a cache directory (optCacheDir, --cache-dir)";

    /**
     * Applies the settings to this JVM and checks that DJL can run here: the cache directory is
     * writable and the PyTorch engine starts.
     *
     * @throws DlaSparkException naming what is missing and the setting that fixes it
     */
    void apply() {
        synchronized (ExecutorSettings.class) {
            if (offline) {
                setIfAbsent("offline", "true");
                setIfAbsent("ai.djl.offline", "true");
                setIfAbsent("OPT_OUT_TRACKING", "true");
            }
            setIfAbsent(NUM_THREADS, String.valueOf(threads));
            setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
            set(CACHE_DIR, CACHE_DIR, cacheDir, "the cache directory (optCacheDir, --cache-dir)");
            set(DlaModelZoo.REPOSITORY_PROPERTY, DlaModelZoo.REPOSITORY_ENV, weightsUrl,
                    "the weights repository (optWeightsUrl, --weights-url)");
            if (!allocatorChecked) {
                allocatorChecked = true;
                NativeMemory.keepFreedMemory();
                if (NativeMemory.isMissing()) {
                    LoggerFactory.getLogger(ExecutorSettings.class).warn("Executor {} was started without {}={}"
                            + " (spark-predict sets spark.executorEnv.{}; set it for your own jobs): glibc's"
                            + " per-thread arenas make large tensors page-fault in at every batch", host(),
                            NativeMemory.TUNABLES_VARIABLE, NativeMemory.TUNABLES, NativeMemory.TUNABLES_VARIABLE);
                }
            }
        }
        Path cache = Utils.getCacheDir();
        try {
            Files.createDirectories(cache);
        } catch (IOException | SecurityException e) {
            throw new DlaSparkException("DJL's cache directory " + cache + " cannot be made on executor " + host()
                    + " (" + e.getMessage() + "): " + CACHE_FIX, e);
        }
        if (!Files.isWritable(cache)) {
            throw new DlaSparkException("DJL's cache directory " + cache + " is not writable on executor " + host()
                    + ": " + CACHE_FIX, null);
        }
        try {
            Engine.getEngine(PYTORCH);
        } catch (RuntimeException | LinkageError e) {
            throw new DlaSparkException("The PyTorch engine does not start on executor " + host() + " ("
                    + e.getMessage() + "): the executors need PyTorch's natives on their class path. Submit "
                    + "dla-spark.jar, which carries them (the CPU natives, or CUDA 11.8's when built with "
                    + "-Pcu118), and do not set PYTORCH_VERSION or PYTORCH_LIBRARY_PATH for the executors", e);
        }
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    /**
     * Sets a system property that DJL or the zoo reads, unless the executor already has a
     * different value for it.
     */
    private static void set(String property, String env, String value, String what) {
        if (value == null) {
            return;
        }
        String fromEnv = System.getenv(env);
        if (fromEnv != null && !fromEnv.isEmpty() && !fromEnv.equals(value)) {
            throw new DlaSparkException("Executor " + host() + " has " + env + "=" + fromEnv + " in its environment,"
                    + " and the predictor asks for " + what + " " + value + ": give one of the two", null);
        }
        String current = System.getProperty(property);
        if (current != null && !current.equals(value)) {
            throw new DlaSparkException("Executor " + host() + " already has the system property " + property + "="
                    + current + " (from spark.executor.extraJavaOptions, or an earlier predictor in this JVM), and"
                    + " the predictor asks for " + what + " " + value + ": give one of the two", null);
        }
        System.setProperty(property, value);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "(host unknown)";
        }
    }
}
