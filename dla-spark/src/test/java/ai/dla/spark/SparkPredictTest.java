package ai.dla.spark;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** The spark-submit job, run in this JVM's local Spark: Parquet out, exit statuses, messages. */
public class SparkPredictTest {

    private SparkSession spark;
    private Path dir;
    private Path images;
    private List<Path> samples;

    @BeforeClass
    public void start() throws IOException {
        spark = LocalSpark.start("SparkPredictTest");
        dir = Files.createTempDirectory("dla-spark-predict");
        images = Files.createDirectories(dir.resolve("images"));
        samples = DlaImagePredictorTest.sampleImages(images);
        DlaImagePredictorTest.writeDamaged(images, samples.get(0));
        Files.writeString(images.resolve("notes.txt"), "skipped by the glob", StandardCharsets.UTF_8);
    }

    @AfterClass(alwaysRun = true)
    public void stop() {
        spark.stop();
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SparkPredict.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    public void writesParquetWithTheClassesAndTheErrors() {
        String out = dir.resolve("classes.parquet").toString();
        Run r = run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--batch", "3", images.toString());
        assertEquals(r.status(), 0, r.err());
        assertTrue(!spark.conf().contains("spark.sql.files.maxPartitionBytes"), "the session's conf is as it was");
        int rows = samples.size() + 3;
        assertTrue(r.out().contains(rows + " images, 3 with an error"), r.out());
        List<Row> written = spark.read().parquet(out).collectAsList();
        assertEquals(Arrays.asList(spark.read().parquet(out).columns()),
                List.of("path", "model", "labels", "probabilities", "error"));
        assertEquals(written.size(), rows);
        long good = written.stream().filter(w -> w.isNullAt(4)).peek(w -> {
            assertEquals(w.getList(2).size(), 5);
            assertEquals(w.getString(1), DlaImagePredictorTest.MODEL);
        }).count();
        assertEquals(good, samples.size());
        String fileName = samples.get(0).getFileName().toString();
        String expected = fileName.substring(fileName.lastIndexOf('-') + 1, fileName.length() - 4);
        Row first = written.stream().filter(w -> w.getString(0).endsWith(fileName)).findFirst().orElseThrow();
        assertEquals(((String) first.getList(2).get(0)).replace(' ', '_').replace("-", "_").toLowerCase(),
                expected, "the shipped model's class for " + fileName);

        Run again = run("--model", DlaImagePredictorTest.MODEL, "--output", out, images.toString());
        assertEquals(again.status(), 2);
        assertTrue(again.err().contains("exists: give --overwrite"), again.err());
        assertEquals(run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--overwrite", "--top", "2",
                samples.get(0).toString()).status(), 0);
        Row only = spark.read().parquet(out).first();
        assertEquals(only.getList(2).size(), 2);
    }

    @Test
    public void readsAListOfPathsAndWritesEmbeddings() throws IOException {
        Path list = dir.resolve("list.txt");
        Files.writeString(list, samples.get(0) + "\n\n" + samples.get(1) + "\n", StandardCharsets.UTF_8);
        String out = dir.resolve("embeddings.parquet").toString();
        Run r = run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--embedding", "--paths-from",
                list.toString(), "--partitions", "2");
        assertEquals(r.status(), 0, r.err());
        assertEquals(Arrays.asList(spark.read().parquet(out).columns()),
                List.of("path", "model", "embedding", "error"));
        List<Row> rows = spark.read().parquet(out).collectAsList();
        assertEquals(rows.size(), 2);
        assertTrue(rows.get(0).getList(2).size() > 0);
    }

    @Test
    public void manyErrorsAreCountedAndTheFirstTenShown() throws IOException {
        Path broken = Files.createDirectories(dir.resolve("broken"));
        for (int i = 0; i < 12; i++) {
            Files.writeString(broken.resolve("broken-" + i + ".png"), "not a PNG " + i, StandardCharsets.UTF_8);
        }
        Run r = run("--model", DlaImagePredictorTest.MODEL, "--output", dir.resolve("broken.parquet").toString(),
                broken.toString());
        assertEquals(r.status(), 0, r.err());
        assertTrue(r.out().contains("12 images, 12 with an error"), r.out());
        assertEquals(r.out().lines().filter(l -> l.contains("broken-")).count(), 10, r.out());
        assertTrue(r.out().contains("(2 more: the rows whose error is not null)"), r.out());
    }

    @Test
    public void aBadCommandLineExitsTwoAndSaysWhy() {
        String out = dir.resolve("never.parquet").toString();
        String image = images.toString();
        assertUsage(run("--output", out, image), "--model=NAME | --model-dir=DIR");
        assertUsage(run("--model", "x", "--model-dir", "y", "--output", out, image), "mutually exclusive");
        assertUsage(run("--modle", DlaImagePredictorTest.MODEL, "--output", out, image), "Unknown option: '--modle'",
                "Possible solutions: --model");
        assertUsage(run("--model", "dla_l-21-cifar10", "--output", out, image), "dla_l-21-cifar10");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out), "name the images");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out, dir.resolve("none").toString()),
                "cannot read the images", "does not exist");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--glob", "*.tiff", image),
                "no image files in", "--glob '*'");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--top", "11", image),
                "more than the 10 classes");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--batch", "x", image),
                "'x'");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--partitions", "0", image),
                "--partitions takes 1 or more");
        assertUsage(run("--model", DlaImagePredictorTest.MODEL, "--output", out, "--threads", "0", image),
                "threads are PyTorch's per operation, 1 or more");
        assertTrue(Files.notExists(Path.of(out)));
    }

    @Test
    public void aJobThatCannotRunExitsOneWithTheFix() {
        Run r = run("--model", "dla_l-56-cifar10", "--output", dir.resolve("failed.parquet").toString(),
                images.toString());
        assertEquals(r.status(), 1, r.err());
        assertTrue(r.err().contains("the job failed: Cannot load the model dla_l-56-cifar10"), r.err());
        assertTrue(r.err().contains("--weights-url URL"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    private static void assertUsage(Run r, String... parts) {
        assertEquals(r.status(), 2, r.err() + r.out());
        for (String part : parts) {
            assertTrue(r.err().contains(part), r.err());
        }
    }
}
