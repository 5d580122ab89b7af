package ai.dla.spark;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelName;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.ZooModel;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The adapter in {@code local[2]} over the shipped samples and damaged files: the same answers as
 * the zoo's own predictor, an error row per damaged file, one model load per JVM.
 */
public class DlaImagePredictorTest {

    static final String MODEL = "dla_l-20-fashion_mnist";

    private static final List<String> DAMAGED = List.of("noise.png", "truncated.png", "text.jpg");

    private SparkSession spark;
    private Path images;
    private List<Path> samples;

    @BeforeClass
    public void start() throws IOException {
        spark = LocalSpark.start("DlaImagePredictorTest");
        images = Files.createTempDirectory("dla-spark-images");
        samples = sampleImages(images);
        writeDamaged(images, samples.get(0));
    }

    @AfterClass(alwaysRun = true)
    public void stop() {
        spark.stop();
    }

    /** The shipped samples, copied into a folder. */
    static List<Path> sampleImages(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "samples"))) {
            List<Path> found = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
            for (Path p : found) {
                Files.copy(p, dir.resolve(p.getFileName()));
            }
            return found.stream().map(p -> dir.resolve(p.getFileName())).toList();
        }
    }

    /**
     * Random bytes, half a PNG and text, each named as an image, and an empty file, which Spark's
     * file sources skip.
     */
    static void writeDamaged(Path dir, Path goodPng) throws IOException {
        byte[] noise = new byte[300];
        new Random(7).nextBytes(noise);
        Files.write(dir.resolve(DAMAGED.get(0)), noise);
        byte[] png = Files.readAllBytes(goodPng);
        Files.write(dir.resolve(DAMAGED.get(1)), Arrays.copyOf(png, png.length / 2));
        Files.writeString(dir.resolve(DAMAGED.get(2)), "not an image\n", StandardCharsets.UTF_8);
        Files.write(dir.resolve("empty.png"), new byte[0]);
    }

    private Dataset<Row> read() {
        return spark.read().format("binaryFile").load(images.toString()).repartition(3);
    }

    /**
     * The first test of its JVM (each test class has one: see the pom), so that the model is not
     * loaded yet.
     */
    @Test(priority = -1)
    public void goodImagesGetThePredictorsAnswerDamagedOnesAnErrorAndTheModelLoadsOnce() throws Exception {
        long before = ExecutorModels.loadsInThisJvm();
        assertEquals(before, 0, "a model was loaded in this JVM before this test");
        DlaImagePredictor predictor = DlaImagePredictor.builder().setModel(MODEL).optBatchSize(3).build();
        List<Row> rows = predictor.transform(read()).drop("content").collectAsList();
        assertEquals(ExecutorModels.loadsInThisJvm() - before, 1, "model loads in this JVM, over 3 partitions");
        DlaImagePredictor.Metrics metrics = predictor.metrics();
        assertEquals(metrics.modelLoads(), 1, "the loads the driver counts");
        assertEquals(metrics.images(), samples.size() + DAMAGED.size());
        assertEquals(metrics.errors(), DAMAGED.size());
        assertTrue(metrics.predictSeconds() > 0 && metrics.decodeSeconds() > 0, metrics.toString());
        assertTrue(metrics.taskSeconds() > metrics.predictSeconds() + metrics.decodeSeconds() + metrics.loadSeconds(),
                metrics.toString());

        assertEquals(rows.size(), samples.size() + DAMAGED.size());
        Map<String, Row> byName = new HashMap<>();
        for (Row r : rows) {
            byName.put(Path.of(java.net.URI.create(r.getAs("path"))).getFileName().toString(), r);
        }
        try (ZooModel<Path, Classifications> model = DlaModelZoo
                .criteria(ModelName.parse(MODEL), Path.class, Classifications.class).build().loadModel();
                Predictor<Path, Classifications> direct = model.newPredictor()) {
            for (Path sample : samples) {
                Row r = byName.get(sample.getFileName().toString());
                assertNull(r.getAs(DlaImagePredictor.ERROR), sample.toString());
                assertEquals(r.<String>getAs(DlaImagePredictor.MODEL), MODEL);
                List<String> labels = r.getList(r.fieldIndex(DlaImagePredictor.LABELS));
                List<Double> probabilities = r.getList(r.fieldIndex(DlaImagePredictor.PROBABILITIES));
                List<Classifications.Classification> expected = direct.predict(sample).topK(5);
                assertEquals(labels.size(), 5);
                for (int k = 0; k < 5; k++) {
                    assertEquals(labels.get(k), expected.get(k).getClassName(), sample + " class " + k);
                    assertEquals(probabilities.get(k), expected.get(k).getProbability(), 1e-6, sample + " p" + k);
                }
            }
        }
        for (String damaged : DAMAGED) {
            Row r = byName.get(damaged);
            String error = r.getAs(DlaImagePredictor.ERROR);
            assertNotNull(error, damaged + " has no error");
            assertTrue(error.contains("PNG, JPEG, BMP or GIF"), error);
            assertNull(r.getAs(DlaImagePredictor.LABELS));
            assertEquals(r.<String>getAs(DlaImagePredictor.MODEL), MODEL);
        }

        long again = ExecutorModels.loadsInThisJvm();
        assertEquals(predictor.transform(read()).filter("error is null").count(), samples.size());
        assertEquals(ExecutorModels.loadsInThisJvm(), again, "a second job reuses the model");
        assertEquals(predictor.metrics().modelLoads(), 1);
        assertEquals(predictor.metrics().images(), 2L * (samples.size() + DAMAGED.size()));
    }

    @Test
    public void embeddingsAreTheModelsFeatures() throws Exception {
        DlaImagePredictor predictor = DlaImagePredictor.builder().setModel(MODEL)
                .optOutput(DlaImagePredictor.Output.EMBEDDING).optBatchSize(4).build();
        List<Row> rows = predictor.transform(read()).filter("error is null").collectAsList();
        assertEquals(rows.size(), samples.size());
        try (ZooModel<Path, float[]> model = DlaModelZoo
                .criteria(ModelName.parse(MODEL), Path.class, float[].class).build().loadModel();
                Predictor<Path, float[]> direct = model.newPredictor()) {
            for (Row r : rows) {
                Path file = Path.of(java.net.URI.create(r.getAs("path")));
                float[] expected = direct.predict(file);
                List<Float> embedding = r.getList(r.fieldIndex(DlaImagePredictor.EMBEDDING));
                assertEquals(embedding.size(), expected.length);
                assertTrue(expected.length > 0);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(embedding.get(i), expected[i], 1e-6f, file + " feature " + i);
                }
            }
        }
    }

    @Test
    public void nullAndEmptyBytesFromAnySourceGetErrorRows() {
        StructType schema = new StructType().add("name", DataTypes.StringType).add("bytes", DataTypes.BinaryType);
        List<Row> input = List.of(RowFactory.create("null", null), RowFactory.create("empty", new byte[0]));
        List<Row> rows = DlaImagePredictor.builder().setModel(MODEL).optInputCol("bytes").build()
                .transform(spark.createDataFrame(input, schema)).collectAsList();
        assertEquals(rows.size(), 2);
        for (Row r : rows) {
            String expected = r.getString(0).equals("null") ? "the row has no image bytes (null)" : "the file is empty";
            assertTrue(r.<String>getAs(DlaImagePredictor.ERROR).startsWith(expected), r.toString());
            assertTrue(r.<String>getAs(DlaImagePredictor.ERROR).endsWith("give a PNG, JPEG, BMP or GIF file"));
        }
    }

    @Test
    public void aDataFrameWithoutImageBytesIsRefusedOnTheDriver() {
        DlaImagePredictor predictor = DlaImagePredictor.builder().setModel(MODEL).build();
        Dataset<Row> text = spark.read().text(images.toString());
        assertMessage(() -> predictor.transform(text), "has no column 'content'", "binaryFile");
        Dataset<Row> strings = text.withColumnRenamed("value", "content");
        assertMessage(() -> predictor.transform(strings), "holds string, not image bytes");
        Dataset<Row> taken = read().withColumn("error", functions.lit("x"));
        assertMessage(() -> predictor.transform(taken), "already has a column 'error'");
    }

    @Test
    public void theBuilderNamesWhatIsWrong() {
        assertMessage(() -> DlaImagePredictor.builder().build(), "setModel(name)", "setModelDirectory(dir)");
        assertMessage(() -> DlaImagePredictor.builder().setModel("dla_l-21-cifar10"), "dla_l-21-cifar10");
        assertMessage(() -> DlaImagePredictor.builder().setModel(MODEL).optTopK(11).build(),
                "more than the 10 classes", "give 1 to 10");
        assertMessage(() -> DlaImagePredictor.builder().setModel(MODEL).optTopK(0).build(), "1 or more; got 0");
        assertMessage(() -> DlaImagePredictor.builder().setModel(MODEL).optBatchSize(0).build(), "1 or more; got 0");
        assertMessage(() -> DlaImagePredictor.builder().setModel(MODEL).optThreads(0).build(), "1 or more; got 0");
        assertMessage(() -> DlaImagePredictor.Output.fromId("logits"), "use classes or embedding");
    }

    @Test
    public void whatAnExecutorCannotLoadFailsTheJobWithTheFix() throws IOException {
        Path missing = images.resolve("no-such-model");
        assertJobFails(DlaImagePredictor.builder().setModelDirectory(missing).build(),
                "Cannot load the model " + missing, "at this path on every executor");
        assertJobFails(DlaImagePredictor.builder().setModel("dla_l-56-cifar10").build(),
                "No pretrained weights for dla_l-56-cifar10", "optWeightsUrl(URL)");
        String ownCache = System.getenv(ExecutorSettings.CACHE_DIR);
        assertNotNull(ownCache, "the tests set DJL_CACHE_DIR");
        assertJobFails(DlaImagePredictor.builder().setModel(MODEL).optCacheDir(ownCache + "-other").build(),
                "DJL_CACHE_DIR=" + ownCache + " in its environment", "give one of the two");
    }

    private void assertJobFails(DlaImagePredictor predictor, String... parts) {
        try {
            predictor.transform(read()).count();
        } catch (Exception e) { // Spark throws its checked SparkException undeclared
            assertTrue(e.getMessage().contains(DlaSparkException.class.getName()), e.getMessage());
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), e.getMessage());
            }
            return;
        }
        throw new AssertionError("the job ran");
    }

    private static void assertMessage(Runnable r, String... parts) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            for (String part : parts) {
                assertTrue(e.getMessage().contains(part), e.getMessage());
            }
            return;
        }
        throw new AssertionError("no error");
    }
}
