package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.network.DlaResNet;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;

import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java API under bad input, damaged files and load, as {@code docs/reliability.md} lists it:
 * every refusal names the problem, damaged files are refused with their name or repaired from the
 * jar, and one {@code ZooModel} serves eight threads with results equal to one thread's.
 */
public class ApiReliabilityTest {

    private static final ModelName SHIPPED = DlaWeights.DLA_L_20_FASHION_MNIST.getModel();
    private static final int THREADS = 8;
    private static final int PREDICTIONS_PER_THREAD = 500;

    @Test
    public void badCriteriaAreRefusedWithTheValidChoices() {
        Exception unknown = expectThrows(ModelNotFoundException.class, () -> Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_x")
                .build()
                .loadModel());
        assertTrue(unknown.getMessage().startsWith("No model "), "DJL's own message (0.25: No model with the"
                + " specified URI..., 0.36: No model matching the criteria...): " + unknown.getMessage());
        IllegalArgumentException byName = expectThrows(IllegalArgumentException.class,
                () -> ModelName.parse("dla_x-20-cifar10"));
        assertTrue(byName.getMessage().contains("valid variants: resnet, mrla_l, dla_l, dla_b, lii"), byName.getMessage());

        Exception depth = expectThrows(ModelNotFoundException.class, () -> Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_l")
                .optFilter("layers", "21")
                .build()
                .loadModel());
        assertTrue(depth.getCause().getMessage().contains("dataset=cifar10 with layers 20, 56, 110"),
                depth.getCause().getMessage());

        Exception types = expectThrows(Exception.class, () -> DlaModelZoo.criteria(SHIPPED, Integer.class,
                Classifications.class).build().loadModel());
        assertTrue(messages(types).contains("not Integer to Classifications"), messages(types));
    }

    @Test
    public void aTranslatorGivenToTheCriteriaIsUsed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        NoBatchifyTranslator<NDList, NDList> counting = new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, NDList input) {
                calls.incrementAndGet();
                return input;
            }

            @Override
            public NDList processOutput(TranslatorContext ctx, NDList list) {
                return list;
            }
        };
        try (ZooModel<NDList, NDList> model = DlaModelZoo.criteria(SHIPPED, NDList.class, NDList.class)
                        .optTranslator(counting).build().loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDList logits = predictor.predict(new NDList(manager.zeros(new Shape(1, 1, 28, 28))));
            assertEquals(logits.head().getShape(), new Shape(1, 10));
            assertEquals(calls.get(), 1);
        }
    }

    @Test
    public void tensorPredictorChecksEveryBatchAndConvertsNumbers() throws Exception {
        try (ZooModel<NDList, NDList> model = tensorModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(3, 1, 28, 28));
            float[] expected = predictor.predict(new NDList(x)).head().toFloatArray();
            float[] f64 = predictor.predict(new NDList(x.toType(DataType.FLOAT64, false))).head().toFloatArray();
            assertEquals(f64, expected, 1e-5f, "float64 input is converted to float32");

            Map<NDArray, String> refused = Map.of(
                    manager.randomNormal(new Shape(1, 3, 28, 28)), "expects images [batch, 1, height, width]",
                    manager.randomNormal(new Shape(28, 28)), "expects images [batch, 1, height, width]",
                    manager.randomNormal(new Shape(2, 28, 28, 1)), "transpose NHWC to NCHW",
                    manager.zeros(new Shape(0, 1, 28, 28)), "a batch of no images",
                    manager.full(new Shape(1, 1, 28, 28), Float.NaN), "NaN or infinite",
                    manager.full(new Shape(1, 1, 28, 28), Float.POSITIVE_INFINITY), "NaN or infinite",
                    manager.zeros(new Shape(1, 1, 28, 28), DataType.BOOLEAN), "takes numbers");
            refused.forEach((bad, message) -> {
                TranslateException e = expectThrows(TranslateException.class, () -> predictor.predict(new NDList(bad)));
                assertTrue(messages(e).contains(message), bad.getShape() + ": " + messages(e));
            });
        }
    }

    /**
     * A caller that keeps its input's manager open over many passes must hold flat memory: the
     * pass's intermediate arrays (about 200 per DLA-L-20 pass) and the translator's checks are
     * freed with the pass, and only the logits join the caller's manager.
     */
    @Test
    public void passesLeaveOnlyTheirLogitsInTheCallersManager() throws Exception {
        try (ZooModel<NDList, NDList> model = tensorModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager caller = NDManager.newBaseManager()) {
            NDArray x = caller.randomNormal(new Shape(2, 1, 28, 28));
            predictor.predict(new NDList(x)).close();
            int callerArrays = caller.getManagedArrays().size();
            int modelArrays = model.getNDManager().getManagedArrays().size();
            for (int i = 0; i < 10; i++) {
                NDList logits = predictor.predict(new NDList(x));
                assertEquals(logits.head().getManager(), caller, "the logits belong to the caller");
                logits.close();
            }
            DlaResNet net = (DlaResNet) model.getBlock();
            ParameterStore store = new ParameterStore(caller, false);
            for (int i = 0; i < 10; i++) {
                net.forward(store, new NDList(x), false).close();
            }
            assertEquals(caller.getManagedArrays().size(), callerArrays, "arrays left in the caller's manager");
            assertEquals(model.getNDManager().getManagedArrays().size(), modelArrays, "arrays left in the model's");
            assertEquals(x.getManager(), caller, "the input is back in its own manager");
        }
    }

    @Test
    public void blockRefusesInputOfTheWrongTypeBeforeTheNativeCode() {
        DlaResNet net = SHIPPED.builder().build();
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
            NDArray f64 = manager.randomNormal(new Shape(1, 1, 28, 28)).toType(DataType.FLOAT64, false);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    () -> net.forward(new ParameterStore(manager, false), new NDList(f64), false));
            assertTrue(e.getMessage().contains("toType(DataType.FLOAT32, false)"), e.getMessage());
        }
    }

    @Test
    public void imagesOfEveryKindAreClassified() throws Exception {
        try (ZooModel<Image, Classifications> model = DlaModelZoo.criteria(SHIPPED, Image.class,
                        Classifications.class).build().loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            for (Image image : images()) {
                Classifications c = predictor.predict(image);
                double total = c.items().stream().mapToDouble(Classifications.Classification::getProbability).sum();
                assertEquals(total, 1.0, 1e-4, image.getWidth() + "x" + image.getHeight());
            }
        }
    }

    @Test
    public void damagedShippedWeightsInDjlsCacheAreRepairedFromTheJar() throws Exception {
        float[] expected = shippedLogits();
        Path cached = CachedWeights.parameters(SHIPPED);
        String sha1 = DlaWeights.DLA_L_20_FASHION_MNIST.getSha1();

        byte[] bytes = Files.readAllBytes(cached);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(cached, bytes);
        assertEquals(shippedLogits(), expected, "an altered cached file is replaced before it is served");
        assertEquals(DlaModelLoader.sha1(CachedWeights.parameters(SHIPPED)), sha1);

        Files.write(CachedWeights.parameters(SHIPPED), new byte[100]);
        assertEquals(shippedLogits(), expected, "a truncated cached file is replaced before it is served");
        assertEquals(DlaModelLoader.sha1(CachedWeights.parameters(SHIPPED)), sha1);
    }

    @Test
    public void damagedModelDirectoriesAreRefusedWithTheFileNamed() throws Exception {
        Path dir = Files.createTempDirectory("dla-damaged").resolve("model");
        try (Model model = Model.newInstance(SHIPPED.toString(), "PyTorch")) {
            DlaResNet net = SHIPPED.builder().build();
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
            model.setBlock(net);
            ModelDirectory.write(dir, model, SHIPPED, Map.of());
        }
        Path params = dir.resolve(SHIPPED + "-0000.params");
        byte[] good = Files.readAllBytes(params);
        Criteria<NDList, NDList> direct = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(dir)
                .optTranslatorFactory(new DlaTranslatorFactory())
                .build();
        try (ZooModel<NDList, NDList> loaded = direct.loadModel()) {
            assertEquals(loaded.getProperty(ModelDirectory.PARAMETERS_SHA1), DlaModelLoader.sha1(params));
        }

        byte[] altered = good.clone();
        altered[altered.length - 9] ^= 0x01;
        Files.write(params, altered);
        UncheckedIOException viaCriteria = expectThrows(UncheckedIOException.class, direct::loadModel);
        assertTrue(viaCriteria.getMessage().contains(params.toAbsolutePath().toString())
                && viaCriteria.getMessage().contains("damaged"), viaCriteria.getMessage());
        IOException viaCheck = expectThrows(IOException.class, () -> ModelDirectory.check(dir));
        assertTrue(viaCheck.getMessage().contains(params.toAbsolutePath().toString()), viaCheck.getMessage());

        Files.write(params, good);
        Path properties = dir.resolve(ModelDirectory.PROPERTIES);
        String text = Files.readString(properties);
        Files.writeString(properties, text.replace("model=" + SHIPPED, "model=" + SHIPPED + "\\u00"));
        IOException damaged = expectThrows(IOException.class, () -> ModelDirectory.check(dir));
        assertTrue(damaged.getMessage().contains(properties.toAbsolutePath().toString()), damaged.getMessage());
        Files.writeString(properties, text.replace("model=" + SHIPPED, "model=dla_l-20-mnist"));
        damaged = expectThrows(IOException.class, () -> ModelDirectory.check(dir));
        assertTrue(damaged.getMessage().contains("mnist"), damaged.getMessage());
    }

    /**
     * Eight threads, each with its own {@code Predictor} of one {@code ZooModel}, 500 predictions
     * each over images of several sizes and kinds: every result equals the single-threaded one.
     */
    @Test
    public void oneModelServesEightThreadsWithTheSingleThreadedResults() throws Exception {
        List<Image> inputs = images();
        try (ZooModel<Image, Classifications> model = DlaModelZoo.criteria(SHIPPED, Image.class,
                Classifications.class).build().loadModel()) {
            List<double[]> reference = new ArrayList<>();
            try (Predictor<Image, Classifications> predictor = model.newPredictor()) {
                for (Image image : inputs) {
                    reference.add(probabilities(predictor.predict(image)));
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Double>> workers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int offset = t;
                    workers.add(pool.submit(() -> {
                        double worst = 0;
                        try (Predictor<Image, Classifications> predictor = model.newPredictor()) {
                            for (int i = 0; i < PREDICTIONS_PER_THREAD; i++) {
                                int k = (i + offset) % inputs.size();
                                double[] p = probabilities(predictor.predict(inputs.get(k)));
                                for (int c = 0; c < p.length; c++) {
                                    worst = Math.max(worst, Math.abs(p[c] - reference.get(k)[c]));
                                }
                            }
                        }
                        return worst;
                    }));
                }
                double worst = 0;
                for (Future<Double> w : workers) {
                    worst = Math.max(worst, w.get());
                }
                System.out.printf("%d threads x %d predictions: largest difference from one thread %.1e%n", THREADS,
                        PREDICTIONS_PER_THREAD, worst);
                assertTrue(worst <= 1e-6, "a thread's probabilities differ by " + worst);
            } finally {
                pool.shutdown();
            }
        }
    }

    private static ZooModel<NDList, NDList> tensorModel() throws Exception {
        return DlaModelZoo.criteria(SHIPPED, NDList.class, NDList.class).build().loadModel();
    }

    private static double[] probabilities(Classifications c) {
        double[] p = new double[c.getClassNames().size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = c.getProbabilities().get(i);
        }
        return p;
    }

    private static float[] shippedLogits() throws Exception {
        try (ZooModel<NDList, NDList> model = tensorModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(784f).div(784f).reshape(1, 1, 28, 28);
            return predictor.predict(new NDList(x)).head().toFloatArray();
        }
    }


    /** A sample, and images RGBA, 16-bit grey, 1×1, wide RGB and large: what users pass. */
    private static List<Image> images() throws IOException {
        ImageFactory factory = ImageFactory.getInstance();
        List<Image> images = new ArrayList<>();
        images.add(factory.fromFile(Path.of("../samples/fashion_mnist-test0000-ankle_boot.png")));
        images.add(factory.fromFile(Path.of("../samples/fashion_mnist-test0002-trouser.png")));
        Random random = new Random(11);
        int[][] sizes = {{28, 28}, {1, 1}, {50, 40}, {640, 480}};
        int[] types = {BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_INT_RGB,
            BufferedImage.TYPE_3BYTE_BGR};
        for (int i = 0; i < sizes.length; i++) {
            BufferedImage b = new BufferedImage(sizes[i][0], sizes[i][1], types[i]);
            for (int y = 0; y < b.getHeight(); y++) {
                for (int x = 0; x < b.getWidth(); x++) {
                    b.setRGB(x, y, random.nextInt());
                }
            }
            images.add(factory.fromImage(b));
        }
        return images;
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
