package ai.dla.examples.train;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.examples.cli.Dla;
import ai.dla.examples.data.TrainingData;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.training.dataset.RandomAccessDataset;

import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Short real training runs on small files in each dataset's format: loss, outputs, resume. */
public class TrainingRunTest {

    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    private static final Pattern EPOCH_LINE = Pattern.compile(
            "^epoch \\d+/\\d+ lr .* img/s, (\\d+\\.\\d)% waiting for data, system time (\\d+\\.\\d)% of wall",
            Pattern.MULTILINE);

    @DataProvider
    public Object[][] datasets() {
        return new Object[][] {
            {"dla_l-20-cifar10"}, {"resnet-20-cifar100"}, {"dla_l-20-fashion_mnist"}, {"resnet-50-imagenet"},
        };
    }

    @Test(dataProvider = "datasets")
    public void shortRunLowersTheLossAndLeavesLoadableModels(String model) throws Exception {
        ModelName name = ModelName.parse(model);
        Path data = generate(name.dataset(), Files.createTempDirectory("dla-data"));
        Path out = Files.createTempDirectory("dla-run");
        boolean imageNet = name.dataset() == DatasetProfile.IMAGENET;
        Recipe recipe = Recipe.published(name.dataset()).toBuilder()
                .setEpochs(imageNet ? 3 : 4)
                .setBatchSize(imageNet ? 4 : 32)
                .setWarmupEpochs(0)
                .setLearningRate(0.02f)
                .build();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<EpochMetrics> rows = new TrainingRun(new TrainingJob(name, recipe, data, out, 7, -1, 0, false),
                new PrintStream(log, true, StandardCharsets.UTF_8)).run();

        assertEquals(rows.size(), recipe.epochs());
        List<Double> waits = EPOCH_LINE.matcher(log.toString(StandardCharsets.UTF_8)).results()
                .map(r -> Double.parseDouble(r.group(1))).toList();
        assertEquals(waits.size(), recipe.epochs(), "each epoch's line says how long it waited for data: " + log);
        assertTrue(waits.stream().allMatch(w -> w >= 0 && w <= 100), waits.toString());
        double first = rows.get(0).trainLoss();
        double last = rows.get(rows.size() - 1).trainLoss();
        // four short epochs: rounding alone moves the last loss by a few percent (DLA-L-20 on CIFAR-10's
        // format, the same seed: 0.792 of the first with the small terms under autograd, 0.801 in C)
        assertTrue(last < 0.85 * first, model + " train loss " + first + " -> " + last);
        List<String> csv = Files.readAllLines(out.resolve(MetricsLog.CSV), StandardCharsets.UTF_8);
        assertEquals(csv.get(0), EpochMetrics.HEADER);
        assertEquals(csv.size(), recipe.epochs() + 1);
        BufferedImage curves = ImageIO.read(out.resolve(MetricsLog.PNG).toFile());
        assertNotNull(curves, "curves.png is a PNG");
        assertEquals(curves.getWidth(), 3 * Curves.PANEL_WIDTH);
        assertEquals(curves.getHeight(), Curves.HEIGHT);

        for (String dir : List.of(TrainingRun.BEST, TrainingRun.FINAL, Checkpoint.DIRECTORY)) {
            try (ZooModel<NDList, NDList> loaded = ModelDirectory.loadTensors(out.resolve(dir), Map.of())) {
                assertEquals(loaded.getProperty("model"), model);
            }
        }
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status = Dla.run(new String[] {"eval", "--model-dir", out.resolve(TrainingRun.BEST).toString(),
            "--data-dir", data.toString()}, new PrintStream(printed, true, StandardCharsets.UTF_8), QUIET);
        assertEquals(status, 0);
        double best = rows.stream().mapToDouble(EpochMetrics::testTop1).max().orElseThrow();
        String expected = String.format(Locale.ROOT, "top-1 %.2f%%", 100 * best);
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains(expected),
                "dla eval of best/ reproduces the best epoch's " + expected + ": " + printed);
    }

    @Test
    public void imageNetFolderLoadsWithItsWordNetLabelsAndEvaluationCrop() throws Exception {
        Path data = LearnableFiles.imageNet(Files.createTempDirectory("dla-imagenet"), 2, 3);
        try (NDManager manager = NDManager.newBaseManager()) {
            RandomAccessDataset val = TrainingData.build(DatasetProfile.IMAGENET, data, Usage.TEST, 6, 0, -1, manager);
            assertEquals(val.size(), 6);
            List<Float> labels = new ArrayList<>();
            for (Batch batch : val.getData(manager)) {
                try (batch) {
                    assertEquals(batch.getData().head().getShape(), new Shape(6, 3, 224, 224));
                    for (float l : batch.getLabels().head().toType(DataType.FLOAT32, false).toFloatArray()) {
                        labels.add(l);
                    }
                }
            }
            labels.sort(Float::compare);
            assertEquals(labels, List.of(0f, 0f, 0f, 1f, 1f, 1f), "tench is class 0, goldfish class 1");
        }
    }

    @Test
    public void resumedRunEqualsTheUninterruptedOne() throws Exception {
        ModelName name = ModelName.parse("dla_l-20-cifar10");
        Path data = LearnableFiles.cifar10(Files.createTempDirectory("dla-data"), 16, 16);
        Recipe twoEpochs = Recipe.published(name.dataset()).toBuilder().setEpochs(2).setBatchSize(16)
                .setLearningRate(0.02f).setSchedule(Schedule.STEP, List.of(1)).build();
        Path whole = Files.createTempDirectory("dla-whole");
        new TrainingRun(new TrainingJob(name, twoEpochs, data, whole, 3, -1, 0, false), QUIET).run();

        Path split = Files.createTempDirectory("dla-split");
        new TrainingRun(new TrainingJob(name, twoEpochs.toBuilder().setEpochs(1).build(), data, split, 3, -1, 0, false), QUIET).run();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<EpochMetrics> rows = new TrainingRun(
                new TrainingJob(name, twoEpochs, data, split, 3, -1, 0, true),
                new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("resuming dla_l-20-cifar10 after epoch 1"), log.toString());
        assertEquals(rows.size(), 2);
        List<String> first = Files.readAllLines(whole.resolve(MetricsLog.CSV), StandardCharsets.UTF_8);
        List<String> second = Files.readAllLines(split.resolve(MetricsLog.CSV), StandardCharsets.UTF_8);
        assertSameEpoch(second.get(1), first.get(1), 16, "epoch 1 is the same computation");
        // Multi-threaded PyTorch kernels can differ in the last bits between runs, and training
        // amplifies that (0.2 to 0.7% after two or three epochs seen in CI); a resume that lost the
        // momentum, the step or the random state would be further off.
        assertSameOutputs(whole.resolve(TrainingRun.FINAL), split.resolve(TrainingRun.FINAL), 2e-2);
    }

    @Test
    public void killedRunResumesFromItsLastWholeCheckpoint() throws Exception {
        Path data = LearnableFiles.cifar10(Files.createTempDirectory("dla-data"), 32, 32);
        Path out = Files.createTempDirectory("dla-killed");
        Path whole = Files.createTempDirectory("dla-whole");
        List<String> train = List.of("train", "--model", "dla_l-20-cifar10", "--data-dir", data.toString(),
                "--epochs", "3", "--batch-size", "32", "--lr", "0.02", "--milestones", "2", "--seed", "7");

        Process killed = dla(train, "--output-dir", out.toString());
        Path state = out.resolve("checkpoint/state.properties");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.isRegularFile(state) && System.nanoTime() < deadline && killed.isAlive()) {
            Thread.sleep(10);
        }
        killed.destroyForcibly().waitFor();
        Optional<Checkpoint> found = Checkpoint.latest(out);
        assertTrue(found.isPresent(), "the killed run left no checkpoint; its log: " + log(out));
        Checkpoint checkpoint = found.get();
        assertTrue(checkpoint.epochs() >= 1 && checkpoint.epochs() <= 3, "epochs " + checkpoint.epochs());

        assertEquals(dla(train, "--output-dir", out.toString(), "--resume").waitFor(), 0, log(out));
        List<String> csv = Files.readAllLines(out.resolve(MetricsLog.CSV), StandardCharsets.UTF_8);
        assertEquals(csv.size(), 4, "one row per epoch, none twice: " + csv);
        for (int epoch = 1; epoch <= 3; epoch++) {
            assertTrue(csv.get(epoch).startsWith(epoch + ","), csv.toString());
        }
        assertEquals(dla(train, "--output-dir", whole.toString()).waitFor(), 0, log(whole));
        List<String> uninterrupted = Files.readAllLines(whole.resolve(MetricsLog.CSV), StandardCharsets.UTF_8);
        assertSameEpoch(csv.get(1), uninterrupted.get(1), 32,
                "the killed run's whole epoch is kept as the uninterrupted run computes it");
        assertTrue(Double.isFinite(EpochMetrics.parse(csv.get(3)).trainLoss()), csv.toString());
        // Each run in a JVM of its own, on the same two PyTorch threads: the CPU kernels are
        // deterministic there, the epochs are reseeded from the seed and the epoch, and the data
        // thread draws the augmentation in the sampler's order, so the models are the same bit for bit.
        assertSameParameterFile(whole.resolve(TrainingRun.FINAL), out.resolve(TrainingRun.FINAL));
    }

    /** Asserts that two model directories hold byte-identical parameter files. */
    private static void assertSameParameterFile(Path a, Path b) throws IOException {
        Path first = parameterFile(a);
        Path second = parameterFile(b);
        assertEquals(first.getFileName(), second.getFileName());
        assertEquals(Files.mismatch(first, second), -1L, first + " and " + second + " differ");
    }

    private static Path parameterFile(Path modelDir) throws IOException {
        try (Stream<Path> files = Files.list(modelDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".params")).findFirst()
                    .orElseThrow(() -> new AssertionError("no parameter file in " + modelDir));
        }
    }

    /**
     * Two {@code metrics.csv} rows of the same epoch computed in different runs: the same epoch and
     * learning rate, losses within 0.1%, and accuracies at most one test image's share apart. Kernel
     * nondeterminism moves the losses in the fifth digit and can tip one near-tied test image (seen
     * in CI); a wrong seed, step or checkpoint moves them far more.
     */
    private static void assertSameEpoch(String actualRow, String expectedRow, int testImages, String message) {
        EpochMetrics actual = EpochMetrics.parse(actualRow);
        EpochMetrics expected = EpochMetrics.parse(expectedRow);
        String both = message + ": " + actualRow + " vs " + expectedRow;
        assertEquals(actual.epoch(), expected.epoch(), both);
        assertEquals(actual.learningRate(), expected.learningRate(), 0, both);
        assertEquals(actual.trainLoss(), expected.trainLoss(), 1e-3 * expected.trainLoss(), both);
        assertEquals(actual.testLoss(), expected.testLoss(), 1e-3 * expected.testLoss(), both);
        double oneImage = 1.0 / testImages + 1e-9;
        assertEquals(actual.trainTop1(), expected.trainTop1(), oneImage, both);
        assertEquals(actual.testTop1(), expected.testTop1(), oneImage, both);
        assertEquals(actual.testTop5(), expected.testTop5(), oneImage, both);
    }

    /** Starts {@code dla} in a JVM of its own, as a user would, logging to {@code <output-dir>/dla.log}. */
    private static Process dla(List<String> args, String... more) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), Dla.class.getName()));
        command.addAll(args);
        command.addAll(Arrays.asList(more));
        Path output = Path.of(more[1]);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.resolve("dla.log").toFile())).start();
    }

    private static String log(Path output) throws IOException {
        Path file = output.resolve("dla.log");
        return Files.isRegularFile(file) ? Files.readString(file) : "(no log)";
    }

    @Test
    public void halfWrittenCheckpointIsNeverRead() throws Exception {
        Path out = Files.createTempDirectory("dla-atomic");
        AtomicDirectory.replace(out.resolve("checkpoint"), dir -> Files.writeString(dir.resolve("v"), "1"));
        AtomicDirectory.replace(out.resolve("checkpoint"), dir -> Files.writeString(dir.resolve("v"), "2"));
        assertEquals(Files.readString(out.resolve("checkpoint/v")), "2");
        assertFalse(Files.exists(out.resolve("checkpoint.old")));
        assertFalse(Files.exists(out.resolve("checkpoint.tmp")));

        Files.move(out.resolve("checkpoint"), out.resolve("checkpoint.old"));
        Files.createDirectories(out.resolve("checkpoint.tmp"));
        Files.writeString(out.resolve("checkpoint.tmp/v"), "half");
        assertEquals(AtomicDirectory.latest(out.resolve("checkpoint")).orElseThrow(), out.resolve("checkpoint.old"),
                "stopped between the renames: the previous whole directory is used, the .tmp never");
        IOException failure = new IOException("disk full");
        try {
            AtomicDirectory.replace(out.resolve("checkpoint"), dir -> {
                throw failure;
            });
        } catch (IOException e) {
            assertEquals(e, failure);
        }
        assertEquals(Files.readString(AtomicDirectory.latest(out.resolve("checkpoint")).orElseThrow().resolve("v")), "2");
    }

    /**
     * A disk that fills up while epoch 2 is saved (a 6 MiB tmpfs: one epoch's best model and
     * checkpoint take 5.1 MiB): the run stops saying which checkpoint is intact, leaves no
     * half-written copy, and a copy of the folder on a roomier disk resumes from it to the end.
     * Mounting needs root; elsewhere the test is skipped.
     */
    @Test
    public void fullDiskDuringACheckpointKeepsThePreviousOne() throws Exception {
        Path small = Files.createTempDirectory("dla-full-disk");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", small.toString())
                .redirectErrorStream(true).start();
        if (mount.waitFor() != 0) {
            throw new SkipException("cannot mount a small tmpfs here (needs root): "
                    + new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        try {
            ModelName name = ModelName.parse("dla_l-20-fashion_mnist");
            Path data = LearnableFiles.fashionMnist(Files.createTempDirectory("dla-data"), 64, 32);
            Recipe recipe = Recipe.published(name.dataset()).toBuilder().setEpochs(3).setBatchSize(32).build();
            Path out = small.resolve("run");
            IOException full = expectThrows(IOException.class,
                    () -> new TrainingRun(new TrainingJob(name, recipe, data, out, 5, -1, 0, false), QUIET).run());
            String message = full.getMessage();
            assertTrue(message.contains("could not save epoch 2") && message.contains("No space left on device")
                    && message.contains("the checkpoint of epoch 1") && message.contains("is intact"), message);
            assertEquals(Checkpoint.latest(out).orElseThrow().epochs(), 1);
            assertFalse(Files.exists(out.resolve(Checkpoint.DIRECTORY + AtomicDirectory.TMP)),
                    "the half-written checkpoint is deleted, giving its space back");

            Path roomy = Files.createTempDirectory("dla-roomy").resolve("run");
            copyTree(out, roomy);
            List<EpochMetrics> rows = new TrainingRun(new TrainingJob(name, recipe, data, roomy, 5, -1, 0, true),
                    QUIET).run();
            assertEquals(rows.size(), 3, "resumed after epoch 1 and finished");
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static Path generate(DatasetProfile dataset, Path dir) throws IOException {
        return switch (dataset) {
            case CIFAR10 -> LearnableFiles.cifar10(dir, 32, 32);
            case CIFAR100 -> LearnableFiles.cifar100(dir, 160, 32);
            case FASHION_MNIST -> LearnableFiles.fashionMnist(dir, 160, 32);
            case IMAGENET -> LearnableFiles.imageNet(dir, 4, 2);
        };
    }

    private static void assertSameOutputs(Path a, Path b, double tolerance) throws Exception {
        try (ZooModel<NDList, NDList> first = ModelDirectory.loadTensors(a, Map.of());
                ZooModel<NDList, NDList> second = ModelDirectory.loadTensors(b, Map.of());
                Predictor<NDList, NDList> firstPredictor = first.newPredictor();
                Predictor<NDList, NDList> secondPredictor = second.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDList x = new NDList(manager.randomNormal(new Shape(4, 3, 32, 32)));
            float[] p = firstPredictor.predict(x).head().toFloatArray();
            float[] q = secondPredictor.predict(x).head().toFloatArray();
            double worst = 0;
            double scale = 0;
            for (int i = 0; i < p.length; i++) {
                worst = Math.max(worst, Math.abs(p[i] - q[i]));
                scale = Math.max(scale, Math.abs(p[i]));
            }
            assertTrue(worst <= tolerance * Math.max(1, scale), "outputs differ by " + worst + " (scale " + scale + ")");
        }
    }

}
