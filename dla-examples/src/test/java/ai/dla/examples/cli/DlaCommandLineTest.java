package ai.dla.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.dla.examples.train.RunLock;
import ai.dla.light.NativeKernel;
import ai.dla.network.Complexity;
import ai.dla.zoo.DlaWeights;
import ai.dla.zoo.ModelName;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code dla} commands as a user runs them: summary numbers, import of a published checkpoint
 * and inference that reproduces the authors' logits, and clear errors for bad input.
 */
public class DlaCommandLineTest {

    private static final String MODEL = "dla_l-20-cifar10";

    private Path work;
    private NDManager manager;
    private NDList golden;

    @BeforeClass
    public void setUp() throws IOException {
        work = Files.createTempDirectory("dla-cli");
        manager = NDManager.newBaseManager();
        golden = GoldenCheckpoints.read("cifar10-dla_l-20.npz", manager);
        GoldenCheckpoints.writeCheckpoint(golden, work.resolve("published.npz"));
        Npy.write(work.resolve("input.npy"), array("input"));
    }

    @AfterClass
    public void tearDown() {
        manager.close();
    }

    @Test
    public void summaryPrintsPublishedParameterCountAndMacs() {
        CliRun r = CliRun.of("summary", "--model", MODEL);
        assertEquals(r.status(), 0, r.err());
        assertTrue(r.out().contains("\nparameters 410158\n"), r.out());
        long macs = Complexity.macs(ModelName.parse(MODEL).builder().build(), 32, 32);
        assertTrue(r.out().contains("\nmacs " + macs + "\n"), r.out());
    }

    @Test
    public void importedCheckpointReproducesTheAuthorsLogits() throws IOException {
        Path dir = work.resolve("model");
        CliRun imported = CliRun.of("import", "--model", MODEL, "--weights", work.resolve("published.npz").toString(), "--out", dir.toString());
        assertEquals(imported.status(), 0, imported.err());

        Path perSample = work.resolve("per-sample.npy");
        CliRun r = CliRun.of("infer", "--model-dir", dir.toString(), "--input", work.resolve("input.npy").toString(), "--output", perSample.toString());
        assertEquals(r.status(), 0, r.err());
        assertClose(Npy.read(perSample, manager), array("logits_eval_per_sample"));

        Path sampleZero = work.resolve("sample-zero.npy");
        r = CliRun.of("infer", "--model-dir", dir.toString(), "--input", work.resolve("input.npy").toString(),
                "--output", sampleZero.toString(), "--context", "sample-zero");
        assertEquals(r.status(), 0, r.err());
        assertClose(Npy.read(sampleZero, manager), array("logits_eval"));
    }

    /** {@code dla import} in a process of its own prints no libtorch warning on its native standard error. */
    @Test
    public void importPrintsNoLibtorchWarning() throws IOException, InterruptedException {
        CliRun r = CliRun.inOwnProcess("import", "--model", MODEL, "--weights", work.resolve("published.npz").toString(),
                "--out", work.resolve("own-process").toString());
        assertEquals(r.status(), 0, r.out());
        assertTrue(r.out().contains("imported 410158 parameter values"), r.out());
        assertFalse(r.out().contains("AutoNonVariableTypeMode") || r.out().contains("[W "), r.out());
    }

    @Test
    public void unknownModelListsTheValidNames() {
        CliRun r = CliRun.of("summary", "--model", "dla_x-20-cifar10");
        assertEquals(r.status(), 2, "a name that is not a zoo model is a usage error");
        assertTrue(r.err().contains("dla_x") && r.err().contains("dla_l, dla_b") && r.err().contains("fashion_mnist"), r.err());
    }

    @Test
    public void wrongInputShapeSaysWhatWasExpected() throws IOException {
        Path dir = work.resolve("model");
        CliRun.of("import", "--model", MODEL, "--weights", work.resolve("published.npz").toString(), "--out", dir.toString());
        Path nhwc = work.resolve("nhwc.npy");
        Npy.write(nhwc, manager.zeros(new Shape(2, 32, 32, 3)));
        CliRun r = CliRun.of("infer", "--model-dir", dir.toString(), "--input", nhwc.toString(), "--output", work.resolve("o.npy").toString());
        assertEquals(r.status(), 1);
        assertTrue(r.err().contains("[batch, 3, height, width]") && r.err().contains("(2, 32, 32, 3)")
                && r.err().contains("transpose NHWC to NCHW") && r.err().contains(nhwc.toString()), r.err());
    }

    @Test
    public void missingFilesAreNamed() {
        CliRun r = CliRun.of("import", "--model", MODEL, "--weights", work.resolve("absent.npz").toString(), "--out", work.resolve("x").toString());
        assertEquals(r.status(), 1);
        assertTrue(r.err().contains("absent.npz"), r.err());
        r = CliRun.of("infer", "--model-dir", work.resolve("no-model").toString(), "--input", "in.npy", "--output", "out.npy");
        assertEquals(r.status(), 1);
        assertTrue(r.err().contains("no-model"), r.err());
    }

    @Test
    public void badFlagsExitWithUsage() {
        CliRun r = CliRun.of("summary", "--modle", MODEL);
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("--modle") && r.err().contains("--model"), r.err());
        assertEquals(CliRun.of("summary").status(), 2);
        assertEquals(CliRun.of("frobnicate").status(), 2);
    }

    @Test
    public void modelsListsEveryZooModelOffline() {
        CliRun r = CliRun.of("models");
        assertEquals(r.status(), 0, r.err());
        String[] lines = r.out().split("\n");
        assertEquals(lines.length, ModelName.standardNames().size() + 2, r.out());
        assertTrue(r.out().matches("(?s).*\ndla_l-20-fashion_mnist +dla_l +20 +fashion_mnist +409,870 +29,990,272 .*"), r.out());
    }

    @Test
    public void modelsPretrainedListsEveryShippedWeightSetWithItsTop1() {
        CliRun r = CliRun.of("models", "--pretrained");
        assertEquals(r.status(), 0, r.err());
        assertEquals(r.out().split("\n").length, DlaWeights.values().length + 2, r.out());
        for (DlaWeights w : DlaWeights.values()) {
            String row = String.format(Locale.ROOT, "(?s).*\n%s .* shipped +%.2f%%\n.*", w.getModel(), w.getTop1());
            assertTrue(r.out().matches(row), w + " in:\n" + r.out());
        }
    }

    @Test
    public void predictPrintsTheTopFiveClassesOfEachImage() throws IOException {
        Path dir = work.resolve("model");
        CliRun.of("import", "--model", MODEL, "--weights", work.resolve("published.npz").toString(), "--out", dir.toString());
        List<String> images;
        try (Stream<Path> files = Files.list(Path.of("..", "samples"))) {
            images = files.map(Path::toString).filter(f -> f.endsWith(".png")).sorted().toList();
        }
        assertTrue(images.size() >= 2, "the repository ships sample images");
        List<String> args = new ArrayList<>(List.of("predict", "--model-dir", dir.toString()));
        args.addAll(images);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(r.status(), 0, r.err());
        String[] lines = r.out().split("\n");
        assertEquals(lines.length, images.size() * 6, r.out());
        for (int i = 0; i < images.size(); i++) {
            assertEquals(lines[6 * i], images.get(i));
            for (int k = 1; k <= 5; k++) {
                assertTrue(lines[6 * i + k].matches("  (airplane|automobile|bird|cat|deer|dog|frog|horse|ship|truck) +\\d+\\.\\d\\d%"),
                        lines[6 * i + k]);
            }
        }
    }

    @Test
    public void predictAndTrainRefuseIncompleteOrContradictoryFlags() {
        CliRun r = CliRun.of("predict", "--model", MODEL);
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("at least one image"), r.err());
        r = CliRun.of("predict", "x.png");
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("--model NAME") && r.err().contains("--model-dir DIR"), r.err());
        r = CliRun.of("train", "--dataset", "cifar10", "--model", "dla_l-20-fashion_mnist");
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("disagrees"), r.err());
        r = CliRun.of("train", "--model", "dla_l-20-cifar10", "--epochs", "ten");
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("'--epochs': 'ten' is not a whole number"), r.err());
        r = CliRun.of("train", "--model", "dla_l-20-cifar10", "--drop-path", "1.5");
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("DropPath rate must be in [0, 1), got 1.5"), r.err());
    }

    @Test
    public void aSecondTrainingRunInTheSameOutputDirectoryIsRefused() throws Exception {
        Path dir = work.resolve("locked-run");
        String[] train = {"train", "--model", "dla_l-20-fashion_mnist", "--epochs", "1", "--max-batches", "1",
            "--output-dir", dir.toString(), "--force"};
        try (RunLock held = RunLock.acquire(dir)) {
            Files.writeString(dir.resolve("metrics.csv"), "the holder's\n");
            String pid = String.valueOf(ProcessHandle.current().pid());
            CliRun r = CliRun.inOwnProcess(train);
            assertEquals(r.status(), 1, r.out());
            assertTrue(r.out().contains("another training run is using " + dir + " (process " + pid + ")")
                    && r.out().contains("--resume"), r.out());
            r = CliRun.of(train);
            assertEquals(r.status(), 1, r.err());
            assertTrue(r.err().contains("another training run is using " + dir), r.err());
            assertEquals(Files.readString(dir.resolve("metrics.csv")), "the holder's\n", "--force deleted the holder's files");
        }
        try (RunLock again = RunLock.acquire(dir)) {
            assertTrue(Files.readString(dir.resolve(RunLock.FILE)).contains(String.valueOf(ProcessHandle.current().pid())));
        }
    }

    @Test
    public void zooModelWithoutWeightsSaysHowToGetThem() {
        CliRun r = CliRun.of("predict", "--model", "dla_l-56-cifar10", "../samples/none.png");
        assertEquals(r.status(), 2, "the missing image is found first");
        r = CliRun.of("eval", "--model", "dla_l-56-cifar10");
        assertEquals(r.status(), 1);
        assertTrue(r.err().contains("dla train --model dla_l-56-cifar10") && r.err().contains("DLA_ZOO_URL"), r.err());
    }

    @Test
    public void npyRoundTripKeepsShapeAndValues() throws IOException {
        NDArray x = manager.randomNormal(new Shape(2, 3, 5));
        Path file = work.resolve("x.npy");
        Npy.write(file, x);
        NDArray back = Npy.read(file, manager);
        assertEquals(back.getShape(), x.getShape());
        assertEquals(back.toFloatArray(), x.toFloatArray());
    }

    private NDArray array(String name) {
        for (NDArray a : golden) {
            if (a.getName().equals(name) || a.getName().equals(name + ".npy")) {
                return a;
            }
        }
        throw new IllegalArgumentException("No golden array " + name);
    }

    @Test
    public void benchTimesDlaAgainstTheSameDepthResNetInOneProcess() {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--batch", "4", "--steps", "3", "--warmup", "1", "--compare", "resnet",
                "--threads", "2");
        assertEquals(r.status(), 0, r.err());
        assertTrue(r.out().contains("batch 4 of 3x32x32") && r.out().contains("2 PyTorch thread(s)"), r.out());
        for (String mode : List.of("infer", "train")) {
            double[] dla = benchRow(r.out(), mode, MODEL);
            double[] plain = benchRow(r.out(), mode, "resnet-20-cifar10");
            for (double[] row : List.of(dla, plain)) {
                assertTrue(row[2] <= row[1] && row[1] <= row[4] && row[4] <= row[3], "min <= median <= p99 <= max: " + r.out());
                assertEquals(row[0], 4 * 1000 / row[1], 0.01 * row[0], "img/s is the batch over the median step");
            }
            Matcher ratio = Pattern.compile(mode + " +time ratio " + MODEL + " / resnet-20-cifar10: ([0-9.]+)").matcher(r.out());
            assertTrue(ratio.find(), r.out());
            // the ratio is printed to 0.01 and computed from medians that are printed to 0.01 ms
            double printed = dla[1] / plain[1];
            double rounding = 0.005 + printed * (0.005 / dla[1] + 0.005 / plain[1]) + 1e-9;
            assertEquals(Double.parseDouble(ratio.group(1)), printed, rounding, r.out());
            Matcher kernel = Pattern.compile(mode + " +timed steps: system time ([0-9.]+)% of wall, ([0-9]+) minor page"
                    + " faults per step").matcher(r.out());
            assertTrue(kernel.find() && Double.parseDouble(kernel.group(1)) <= 100.0 * Runtime.getRuntime()
                    .availableProcessors(), "the kernel's time is at most every core's: " + r.out());
        }
        Matcher peak = Pattern.compile("peak resident memory: (\\d+) MiB").matcher(r.out());
        assertTrue(peak.find() && Long.parseLong(peak.group(1)) > 100, r.out());
    }

    @Test
    public void benchReportsMemoryEveryKTrainingSteps() {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--mode", "train", "--batch", "2", "--steps", "4", "--warmup", "0",
                "--memory-every", "2", "--threads", "2");
        assertEquals(r.status(), 0, r.err());
        Matcher m = Pattern.compile("(?m)^  step (\\d+): resident memory (\\d+) MiB \\(Java heap committed (\\d+) MiB\\)$")
                .matcher(r.out());
        List<Integer> steps = new ArrayList<>();
        while (m.find()) {
            steps.add(Integer.parseInt(m.group(1)));
            long resident = Long.parseLong(m.group(2));
            long heap = Long.parseLong(m.group(3));
            assertTrue(heap > 0 && resident > heap, "the resident memory holds the committed heap: " + r.out());
        }
        assertEquals(steps, List.of(2, 4), r.out());
    }

    @Test
    public void benchTimesSingleImageLatencyAndCountsTheFusedKernel() {
        CliRun r = CliRun.of("bench", "--model", MODEL, "--mode", "latency", "--steps", "5", "--warmup", "1", "--compare",
                "resnet", "--threads", "2");
        assertEquals(r.status(), 0, r.err());
        assertTrue(r.out().contains("batch 1 of 3x32x32") && r.out().contains("DLA-L inference on the CPU: "
                + NativeKernel.describe()), r.out());
        double[] dla = benchRow(r.out(), "latency", MODEL);
        double[] plain = benchRow(r.out(), "latency", "resnet-20-cifar10");
        for (double[] row : List.of(dla, plain)) {
            assertTrue(row[2] <= row[1] && row[1] <= row[4] && row[4] <= row[3], "min <= median <= p99 <= max: " + r.out());
            assertEquals(row[0], 1000 / row[1], 0.01 * row[0], "img/s is one image over the median step");
        }
        // DLA-L-20 has six units, each one kernel call where the kernel runs; the ResNet none
        assertEquals(dla[5], NativeKernel.isActive() ? 6.0 : 0.0, r.out());
        assertEquals(plain[5], 0.0, r.out());
        assertTrue(r.out().contains("latency time ratio " + MODEL + " / resnet-20-cifar10: "), r.out());
    }

    /** Parses a bench row: img/s, median, min, max and p99 ms, and the kernel calls per step. */
    private static double[] benchRow(String out, String mode, String model) {
        Matcher m = Pattern.compile("(?m)^" + mode + " +" + model
                + " +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+) +([0-9.]+)$").matcher(out);
        assertTrue(m.find(), "no " + mode + " row for " + model + " in\n" + out);
        double[] row = new double[6];
        for (int i = 0; i < row.length; i++) {
            row[i] = Double.parseDouble(m.group(i + 1));
        }
        return row;
    }

    @Test
    public void benchProfileWritesAPyTorchTrace() throws IOException {
        Path trace = work.resolve("trace.json");
        CliRun r = CliRun.of("bench", "--model", MODEL, "--mode", "infer", "--batch", "2", "--steps", "1", "--warmup", "0",
                "--profile", trace.toString());
        assertEquals(r.status(), 0, r.err());
        String json = Files.readString(trace);
        assertTrue(json.contains("\"aten::mkldnn_convolution\"") || json.contains("\"aten::convolution\""), json.substring(0, 200));
    }

    @Test
    public void benchRefusesBadFlags() {
        Map<List<String>, String> cases = Map.of(
                List.of("--mode", "fast"), "expected train, infer, latency, both, serve or reload",
                List.of("--mode", "latency", "--batch", "4"), "--mode latency times single images; drop --batch",
                List.of("--compare", "vgg"), "--compare takes resnet",
                List.of("--batch", "0"), "--batch takes a whole number of 1 or more",
                List.of("--steps", "x"), "'--steps': 'x' is not a whole number",
                List.of("--profile", "p.json"), "--profile records one measurement",
                List.of("--gpus", "-1"), "--gpus takes 0 (the CPU) or 1");
        cases.forEach((flags, message) -> {
            List<String> args = new ArrayList<>(List.of("bench", "--model", MODEL));
            args.addAll(flags);
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertEquals(r.status(), 2, flags + ": " + r.err());
            assertTrue(r.err().contains(message) && r.err().contains("usage: dla bench"), r.err());
        });
        CliRun r = CliRun.of("bench", "--model", "resnet-20-cifar10", "--compare", "resnet");
        assertEquals(r.status(), 2);
        assertTrue(r.err().contains("already the plain ResNet"), r.err());
    }

    private static void assertClose(NDArray ours, NDArray ref) {
        assertEquals(ours.getShape(), ref.getShape());
        double err = ours.sub(ref).abs().max().getFloat() / ref.abs().max().getFloat();
        assertTrue(err <= 1e-4, "relative error " + err);
    }
}
