package ai.dla.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;

/**
 * The catalogue of bad and unusual input of {@code docs/reliability.md}, run against the {@code
 * dla} tool as a user types it. Each refused case must exit 1 or 2 with a short message that names
 * the problem (a fragment the case gives), no Java stack trace and no exception class name; each
 * case the tool should cope with must exit 0. Every case's outcome is written to {@code
 * target/reliability/cli-cases.md}, the source of the table in the document.
 */
public class ReliabilityCatalogueTest {

    private static final Pattern STACK = Pattern.compile("(?m)^\\s+at [\\w.$]+\\(|\\b[a-z]+\\.[\\w.]*(Exception|Error)\\b");
    private static final int MAX_MESSAGE_LINES = 6;
    private static final String CIFAR_MODEL = "dla_l-20-cifar10";
    private static final String FASHION_MODEL = "dla_l-20-fashion_mnist";

    private static final List<String> REPORT = new ArrayList<>();

    private Path work;

    /** What a case must do. */
    enum Expect {
        /** Exit 0: the tool copes. */
        COPES,
        /** Exit 1 or 2 with a clear message. */
        REFUSES
    }

    @BeforeClass
    public void setUp() throws IOException {
        work = Files.createTempDirectory("dla-reliability");
        try (NDManager manager = NDManager.newBaseManager()) {
            GoldenCheckpoints.writeCheckpoint(GoldenCheckpoints.read("cifar10-dla_l-20.npz", manager),
                    work.resolve("dla_l-20.npz"));
            GoldenCheckpoints.writeCheckpoint(GoldenCheckpoints.read("cifar10-mrla_l-20.npz", manager),
                    work.resolve("mrla_l-20.npz"));
        }
        CliRun imported = CliRun.of("import", "--model", CIFAR_MODEL, "--weights", work.resolve("dla_l-20.npz").toString(),
                "--out", work.resolve("model").toString());
        assertEquals(imported.status(), 0, imported.err());
        Files.createDirectories(work.resolve("empty-dir"));
        Files.createDirectories(work.resolve("run-dir/checkpoint"));
        Files.writeString(work.resolve("run-dir/metrics.csv"), "epoch\n1\n");
        images();
        arrays();
        datasets();
        damagedModels();
    }

    @AfterClass
    public void writeReport() throws IOException {
        Path report = Path.of("target/reliability/cli-cases.md");
        Files.createDirectories(report.getParent());
        List<String> lines = new ArrayList<>();
        lines.add("| # | command | case | exit | first line of the message |");
        lines.add("|---|---|---|---|---|");
        synchronized (REPORT) {
            lines.addAll(REPORT);
        }
        Files.write(report, lines, StandardCharsets.UTF_8);
    }

    @DataProvider(name = "cases")
    public Object[][] cases() {
        return new Object[][] {
            // predict
            {"predict", "image file that does not exist", Expect.REFUSES, "not found", new String[] {"predict", "--model", FASHION_MODEL, "{w}/missing.png"}},
            {"predict", "empty image file", Expect.REFUSES, "empty.png", new String[] {"predict", "--model", FASHION_MODEL, "{w}/empty.png"}},
            {"predict", "truncated PNG", Expect.REFUSES, "truncated.png", new String[] {"predict", "--model", FASHION_MODEL, "{w}/truncated.png"}},
            {"predict", "text file named .png", Expect.REFUSES, "text.png", new String[] {"predict", "--model", FASHION_MODEL, "{w}/text.png"}},
            {"predict", "a directory given as the image", Expect.REFUSES, "is a directory", new String[] {"predict", "--model", FASHION_MODEL, "{w}/empty-dir"}},
            {"predict", "RGBA PNG into a 1-channel model", Expect.COPES, "", new String[] {"predict", "--model", FASHION_MODEL, "{w}/rgba.png"}},
            {"predict", "16-bit grayscale PNG", Expect.COPES, "", new String[] {"predict", "--model", FASHION_MODEL, "{w}/gray16.png"}},
            {"predict", "1x1 image", Expect.COPES, "", new String[] {"predict", "--model", FASHION_MODEL, "{w}/tiny.png"}},
            {"predict", "JPEG named .png", Expect.COPES, "", new String[] {"predict", "--model", FASHION_MODEL, "{w}/jpeg.png"}},
            {"predict", "RGB image into a 3-channel model at another size", Expect.COPES, "", new String[] {"predict", "--model-dir", "{w}/model", "{w}/rgb-wide.png"}},
            {"predict", "--top 0", Expect.REFUSES, "--top", new String[] {"predict", "--model", FASHION_MODEL, "--top", "0", "{w}/rgb-wide.png"}},
            {"predict", "--top -3", Expect.REFUSES, "--top", new String[] {"predict", "--model", FASHION_MODEL, "--top", "-3", "{w}/rgb-wide.png"}},
            {"predict", "--top larger than the class count", Expect.REFUSES, "--top", new String[] {"predict", "--model", FASHION_MODEL, "--top", "11", "{w}/rgb-wide.png"}},
            {"predict", "model name that does not exist", Expect.REFUSES, "dla_x", new String[] {"predict", "--model", "dla_x-20-cifar10", "{w}/rgb-wide.png"}},
            {"predict", "zoo model without shipped weights", Expect.REFUSES, "dla import", new String[] {"predict", "--model", "dla_l-56-cifar100", "{w}/rgb-wide.png"}},
            {"predict", "both --model and --model-dir", Expect.REFUSES, "one of the two", new String[] {"predict", "--model", FASHION_MODEL, "--model-dir", "{w}/model", "{w}/rgb-wide.png"}},
            {"predict", "model directory with a damaged serving.properties", Expect.REFUSES, "serving.properties", new String[] {"predict", "--model-dir", "{w}/bad-properties", "{w}/rgb-wide.png"}},
            {"predict", "model directory with a truncated .params", Expect.REFUSES, ".params", new String[] {"predict", "--model-dir", "{w}/truncated-params", "{w}/rgb-wide.png"}},
            {"predict", "model directory with an altered .params", Expect.REFUSES, ".params", new String[] {"predict", "--model-dir", "{w}/altered-params", "{w}/rgb-wide.png"}},
            {"predict", "model directory whose properties name another depth", Expect.REFUSES, "dla_l-56", new String[] {"predict", "--model-dir", "{w}/other-depth", "{w}/rgb-wide.png"}},
            // infer
            {"infer", "float32 batch", Expect.COPES, "", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/good.npy", "--output", "{w}/out/good.npy"}},
            {"infer", "float64 batch", Expect.COPES, "", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/f64.npy", "--output", "{w}/out/f64.npy"}},
            {"infer", "int32 batch", Expect.COPES, "", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/i32.npy", "--output", "{w}/out/i32.npy"}},
            {"infer", "1x1 images", Expect.COPES, "", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/small.npy", "--output", "{w}/out/small.npy"}},
            {"infer", "rank-3 array", Expect.REFUSES, "NCHW", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/rank3.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "one channel into a 3-channel model", Expect.REFUSES, "NCHW", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/c1.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "NHWC batch", Expect.REFUSES, "transpose", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/nhwc.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "batch of zero images", Expect.REFUSES, "no images", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/zero.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "NaN values", Expect.REFUSES, "NaN", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/nan.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "empty input file", Expect.REFUSES, "empty.npy", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/empty.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "truncated .npy", Expect.REFUSES, "truncated.npy", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/truncated.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "text file named .npy", Expect.REFUSES, "text.npy", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/text.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "an .npz given as --input", Expect.REFUSES, "dla_l-20.npz", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/dla_l-20.npz", "--output", "{w}/out/x.npy"}},
            {"infer", "output path inside a regular file", Expect.REFUSES, "good.npy", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/good.npy", "--output", "{w}/good.npy/y.npy"}},
            {"infer", "output path that is a directory", Expect.REFUSES, "empty-dir", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/good.npy", "--output", "{w}/empty-dir"}},
            {"infer", "model directory that does not exist", Expect.REFUSES, "not found", new String[] {"infer", "--model-dir", "{w}/nowhere", "--input", "{w}/good.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "folder that is not a model directory", Expect.REFUSES, "serving.properties", new String[] {"infer", "--model-dir", "{w}/empty-dir", "--input", "{w}/good.npy", "--output", "{w}/out/x.npy"}},
            {"infer", "unknown --context", Expect.REFUSES, "per-sample", new String[] {"infer", "--model-dir", "{w}/model", "--input", "{w}/good.npy", "--output", "{w}/out/x.npy", "--context", "global"}},
            // eval
            {"eval", "dataset whose classes differ from the model's", Expect.REFUSES, "classes", new String[] {"eval", "--model-dir", "{w}/model", "--dataset", "cifar100", "--data-dir", "{w}/empty-dir"}},
            {"eval", "dataset that does not exist", Expect.REFUSES, "svhn", new String[] {"eval", "--model", FASHION_MODEL, "--dataset", "svhn"}},
            {"eval", "empty data folder", Expect.REFUSES, "lacks", new String[] {"eval", "--model-dir", "{w}/model", "--data-dir", "{w}/empty-dir"}},
            {"eval", "truncated CIFAR-10 file", Expect.REFUSES, "test_batch.bin", new String[] {"eval", "--model-dir", "{w}/model", "--data-dir", "{w}/cifar-truncated"}},
            {"eval", "Fashion-MNIST folder given for CIFAR-10", Expect.REFUSES, "lacks", new String[] {"eval", "--model-dir", "{w}/model", "--data-dir", "{w}/fashion"}},
            {"eval", "truncated Fashion-MNIST images", Expect.REFUSES, "t10k-images-idx3-ubyte", new String[] {"eval", "--model", FASHION_MODEL, "--data-dir", "{w}/fashion-truncated"}},
            {"eval", "--batch-size 0", Expect.REFUSES, "--batch-size", new String[] {"eval", "--model", FASHION_MODEL, "--batch-size", "0"}},
            {"eval", "--max-batches 0", Expect.REFUSES, "--max-batches", new String[] {"eval", "--model", FASHION_MODEL, "--max-batches", "0"}},
            // import
            {"import", "weights file that does not exist", Expect.REFUSES, "missing.npz", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/missing.npz", "--out", "{w}/imports/a"}},
            {"import", "text file named .npz", Expect.REFUSES, "text.npz", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/text.npz", "--out", "{w}/imports/b"}},
            {"import", "truncated .npz", Expect.REFUSES, "truncated.npz", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/truncated.npz", "--out", "{w}/imports/c"}},
            {"import", "checkpoint of another variant", Expect.REFUSES, "mrla", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/mrla_l-20.npz", "--out", "{w}/imports/d"}},
            {"import", "checkpoint of another depth", Expect.REFUSES, "dla_l-56", new String[] {"import", "--model", "dla_l-56-cifar10", "--weights", "{w}/dla_l-20.npz", "--out", "{w}/imports/e"}},
            {"import", "checkpoint of another class count", Expect.REFUSES, "100", new String[] {"import", "--model", "dla_l-20-cifar100", "--weights", "{w}/dla_l-20.npz", "--out", "{w}/imports/f"}},
            {"import", "--out is an existing model directory", Expect.REFUSES, "--force", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/dla_l-20.npz", "--out", "{w}/model"}},
            {"import", "--out is a regular file", Expect.REFUSES, "good.npy", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/dla_l-20.npz", "--out", "{w}/good.npy"}},
            {"import", "--force over an existing model directory", Expect.COPES, "", new String[] {"import", "--model", CIFAR_MODEL, "--weights", "{w}/dla_l-20.npz", "--out", "{w}/model-copy", "--force"}},
            {"import", "depth that does not exist", Expect.REFUSES, "9n + 2", new String[] {"import", "--model", "dla_l-21-cifar10", "--weights", "{w}/dla_l-20.npz", "--out", "{w}/imports/g"}},
            // train
            {"train", "--epochs 0", Expect.REFUSES, "epochs", new String[] {"train", "--model", FASHION_MODEL, "--epochs", "0", "--output-dir", "{w}/runs/a"}},
            {"train", "--batch-size -1", Expect.REFUSES, "batch", new String[] {"train", "--model", FASHION_MODEL, "--batch-size", "-1", "--output-dir", "{w}/runs/a"}},
            {"train", "--lr NaN", Expect.REFUSES, "learning rate", new String[] {"train", "--model", FASHION_MODEL, "--lr", "NaN", "--output-dir", "{w}/runs/a"}},
            {"train", "--lr -0.1", Expect.REFUSES, "learning rate", new String[] {"train", "--model", FASHION_MODEL, "--lr", "-0.1", "--output-dir", "{w}/runs/a"}},
            {"train", "--schedule that does not exist", Expect.REFUSES, "cosine", new String[] {"train", "--model", FASHION_MODEL, "--schedule", "linear", "--output-dir", "{w}/runs/a"}},
            {"train", "--milestones after the last epoch", Expect.REFUSES, "milestone", new String[] {"train", "--model", FASHION_MODEL, "--epochs", "3", "--schedule", "step", "--milestones", "2,9", "--output-dir", "{w}/runs/a"}},
            {"train", "--max-batches -5", Expect.REFUSES, "max", new String[] {"train", "--model", FASHION_MODEL, "--max-batches", "-5", "--output-dir", "{w}/runs/a"}},
            {"train", "--gpus 1 on a machine without CUDA", Expect.REFUSES, "gpu", new String[] {"train", "--model", FASHION_MODEL, "--gpus", "1", "--output-dir", "{w}/runs/a"}},
            {"train", "dataset that disagrees with the model", Expect.REFUSES, "disagrees", new String[] {"train", "--model", FASHION_MODEL, "--dataset", "cifar10", "--output-dir", "{w}/runs/a"}},
            {"train", "--resume and --force together", Expect.REFUSES, "one of the two", new String[] {"train", "--model", FASHION_MODEL, "--resume", "--force", "--output-dir", "{w}/run-dir"}},
            {"train", "existing run without --resume", Expect.REFUSES, "--resume", new String[] {"train", "--model", FASHION_MODEL, "--output-dir", "{w}/run-dir"}},
            {"train", "--output-dir inside a regular file", Expect.REFUSES, "good.npy", new String[] {"train", "--model", FASHION_MODEL, "--output-dir", "{w}/good.npy/run"}},
            {"train", "--data-dir that does not exist", Expect.REFUSES, "does not exist", new String[] {"train", "--model", FASHION_MODEL, "--data-dir", "{w}/nowhere", "--output-dir", "{w}/runs/b"}},
            {"train", "--resume of a checkpoint of another model", Expect.REFUSES, "dla_l-20-cifar10", new String[] {"train", "--model", FASHION_MODEL, "--resume", "--output-dir", "{w}/other-run"}},
            {"train", "--resume of a checkpoint with a damaged state file", Expect.REFUSES, "state.properties", new String[] {"train", "--model", FASHION_MODEL, "--resume", "--output-dir", "{w}/damaged-run"}},
            // bench
            {"bench", "--steps 0", Expect.REFUSES, "--steps", new String[] {"bench", "--model", CIFAR_MODEL, "--steps", "0"}},
            {"bench", "--threads 0", Expect.REFUSES, "--threads", new String[] {"bench", "--model", CIFAR_MODEL, "--threads", "0"}},
            {"bench", "--mode that does not exist", Expect.REFUSES, "latency", new String[] {"bench", "--model", CIFAR_MODEL, "--mode", "fast"}},
            {"bench", "--compare with something other than resnet", Expect.REFUSES, "resnet", new String[] {"bench", "--model", CIFAR_MODEL, "--compare", "vgg"}},
            {"bench", "--profile into a path that cannot be written", Expect.REFUSES, "good.npy", new String[] {"bench", "--model", CIFAR_MODEL, "--mode", "infer", "--batch", "2", "--steps", "1", "--warmup", "0", "--profile", "{w}/good.npy/trace.json"}},
            {"bench", "--mode serve with --batch", Expect.REFUSES, "drop --batch", new String[] {"bench", "--model", FASHION_MODEL, "--mode", "serve", "--batch", "4"}},
            {"bench", "--mode reload with --steps 0", Expect.REFUSES, "--steps", new String[] {"bench", "--model", FASHION_MODEL, "--mode", "reload", "--steps", "0"}},
            // summary
            {"summary", "--model missing", Expect.REFUSES, "--model", new String[] {"summary"}},
            {"summary", "variant that does not exist", Expect.REFUSES, "dla_l", new String[] {"summary", "--model", "vgg-20-cifar10"}},
            {"summary", "ImageNet depth that does not exist", Expect.REFUSES, "50", new String[] {"summary", "--model", "dla_l-34-imagenet"}},
            {"summary", "dataset that does not exist", Expect.REFUSES, "cifar10", new String[] {"summary", "--model", "dla_l-20-mnist"}},
            {"summary", "name without a depth", Expect.REFUSES, "<variant>-<depth>-<dataset>", new String[] {"summary", "--model", "dla_l"}},
            // publish
            {"publish", "a model into a new repository", Expect.COPES, "", new String[] {"publish", "--model-dir", "{w}/model", "--repository", "{w}/repo"}},
            {"publish", "the same model again", Expect.REFUSES, "--force", new String[] {"publish", "--model-dir", "{w}/model", "--repository", "{w}/repo"}},
            {"publish", "the same model again with --force", Expect.COPES, "", new String[] {"publish", "--model-dir", "{w}/model", "--repository", "{w}/repo", "--force"}},
            {"publish", "model directory that does not exist", Expect.REFUSES, "not found", new String[] {"publish", "--model-dir", "{w}/nowhere", "--repository", "{w}/repo"}},
            {"publish", "repository that is a regular file", Expect.REFUSES, "good.npy", new String[] {"publish", "--model-dir", "{w}/model", "--repository", "{w}/good.npy"}},
            {"publish", "repository with a damaged metadata.json", Expect.REFUSES, "metadata.json", new String[] {"publish", "--model-dir", "{w}/model", "--repository", "{w}/bad-repo"}},
            // the command line itself
            {"dla", "unknown command", Expect.REFUSES, "unknown command", new String[] {"fly"}},
            {"dla", "unknown flag", Expect.REFUSES, "valid flags", new String[] {"summary", "--model", CIFAR_MODEL, "--depth", "20"}},
            {"dla", "flag without its value", Expect.REFUSES, "Missing required parameter for option '--model'", new String[] {"summary", "--model"}},
            {"dla", "number flag with a word", Expect.REFUSES, "whole number", new String[] {"bench", "--model", CIFAR_MODEL, "--steps", "ten"}},
        };
    }

    @Test(dataProvider = "cases")
    public void caseBehavesByThePrinciple(String command, String what, Expect expect, String fragment, String[] template) {
        String[] args = Arrays.stream(template).map(a -> a.replace("{w}", work.toString())).toArray(String[]::new);
        CliRun r = CliRun.of(args);
        String first = (r.status() == 0 ? "" : r.err().strip().lines().findFirst().orElse(""))
                .replace(work.toString(), "…").replace("|", "\\|");
        synchronized (REPORT) {
            REPORT.add(String.format(Locale.ROOT, "| %d | %s | %s | %d | %s |", REPORT.size() + 1, command, what,
                    r.status(), first));
        }
        String context = what + ": exit " + r.status() + "\n" + r.err();
        assertFalse(STACK.matcher(r.err()).find(), "a stack trace or exception name: " + context);
        if (expect == Expect.COPES) {
            assertEquals(r.status(), 0, context);
            return;
        }
        assertTrue(r.status() == 1 || r.status() == 2, context);
        long lines = r.err().lines().filter(l -> !l.startsWith("usage: ")).count();
        assertTrue(lines <= MAX_MESSAGE_LINES, "more than " + MAX_MESSAGE_LINES + " lines: " + context);
        assertTrue(r.err().toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)),
                "the message does not name '" + fragment + "': " + context);
    }

    private void images() throws IOException {
        Path sample = Path.of("../samples/fashion_mnist-test0000-ankle_boot.png");
        byte[] png = Files.readAllBytes(sample);
        Files.write(work.resolve("empty.png"), new byte[0]);
        Files.write(work.resolve("truncated.png"), Arrays.copyOf(png, png.length / 3));
        Files.writeString(work.resolve("text.png"), "not an image\n");
        BufferedImage rgba = new BufferedImage(28, 28, BufferedImage.TYPE_INT_ARGB);
        BufferedImage gray16 = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        BufferedImage rgb = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                rgba.setRGB(x, y, (x * 9) << 24 | (y * 9) << 16 | (x * 5) << 8 | y);
                gray16.getRaster().setSample(x, y, 0, (x * y * 83) & 0xffff);
            }
        }
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 50; x++) {
                rgb.setRGB(x, y, (x * 5) << 16 | (y * 6) << 8 | (x + y));
            }
        }
        ImageIO.write(rgba, "png", work.resolve("rgba.png").toFile());
        ImageIO.write(gray16, "png", work.resolve("gray16.png").toFile());
        ImageIO.write(rgb, "png", work.resolve("rgb-wide.png").toFile());
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_GRAY), "png", work.resolve("tiny.png").toFile());
        ImageIO.write(rgb, "jpeg", work.resolve("jpeg.png").toFile());
    }

    private void arrays() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray good = manager.randomNormal(new Shape(2, 3, 32, 32));
            Npy.write(work.resolve("good.npy"), good);
            Npy.write(work.resolve("rank3.npy"), good.get(0));
            Npy.write(work.resolve("c1.npy"), good.get(":, :1"));
            Npy.write(work.resolve("nhwc.npy"), good.transpose(0, 2, 3, 1));
            Npy.write(work.resolve("zero.npy"), manager.zeros(new Shape(0, 3, 32, 32)));
            Npy.write(work.resolve("small.npy"), manager.ones(new Shape(1, 3, 1, 1)));
            NDArray nan = good.duplicate();
            nan.set(new NDIndex("0, 1, 5, 5"), Float.NaN);
            Npy.write(work.resolve("nan.npy"), nan);
            writeNpy(work.resolve("f64.npy"), good.toType(DataType.FLOAT64, false));
            writeNpy(work.resolve("i32.npy"), good.mul(50).toType(DataType.INT32, false));
        }
        byte[] npy = Files.readAllBytes(work.resolve("good.npy"));
        Files.write(work.resolve("empty.npy"), new byte[0]);
        Files.write(work.resolve("truncated.npy"), Arrays.copyOf(npy, npy.length / 2));
        Files.writeString(work.resolve("text.npy"), "1, 2, 3\n");
        Files.writeString(work.resolve("text.npz"), "not a zip\n");
        byte[] npz = Files.readAllBytes(work.resolve("dla_l-20.npz"));
        Files.write(work.resolve("truncated.npz"), Arrays.copyOf(npz, npz.length / 2));
    }

    /** Writes an array as NumPy's {@code .npy}, whatever its data type: the one entry of an {@code .npz}. */
    private static void writeNpy(Path file, NDArray array) throws IOException {
        ByteArrayOutputStream npz = new ByteArrayOutputStream();
        new NDList(array).encode(npz, NDList.Encoding.NPZ);
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(npz.toByteArray()))) {
            zip.getNextEntry();
            Files.write(file, zip.readAllBytes());
        }
    }

    private void datasets() throws IOException {
        Path cifar = Files.createDirectories(work.resolve("cifar-truncated"));
        for (int i = 1; i <= 5; i++) {
            Files.write(cifar.resolve("data_batch_" + i + ".bin"), new byte[3073 * 2]);
        }
        Files.write(cifar.resolve("test_batch.bin"), new byte[3073 * 2 - 100]);
        Path fashion = Files.createDirectories(work.resolve("fashion"));
        Path truncated = Files.createDirectories(work.resolve("fashion-truncated"));
        for (String prefix : new String[] {"train", "t10k"}) {
            ByteBuffer images = ByteBuffer.allocate(16 + 10 * 784).order(ByteOrder.BIG_ENDIAN);
            images.putInt(0x803).putInt(10).putInt(28).putInt(28);
            ByteBuffer labels = ByteBuffer.allocate(8 + 10).order(ByteOrder.BIG_ENDIAN);
            labels.putInt(0x801).putInt(10);
            Files.write(fashion.resolve(prefix + "-images-idx3-ubyte"), images.array());
            Files.write(fashion.resolve(prefix + "-labels-idx1-ubyte"), labels.array());
            Files.write(truncated.resolve(prefix + "-images-idx3-ubyte"), Arrays.copyOf(images.array(), 16 + 3 * 784));
            Files.write(truncated.resolve(prefix + "-labels-idx1-ubyte"), labels.array());
        }
    }

    private void damagedModels() throws IOException {
        Path model = work.resolve("model");
        Path params = model.resolve(CIFAR_MODEL + "-0000.params");
        byte[] bytes = Files.readAllBytes(params);

        Path badProperties = copy(model, "bad-properties");
        Files.writeString(badProperties.resolve("serving.properties"), "engine=PyTorch\nmodel=dla_l-20-cifar10\\u12\n");

        Path truncated = copy(model, "truncated-params");
        Files.write(truncated.resolve(params.getFileName()), Arrays.copyOf(bytes, bytes.length / 2));

        Path altered = copy(model, "altered-params");
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 5] ^= 0x40;
        Files.write(altered.resolve(params.getFileName()), flipped);

        copy(model, "model-copy");
        Path otherDepth = copy(model, "other-depth");
        Path properties = otherDepth.resolve("serving.properties");
        Files.writeString(properties, Files.readString(properties).replace("dla_l-20", "dla_l-56"));

        Path otherRun = Files.createDirectories(work.resolve("other-run"));
        copyTree(model, otherRun.resolve("checkpoint"));
        Files.writeString(otherRun.resolve("checkpoint/state.properties"),
                "model=dla_l-20-cifar10\nepochs=1\nstep=10\nseed=42\nbestTop1=0.5\n");
        Files.write(otherRun.resolve("checkpoint/optimizer.npz"), new byte[0]);
        Path damagedRun = Files.createDirectories(work.resolve("damaged-run"));
        copyTree(model, damagedRun.resolve("checkpoint"));
        Files.writeString(damagedRun.resolve("checkpoint/state.properties"), "model=dla_l-20-fashion_mnist\nepochs=x\n");

        Path badRepo = Files.createDirectories(work.resolve("bad-repo/model/cv/image_classification/ai/dla/zoo/dla_l"));
        Files.writeString(badRepo.resolve("metadata.json"), "{\"artifacts\": [");
    }

    private Path copy(Path model, String name) throws IOException {
        Path target = work.resolve(name);
        copyTree(model, target);
        return target;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
