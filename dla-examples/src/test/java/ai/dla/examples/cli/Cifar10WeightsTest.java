package ai.dla.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.dla.examples.data.TrainingData;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.DlaWeights;
import ai.dla.zoo.ModelName;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.training.dataset.RandomAccessDataset;

import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped CIFAR-10 weights on the real CIFAR-10 test batch, where the official binary release
 * is beside the repository ({@code ../shared/data/cifar-10-batches-bin}, as in CI; another folder
 * with {@code -Ddla.cifar10.dir}): each model's top-1 over the 10,000 images is the one its
 * metadata records, to the image, and images given to a {@code Criteria} get the classes the
 * tensor path computes.
 */
public class Cifar10WeightsTest {

    private static final Path DATA =
            Path.of(System.getProperty("dla.cifar10.dir", "../../shared/data/cifar-10-batches-bin"));
    private static final int RECORD = 1 + 3 * 32 * 32;
    private static final int IMAGES = 64;

    @DataProvider
    public static Object[][] shipped() {
        Object[][] rows = Arrays.stream(DlaWeights.values())
                .filter(w -> w.getModel().dataset() == DatasetProfile.CIFAR10)
                .map(w -> new Object[] {w})
                .toArray(Object[][]::new);
        assertTrue(rows.length > 0, "no CIFAR-10 weights ship in the dla-zoo jar");
        return rows;
    }

    @Test(dataProvider = "shipped")
    public void theWholeTestBatchGivesTheRecordedTop1ToTheImage(DlaWeights weights) {
        requireData();
        CliRun r = CliRun.of("eval", "--model", weights.getModel().toString(), "--data-dir", DATA.toString());
        assertEquals(r.status(), 0, r.err());
        Matcher m = Pattern.compile("\\((\\d+) images\\): top-1 (\\d+\\.\\d+)% top-5 (\\d+\\.\\d+)%").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(Integer.parseInt(m.group(1)), 10_000);
        assertEquals(images(m.group(2)), images(weights.getTop1()), "correct top-1 images: " + r.out());
        assertEquals(images(m.group(3)), images(weights.getTop5()), "correct top-5 images: " + r.out());
    }

    /**
     * The first test images as a user hands them to DJL (an {@link Image} of the 32×32 RGB pixels)
     * go through the zoo's translator to the classes and probabilities that the evaluation's tensors
     * (the training pipeline's test transform) give.
     */
    @Test(dataProvider = "shipped")
    public void imagesThroughCriteriaGetTheClassesOfTheTensorPath(DlaWeights weights) throws Exception {
        requireData();
        ModelName name = weights.getModel();
        List<String> synset = DatasetProfile.CIFAR10.getClassNames();
        Criteria<Image, Classifications> images = Criteria.builder()
                .setTypes(Image.class, Classifications.class)
                .optGroupId(DlaModelZoo.GROUP_ID)
                .optArtifactId(name.variant().getId())
                .optFilter("layers", String.valueOf(name.depth()))
                .optFilter("dataset", "cifar10")
                .build();
        Criteria<NDList, NDList> tensors = DlaModelZoo.criteria(name, NDList.class, NDList.class).build();
        ExecutorService loader = TrainingData.loader();
        try (ZooModel<Image, Classifications> imageModel = images.loadModel();
                Predictor<Image, Classifications> imagePredictor = imageModel.newPredictor();
                ZooModel<NDList, NDList> tensorModel = tensors.loadModel();
                Predictor<NDList, NDList> tensorPredictor = tensorModel.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            assertEquals(imageModel.getProperty("model"), name.toString());
            List<Classifications> answers = imagePredictor.batchPredict(readImages());
            RandomAccessDataset test =
                    TrainingData.build(DatasetProfile.CIFAR10, DATA, Usage.TEST, IMAGES, 0, 1, manager);
            try (Batch batch = test.getData(manager, loader).iterator().next()) {
                NDArray probabilities = tensorPredictor.predict(batch.getData()).head().softmax(1);
                long[] classes = probabilities.argMax(1).toLongArray();
                float[] best = probabilities.max(new int[] {1}).toFloatArray();
                for (int i = 0; i < IMAGES; i++) {
                    Classifications.Classification top = answers.get(i).best();
                    assertEquals(top.getClassName(), synset.get((int) classes[i]), "test image " + i);
                    assertEquals(top.getProbability(), best[i], 1e-5, "test image " + i);
                }
            }
        } finally {
            loader.shutdownNow();
        }
    }

    /**
     * Without {@code --data-dir}, {@code dla eval} asks DJL for its CIFAR-10 download; where that
     * fails (no network), the message says where the release is and which flag takes it. The test
     * points DJL's HTTPS at a proxy on a closed local port, so nothing leaves the machine.
     */
    @Test
    public void withoutTheReleaseAndWithoutNetworkEvalSaysWhereToGetIt() {
        Map<String, String> proxy = Map.of("https.proxyHost", "127.0.0.1", "https.proxyPort", "9",
                "http.proxyHost", "127.0.0.1", "http.proxyPort", "9");
        proxy.forEach(System::setProperty);
        try {
            CliRun r = CliRun.of("eval", "--model", "resnet-20-cifar10", "--max-batches", "1");
            assertEquals(r.status(), 1, r.out() + r.err());
            assertTrue(r.err().startsWith("dla eval: Cannot download CIFAR-10 from DJL's repository"), r.err());
            assertTrue(r.err().contains(TrainingData.CIFAR10_RELEASE) && r.err().contains("--data-dir"), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        } finally {
            proxy.keySet().forEach(System::clearProperty);
        }
    }

    private static void requireData() {
        if (!Files.isRegularFile(DATA.resolve("test_batch.bin"))) {
            throw new SkipException("no CIFAR-10 binary release at " + DATA.toAbsolutePath()
                    + " (test_batch.bin): the shipped CIFAR-10 weights are checked where it is, as in CI;"
                    + " give another folder with -Ddla.cifar10.dir");
        }
    }

    /** The first test images as RGB images, from the release's records: a label byte, then the R, G and B planes. */
    private static List<Image> readImages() throws IOException {
        List<Image> images = new ArrayList<>();
        try (InputStream in = Files.newInputStream(DATA.resolve("test_batch.bin"))) {
            for (int i = 0; i < IMAGES; i++) {
                byte[] record = in.readNBytes(RECORD);
                assertEquals(record.length, RECORD, "test_batch.bin ends early");
                BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                int[] rgb = new int[32 * 32];
                for (int p = 0; p < rgb.length; p++) {
                    int r = record[1 + p] & 0xff;
                    int g = record[1 + 1024 + p] & 0xff;
                    int b = record[1 + 2048 + p] & 0xff;
                    rgb[p] = r << 16 | g << 8 | b;
                }
                image.setRGB(0, 0, 32, 32, rgb, 0, 32);
                images.add(ImageFactory.getInstance().fromImage(image));
            }
        }
        return images;
    }

    /** The number of images a percentage of the 10,000 stands for. */
    private static long images(double percent) {
        return Math.round(percent * 100);
    }

    private static long images(String printedPercent) {
        return images(Double.parseDouble(printedPercent));
    }
}
