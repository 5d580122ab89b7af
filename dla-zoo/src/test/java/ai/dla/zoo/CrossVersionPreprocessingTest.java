package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;

import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.imageio.ImageIO;

/**
 * The same image files give the same model input and the same probabilities on every supported
 * DJL (0.25 with PyTorch 2.0.1, 0.36 with PyTorch 2.7.1: {@code mvn verify} and {@code mvn verify
 * -Pdjl-0.36} each run this test).
 *
 * <ul>
 *   <li>The preprocessed arrays, for grayscale and colour files larger and smaller than the
 *       model's size, against this test's own resize in double precision (PIL's antialiased
 *       bilinear filter, as {@link BilinearResize}), DJL's reading of the pixels and the dataset's
 *       normalisation: within 1e-5 on every DJL. DJL's own {@code Resize} fails it on both (0.25
 *       does not antialias, 0.36 rounds to uint8).
 *   <li>The shipped Fashion-MNIST model's ten probabilities of each file, through {@code
 *       Criteria}, against those recorded on the default build ({@value #RECORDED}): within 5e-6,
 *       so that two builds agree within 1e-5. {@code -Ddla.crossVersion.record=true} on the
 *       default build writes that file again (only after a deliberate change to the model or its
 *       preprocessing).
 * </ul>
 */
public class CrossVersionPreprocessingTest {

    private static final String RECORDED = "src/test/resources/cross-version/dla_l-20-fashion_mnist.tsv";
    private static final ModelName MODEL = ModelName.parse("dla_l-20-fashion_mnist");
    private static final double INPUT_TOLERANCE = 1e-5;
    private static final double PROBABILITY_TOLERANCE = 5e-6;
    private static final int IMAGENET_RESIZE = 256;

    private final Map<String, Path> images = new LinkedHashMap<>();

    @BeforeClass
    public void writeImages() throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "cross-version"));
        images.put("colour-45x37.png", write(dir, "colour-45x37.png", 45, 37, BufferedImage.TYPE_INT_RGB));
        images.put("colour-20x13.png", write(dir, "colour-20x13.png", 20, 13, BufferedImage.TYPE_INT_RGB));
        images.put("grey-50x61.png", write(dir, "grey-50x61.png", 50, 61, BufferedImage.TYPE_BYTE_GRAY));
        images.put("grey-17x17.png", write(dir, "grey-17x17.png", 17, 17, BufferedImage.TYPE_BYTE_GRAY));
        images.put("grey-28x28.png", write(dir, "grey-28x28.png", 28, 28, BufferedImage.TYPE_BYTE_GRAY));
        images.put("colour-300x260.png", write(dir, "colour-300x260.png", 300, 260, BufferedImage.TYPE_INT_RGB));
    }

    @Test
    public void everyDatasetsInputMatchesAnIndependentResize() throws IOException {
        for (DatasetProfile dataset : List.of(DatasetProfile.FASHION_MNIST, DatasetProfile.CIFAR10, DatasetProfile.IMAGENET)) {
            Preprocessing preprocessing = new Preprocessing(dataset);
            for (Map.Entry<String, Path> file : images.entrySet()) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    Image image = ImageFactory.getInstance().fromFile(file.getValue());
                    NDArray pixels = image.toNDArray(manager, preprocessing.flag());
                    NDArray input = preprocessing.pipeline(true).transform(new NDList(pixels)).singletonOrThrow();
                    double[][][] expected = expected(ImageIO.read(file.getValue().toFile()), dataset);
                    int size = dataset.getImageSize();
                    assertEquals(input.getShape().getShape(), new long[] {dataset.getChannels(), size, size},
                            file.getKey() + " for " + dataset);
                    float[] actual = input.toFloatArray();
                    double worst = 0;
                    for (int c = 0; c < expected.length; c++) {
                        for (int y = 0; y < size; y++) {
                            for (int x = 0; x < size; x++) {
                                worst = Math.max(worst, Math.abs(actual[(c * size + y) * size + x] - expected[c][y][x]));
                            }
                        }
                    }
                    assertTrue(worst <= INPUT_TOLERANCE, file.getKey() + " for " + dataset + ": the input is "
                            + worst + " from the independent resize");
                }
            }
        }
    }

    @Test
    public void theShippedModelGivesTheRecordedProbabilities() throws Exception {
        Map<String, double[]> probabilities = new LinkedHashMap<>();
        try (ZooModel<Path, Classifications> model =
                        DlaModelZoo.criteria(MODEL, Path.class, Classifications.class).build().loadModel();
                Predictor<Path, Classifications> predictor = model.newPredictor()) {
            for (Map.Entry<String, Path> file : images.entrySet()) {
                Classifications c = predictor.predict(file.getValue());
                List<String> names = DatasetProfile.FASHION_MNIST.getClassNames();
                double[] p = new double[names.size()];
                for (int k = 0; k < p.length; k++) {
                    p[k] = c.get(names.get(k)).getProbability();
                }
                probabilities.put(file.getKey(), p);
            }
        }
        Path recorded = Path.of(RECORDED);
        if (Boolean.getBoolean("dla.crossVersion.record")) {
            Files.createDirectories(recorded.getParent());
            List<String> lines = new ArrayList<>();
            probabilities.forEach((name, p) -> {
                StringBuilder line = new StringBuilder(name);
                for (double v : p) {
                    line.append('\t').append(String.format(Locale.ROOT, "%.9f", v));
                }
                lines.add(line.toString());
            });
            Files.write(recorded, lines, StandardCharsets.UTF_8);
        }
        List<String> lines = Files.readAllLines(recorded, StandardCharsets.UTF_8);
        assertEquals(lines.size(), probabilities.size(), RECORDED);
        for (String line : lines) {
            String[] fields = line.split("\t");
            double[] p = probabilities.get(fields[0]);
            assertEquals(fields.length - 1, p.length, line);
            for (int k = 0; k < p.length; k++) {
                assertEquals(p[k], Double.parseDouble(fields[k + 1]), PROBABILITY_TOLERANCE,
                        fields[0] + ", class " + k + ", against " + RECORDED);
            }
        }
    }

    /** A deterministic picture with edges and gradients, so that resizing it matters. */
    private static Path write(Path dir, String name, int width, int height, int type) throws IOException {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = (37 * x + 91 * y + (x * y % 17) * 11) & 0xff;
                int g = (13 * x * x + 7 * y + 101) & 0xff;
                int b = ((x / 4 + y / 3) % 2 == 0 ? 230 : 20) ^ (5 * y);
                image.getRaster().setPixel(x, y, type == BufferedImage.TYPE_BYTE_GRAY
                        ? new int[] {r} : new int[] {r, g, b & 0xff});
            }
        }
        Path file = dir.resolve(name);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    /** The model input in double precision: DJL's pixels, resized bilinearly, scaled and normalised. */
    private static double[][][] expected(BufferedImage image, DatasetProfile dataset) {
        double[][][] pixels = pixels(image, dataset.getChannels());
        int size = dataset.getImageSize();
        double[][][] resized;
        if (dataset == DatasetProfile.IMAGENET) {
            int h = pixels[0].length;
            int w = pixels[0][0].length;
            int newH = h <= w ? IMAGENET_RESIZE : (int) Math.round((double) IMAGENET_RESIZE * h / w);
            int newW = w <= h ? IMAGENET_RESIZE : (int) Math.round((double) IMAGENET_RESIZE * w / h);
            double[][][] shorter = resize(pixels, newH, newW);
            resized = new double[pixels.length][size][size];
            int top = (newH - size) / 2;
            int left = (newW - size) / 2;
            for (int c = 0; c < pixels.length; c++) {
                for (int y = 0; y < size; y++) {
                    System.arraycopy(shorter[c][top + y], left, resized[c][y], 0, size);
                }
            }
        } else {
            resized = resize(pixels, size, size);
        }
        for (int c = 0; c < resized.length; c++) {
            for (double[] row : resized[c]) {
                for (int x = 0; x < row.length; x++) {
                    row[x] = (row[x] / 255 - dataset.getMean()[c]) / dataset.getStd()[c];
                }
            }
        }
        return resized;
    }

    /** The pixels as DJL reads them: a gray raster's values as they are (in every channel), luma of colour for gray. */
    private static double[][][] pixels(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        double[][][] out = new double[channels][h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
                    for (int c = 0; c < channels; c++) {
                        out[c][y][x] = image.getRaster().getSample(x, y, 0);
                    }
                    continue;
                }
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels == 1) {
                    out[0][y][x] = Math.round(0.299f * r + 0.587f * g + 0.114f * b);
                } else {
                    out[0][y][x] = r;
                    out[1][y][x] = g;
                    out[2][y][x] = b;
                }
            }
        }
        return out;
    }

    /**
     * PIL's bilinear resize ({@code Image.resize(BILINEAR)}, a triangle filter widened by the
     * reduction factor), written out pixel by pixel in double precision.
     */
    private static double[][][] resize(double[][][] in, int height, int width) {
        double[][][] rows = new double[in.length][height][];
        for (int c = 0; c < in.length; c++) {
            for (int y = 0; y < height; y++) {
                rows[c][y] = new double[in[c][0].length];
                for (int x = 0; x < rows[c][y].length; x++) {
                    rows[c][y][x] = filtered(in[c], in[c].length, height, y, x, true);
                }
            }
        }
        double[][][] out = new double[in.length][height][width];
        for (int c = 0; c < in.length; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    out[c][y][x] = filtered(rows[c], rows[c][0].length, width, x, y, false);
                }
            }
        }
        return out;
    }

    /** One output pixel along one axis: the normalised triangle-weighted sum of the source pixels. */
    private static double filtered(double[][] plane, int in, int out, int i, int other, boolean alongRows) {
        double scale = (double) in / out;
        double support = Math.max(scale, 1);
        double centre = (i + 0.5) * scale;
        double sum = 0;
        double total = 0;
        for (int j = 0; j < in; j++) {
            double w = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
            sum += w * (alongRows ? plane[j][other] : plane[other][j]);
            total += w;
        }
        return sum / total;
    }
}
