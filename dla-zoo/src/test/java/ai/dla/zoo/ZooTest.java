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
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.util.Utils;

import com.sun.net.httpserver.HttpServer;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/** The zoo through DJL's own Criteria: listing, untrained networks, missing weights, weight repositories. */
public class ZooTest {

    @AfterMethod
    public void clearRepository() {
        System.clearProperty(DlaModelZoo.REPOSITORY_PROPERTY);
    }

    @Test
    public void zooIsRegisteredAndListsEveryStandardModelOffline() {
        assertTrue(ModelZoo.getModelZoo(DlaModelZoo.GROUP_ID) instanceof DlaModelZoo,
                "META-INF/services registers the zoo under ai.dla.zoo");
        List<ZooEntry> entries = DlaModelZoo.list();
        assertEquals(entries.size(), ModelName.standardNames().size());
        ZooEntry fashion = entries.stream()
                .filter(e -> e.model().toString().equals("dla_l-20-fashion_mnist")).findFirst().orElseThrow();
        assertEquals(fashion.artifactId(), "dla_l");
        assertEquals(fashion.properties(), Map.of("layers", "20", "dataset", "fashion_mnist"));
        assertEquals(fashion.parameters(), 409_870L);
        assertEquals(fashion.macs(), 29_990_272L);
        ZooEntry resnet50 = entries.stream()
                .filter(e -> e.model().toString().equals("resnet-50-imagenet")).findFirst().orElseThrow();
        assertEquals(resnet50.parameters(), 25_557_032L, "torchvision's published ResNet-50 count");
    }

    @Test
    public void shippedWeightsLoadOfflineWithTheirMetadata() throws Exception {
        DlaWeights weights = DlaWeights.DLA_L_20_FASHION_MNIST;
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_l")
                .optFilter("dataset", "fashion_mnist")
                .build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            assertEquals(model.getProperty("model"), "dla_l-20-fashion_mnist", "the shipped weights come first");
            assertEquals(Double.parseDouble(model.getProperty("top1")), weights.getTop1());
            assertEquals(Double.parseDouble(model.getProperty("bestTop1")), weights.getProvenance().bestTop1());
            assertEquals(model.getProperty("epochs"), "15");
            assertEquals(model.getProperty("seed"), "42");
            assertEquals(model.getProperty("parameters"), "409870");
            assertTrue(model.getProperty("preprocessing").contains("grayscale"), model.getProperty("preprocessing"));
            assertEquals(model.getProperty("license"), "Apache-2.0");
            Classifications c = predictor.predict(ImageFactory.getInstance()
                    .fromFile(Path.of("../samples/fashion_mnist-test0000-ankle_boot.png")));
            assertEquals(c.best().getClassName(), "Ankle boot");
        }
        Criteria<NDList, NDList> noFilters = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_l")
                .build();
        try (ZooModel<NDList, NDList> model = noFilters.loadModel()) {
            String name = model.getProperty("model");
            assertTrue(DlaWeights.of(ModelName.parse(name)).isPresent(), "no filters: shipped weights first, not " + name);
        }
    }

    @DataProvider
    public static Object[][] shippedWeights() {
        return Arrays.stream(DlaWeights.values()).map(w -> new Object[] {w}).toArray(Object[][]::new);
    }

    /** Every weight set of {@link DlaWeights}: its file in the jar, its checksum, its metadata through DJL. */
    @Test(dataProvider = "shippedWeights")
    public void everyShippedWeightSetIsItsFileAndLoadsWithItsMetadata(DlaWeights weights) throws Exception {
        Path shipped = Path.of("src/main/resources/ai/dla/zoo/weights", weights.getFileName());
        assertEquals(DlaModelLoader.sha1(shipped), weights.getSha1(), shipped.toString());
        assertEquals(Files.size(shipped), weights.getSize(), shipped.toString());
        assertEquals(entry(weights.getModel()).weights(), ZooEntry.Availability.SHIPPED);
        DlaWeights.Provenance p = weights.getProvenance();
        assertTrue(p.bestTop1() >= weights.getTop1() && p.bestEpoch() <= p.epochs(), weights + ": " + p);
        try (ZooModel<NDList, NDList> model = DlaModelZoo.criteria(weights.getModel(), NDList.class, NDList.class)
                .build().loadModel()) {
            assertEquals(model.getProperty("model"), weights.getModel().toString());
            assertEquals(Double.parseDouble(model.getProperty("top1")), weights.getTop1());
            assertEquals(Double.parseDouble(model.getProperty("top5")), weights.getTop5());
            assertEquals(Integer.parseInt(model.getProperty("bestEpoch")), p.bestEpoch());
            assertEquals(Long.parseLong(model.getProperty("parameters")), Catalog.parameters(weights.getModel()));
        }
    }

    /** The README's "Pretrained weights" table has a row for every weight set, with its accuracies. */
    @Test(dataProvider = "shippedWeights")
    public void theReadmeTableListsEveryShippedWeightSet(DlaWeights weights) throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String row = readme.lines().filter(l -> l.startsWith("| `" + weights.getModel() + "` |")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md's Pretrained weights table has no row for "
                        + weights.getModel()));
        for (double accuracy : new double[] {weights.getTop1(), weights.getTop5()}) {
            String figure = String.format(Locale.ROOT, "| %.2f%% |", accuracy);
            assertTrue(row.contains(figure), "README.md's row should give " + figure + ": " + row);
        }
    }

    @Test
    public void untrainedNetworkOfAnyArtifactClassifiesImagesOfAnySize() throws Exception {
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_b")
                .optFilter("layers", "20")
                .optFilter("dataset", "cifar100")
                .optArgument("pretrained", "false")
                .build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            assertTrue(model.getBlock() instanceof DlaResNet);
            assertEquals(((DlaResNet) model.getBlock()).getConfig().classes(), 100);
            Classifications c = predictor.predict(randomImage(57, 41));
            assertEquals(c.getClassNames().size(), 100);
            assertTrue(c.getClassNames().contains("aquarium_fish"));
            double total = c.getProbabilities().stream().mapToDouble(Double::doubleValue).sum();
            assertEquals(total, 1.0, 1e-4);
            assertEquals(c.topK(5).size(), 5);
        }
    }

    @Test
    public void untrainedTensorModelTakesNormalisedBatches() throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("resnet")
                .optFilter("layers", "20")
                .optFilter("dataset", "fashion_mnist")
                .optArgument("pretrained", false)
                .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = predictor.predict(new NDList(manager.randomNormal(new Shape(3, 1, 28, 28)))).head();
            assertEquals(logits.getShape(), new Shape(3, 10));
        }
    }

    @Test
    public void missingWeightsSayHowToGetThem() {
        Criteria<Image, Classifications> criteria = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_l")
                .optFilter("layers", "56")
                .optFilter("dataset", "cifar10")
                .build();
        WeightsNotAvailableException e = expectThrows(WeightsNotAvailableException.class, criteria::loadModel);
        for (String hint : List.of("dla_l-56-cifar10", "dla train", "dla import", DlaModelZoo.REPOSITORY_PROPERTY,
                DlaModelZoo.REPOSITORY_ENV, "\"pretrained\", \"false\"")) {
            assertTrue(e.getMessage().contains(hint), "missing '" + hint + "' in: " + e.getMessage());
        }
    }

    @Test
    public void unknownFiltersListTheValidOnes() {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId("dla_l")
                .optFilter("layers", "33")
                .build();
        ModelNotFoundException e = expectThrows(ModelNotFoundException.class, criteria::loadModel);
        String message = e.getCause().getMessage();
        assertTrue(message.contains("dataset=cifar10 with layers 20, 56, 110"), message);
        assertTrue(message.contains("dataset=imagenet with layers 50, 101"), message);
    }

    @Test
    public void weightsFromAFolderRepositoryLoadWithTheirOutputsAndAreCheckedBySha1() throws Exception {
        ModelName name = ModelName.parse("dla_l-56-cifar10");
        Path root = Files.createTempDirectory("dla-repo");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(2, 3, 32, 32));
            float[] expected = publishRandomModel(name, root, x);
            System.setProperty(DlaModelZoo.REPOSITORY_PROPERTY, root.toUri().toString());
            assertEquals(entry(name).weights(), ZooEntry.Availability.REPOSITORY);
            assertEquals(load(name, x), expected);

            Path cached = CachedWeights.parameters(name);
            Files.write(cached, new byte[] {1, 2, 3});
            assertEquals(load(name, x), expected, "a damaged cached copy is fetched again");

            Path published = root.resolve("model/cv/image_classification/ai/dla/zoo/dla_l/" + name + "/"
                    + name + "-0000.params");
            byte[] bytes = Files.readAllBytes(published);
            bytes[bytes.length - 1] ^= 0x55;
            Files.write(published, bytes);
            Utils.deleteQuietly(cached.getParent());
            IOException e = expectThrows(IOException.class, () -> load(name, x));
            assertTrue(e.getMessage().contains("sha1"), e.getMessage());
        }
    }

    @Test
    public void weightsFromAnHttpRepositoryDownloadIntoDjlsCache() throws Exception {
        ModelName name = ModelName.parse("mrla_l-20-fashion_mnist");
        Path root = Files.createTempDirectory("dla-http");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            boolean found = file.startsWith(root) && Files.isRegularFile(file);
            byte[] body = found ? Files.readAllBytes(file) : new byte[0];
            exchange.sendResponseHeaders(found ? 200 : 404, found ? body.length : -1);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(2, 1, 28, 28));
            float[] expected = publishRandomModel(name, root, x);
            System.setProperty(DlaModelZoo.REPOSITORY_PROPERTY,
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/");
            assertEquals(load(name, x), expected);
            assertTrue(Files.isRegularFile(CachedWeights.parameters(name)), "downloaded into DJL's cache");
        } finally {
            server.stop(0);
        }
    }

    private static float[] publishRandomModel(ModelName name, Path root, NDArray x) throws Exception {
        Utils.deleteQuietly(CachedWeights.variantDirectory(name));
        Path dir = Files.createTempDirectory("dla-model");
        try (Model model = Model.newInstance(name.toString(), "PyTorch")) {
            DlaResNet net = name.builder().build();
            int size = name.dataset().getImageSize();
            net.initialize(model.getNDManager(), DataType.FLOAT32,
                    new Shape(1, name.dataset().getChannels(), size, size));
            model.setBlock(net);
            ModelDirectory.write(dir, model, name, Map.of());
            assertEquals(WeightsRepository.publish(root, dir, false), name);
            return net.forward(new ParameterStore(x.getManager(), false), new NDList(x), false).head().toFloatArray();
        }
    }

    private static float[] load(ModelName name, NDArray x) throws Exception {
        Criteria<NDList, NDList> criteria = DlaModelZoo.criteria(name, NDList.class, NDList.class).build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            return predictor.predict(new NDList(x)).head().toFloatArray();
        }
    }

    private static ZooEntry entry(ModelName name) {
        return DlaModelZoo.list().stream().filter(e -> e.model().equals(name)).findFirst().orElseThrow();
    }


    private static Image randomImage(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return ImageFactory.getInstance().fromImage(image);
    }
}
