package ai.dla.spark;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.dla.network.DlaResNet;
import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;
import ai.dla.zoo.WeightsRepository;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The packaged {@code dla-spark.jar} under spark-submit's own main class, in a JVM of its own whose
 * class path is Spark's jars alone, as a Spark distribution has it: the jar brings the natives, the
 * zoo and the weights, and its executor settings are the only DJL configuration there is.
 */
public class SparkSubmitIT {

    private Path dir;
    private Path images;

    @BeforeClass
    public void images() throws IOException {
        dir = Files.createTempDirectory("dla-spark-submit");
        images = Files.createDirectories(dir.resolve("images"));
        List<Path> samples = DlaImagePredictorTest.sampleImages(images);
        DlaImagePredictorTest.writeDamaged(images, samples.get(0));
    }

    private record Run(int status, String out, String err) {
    }

    /** A JVM on Spark's class path, with the flags spark-submit adds on JDK 17. */
    private static List<String> java(String mainClass) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx3g"));
        command.addAll(Arrays.asList(System.getProperty("dla.spark.add-opens").split(" ")));
        command.addAll(List.of("-cp", Files.readString(Path.of(System.getProperty("dla.spark.classpath"))).strip(),
                mainClass));
        return command;
    }

    /** The environment of a Spark process: no DJL settings but the natives' extraction directory. */
    private static ProcessBuilder process(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("DJL_") || k.startsWith("SPARK_") || k.equals("OPT_OUT_TRACKING"));
        env.put("ENGINE_CACHE_DIR", System.getProperty("dla.engine.cache"));
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb;
    }

    /** {@code spark-submit --master local[2] --class ai.dla.spark.SparkPredict dla-spark.jar ARGS}. */
    private Run submit(String... args) throws IOException, InterruptedException {
        return submit(List.of("--master", "local[2]"), args);
    }

    private Run submit(List<String> sparkFlags, String... args) throws IOException, InterruptedException {
        List<String> command = java("org.apache.spark.deploy.SparkSubmit");
        command.addAll(sparkFlags);
        command.addAll(List.of("--conf", "spark.ui.enabled=false", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--conf", "spark.driver.host=127.0.0.1",
                "--class", SparkPredict.class.getName(), System.getProperty("dla.spark.jar")));
        command.addAll(Arrays.asList(args));
        Path out = dir.resolve("stdout-" + System.nanoTime());
        Path err = dir.resolve("stderr-" + System.nanoTime());
        Process p = process(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("spark-submit did not end in 5 minutes");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    public void theJarRunsUnderSparkSubmitAndWritesParquet() throws Exception {
        Path output = dir.resolve("predictions.parquet");
        Path cache = dir.resolve("djl-cache");
        Run r = submit("--model", DlaImagePredictorTest.MODEL, "--cache-dir", cache.toString(),
                "--output", output.toString(), images.toString());
        assertEquals(r.status(), 0, r.out() + r.err());
        assertTrue(r.out().contains(" images, 3 with an error"), r.out());
        assertTrue(Files.exists(output.resolve("_SUCCESS")), "no _SUCCESS in " + output);
        try (Stream<Path> parts = Files.list(output)) {
            assertTrue(parts.anyMatch(f -> f.toString().endsWith(".parquet")), "no Parquet part files");
        }
        assertTrue(Files.isDirectory(cache.resolve("cache")), "the model's files went to the given cache dir");
        assertFalse(r.err().contains("multiple SLF4J"), "one logging binding: " + r.err());
        assertFalse(r.err().contains("AutoNonVariableTypeMode"), r.err());
    }

    @Test
    public void theJarAloneSaysItRunsUnderSparkSubmit() throws Exception {
        Path err = dir.resolve("java-jar.err");
        Process p = process(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("dla.spark.jar"), "--help")).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES));
        assertEquals(p.exitValue(), 2);
        String message = Files.readString(err);
        assertTrue(message.startsWith("spark-predict: Spark is not on the class path"), message);
        assertTrue(message.contains("spark-submit --master 'local[2]' --class ai.dla.spark.SparkPredict"), message);
        assertFalse(message.contains("\tat "), message);
    }

    /** Weights that do not ship in the jar, from a repository that dla publish wrote, named by the job. */
    @Test
    public void theExecutorsTakeWeightsFromTheRepositoryTheJobNames() throws Exception {
        ModelName name = ModelName.parse("dla_l-56-cifar10");
        Path modelDir = dir.resolve("trained");
        try (Model model = Model.newInstance(name.toString(), "PyTorch")) {
            DlaResNet net = name.builder().build();
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
            model.setBlock(net);
            ModelDirectory.write(modelDir, model, name, Map.of());
        }
        Path repository = dir.resolve("weights");
        WeightsRepository.publish(repository, modelDir, false);
        Run r = submit("--model", name.toString(), "--weights-url", repository.toUri().toString(), "--top", "3",
                "--output", dir.resolve("cifar.parquet").toString(), images.toString());
        assertEquals(r.status(), 0, r.out() + r.err());
        assertTrue(r.out().contains(" images, 3 with an error"), r.out());
    }

    @Test
    public void anUnwritableCacheDirectoryFailsTheJobWithTheSetting() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "not a directory", StandardCharsets.UTF_8);
        Run r = submit("--model", DlaImagePredictorTest.MODEL, "--cache-dir", file.resolve("cache").toString(),
                "--output", dir.resolve("never.parquet").toString(), images.toString());
        assertEquals(r.status(), 1, r.out() + r.err());
        assertTrue(r.err().contains("spark-predict: the job failed: DJL's cache directory " + file.resolve("cache")),
                r.err());
        assertTrue(r.err().contains("spark.executorEnv.DJL_CACHE_DIR"), r.err());
    }

    /**
     * A standalone cluster on loopback, a master and a worker as {@code sbin/start-master.sh} and
     * {@code start-worker.sh} start them, with a Spark home whose {@code jars} are Spark's: two
     * executor JVMs of one core each, which get their DJL settings only from the job, load the model
     * once each, and share the predictions out.
     */
    @Test
    public void aStandaloneClusterLoadsTheModelOncePerExecutor() throws Exception {
        Path home = Files.createDirectories(dir.resolve("spark-home"));
        Path jars = Files.createDirectories(home.resolve("jars"));
        for (String jar : Files.readString(Path.of(System.getProperty("dla.spark.classpath"))).strip().split(":")) {
            Files.createSymbolicLink(jars.resolve(Path.of(jar).getFileName()), Path.of(jar));
        }
        int port = freePort();
        String masterUrl = "spark://127.0.0.1:" + port;
        List<Process> cluster = new ArrayList<>();
        try {
            List<String> master = java("org.apache.spark.deploy.master.Master");
            master.addAll(List.of("--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port",
                    String.valueOf(freePort())));
            cluster.add(daemon(master, home, "master"));
            List<String> worker = java("org.apache.spark.deploy.worker.Worker");
            worker.addAll(List.of("--host", "127.0.0.1", "--cores", "2", "--memory", "6g", "--webui-port",
                    String.valueOf(freePort()), "--work-dir", dir.resolve("work").toString(), masterUrl));
            cluster.add(daemon(worker, home, "worker"));
            waitFor(dir.resolve("worker.log"), "Successfully registered with master");

            Path output = dir.resolve("cluster.parquet");
            Path cache = dir.resolve("executor-cache");
            Run r = submit(List.of("--master", masterUrl, "--conf", "spark.executor.cores=1", "--conf",
                    "spark.cores.max=2", "--executor-memory", "2g", "--conf",
                    "spark.executorEnv.ENGINE_CACHE_DIR=" + System.getProperty("dla.engine.cache")),
                    "--model", DlaImagePredictorTest.MODEL, "--cache-dir", cache.toString(), "--partitions", "4",
                    "--output", output.toString(), images.toString());
            assertEquals(r.status(), 0, r.out() + r.err());
            assertTrue(r.out().contains(" images, 3 with an error"), r.out());
            assertTrue(r.out().contains(", model loads 2 ("), r.out());
            assertTrue(Files.exists(output.resolve("_SUCCESS")));
            assertTrue(Files.isDirectory(cache.resolve("cache")), "the executors used the job's cache directory");
        } finally {
            for (Process p : cluster) {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Process daemon(List<String> command, Path home, String name) throws IOException {
        ProcessBuilder pb = process(command);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        Path log = dir.resolve(name + ".log");
        return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void waitFor(Path log, String line) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < end) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no '" + line + "' in " + log + " in 90 s:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
