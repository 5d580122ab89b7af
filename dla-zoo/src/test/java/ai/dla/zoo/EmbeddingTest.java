package ai.dla.zoo;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.network.DlaResNet;
import ai.dla.network.FeatureExtractor;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;

import org.testng.annotations.Test;

import java.nio.file.Path;
import java.util.List;

/**
 * The shipped weights as a backbone through DJL's Criteria: an image file to its embedding
 * ({@code float[]} or {@code NDList}) and to each stage's feature map, consistent with the
 * classifier's output for the same image.
 */
public class EmbeddingTest {

    private static final ModelName MODEL = ModelName.parse("dla_l-20-fashion_mnist");
    private static final Path BOOT = Path.of("../samples/fashion_mnist-test0000-ankle_boot.png");
    private static final Path COAT = Path.of("../samples/fashion_mnist-test0006-coat.png");

    @Test
    public void theEmbeddingThroughTheHeadGivesTheClassifiersProbabilities() throws Exception {
        float[] boot;
        float[] coat;
        try (ZooModel<Path, float[]> model = DlaModelZoo.criteria(MODEL, Path.class, float[].class).build().loadModel();
                Predictor<Path, float[]> predictor = model.newPredictor()) {
            assertTrue(model.getBlock() instanceof FeatureExtractor, "the block is the backbone view");
            List<float[]> both = predictor.batchPredict(List.of(BOOT, COAT));
            boot = both.get(0);
            coat = both.get(1);
            assertEquals(predictor.predict(BOOT), boot, 1e-5f, "one image or a batch of two give the same");
            DlaResNet net = ((FeatureExtractor) model.getBlock()).getNetwork();
            assertEquals(boot.length, net.getFeatureSize());
            try (NDManager manager = NDManager.newBaseManager();
                    ZooModel<Path, Classifications> classifier =
                            DlaModelZoo.criteria(MODEL, Path.class, Classifications.class).build().loadModel();
                    Predictor<Path, Classifications> classify = classifier.newPredictor()) {
                DlaResNet head = (DlaResNet) classifier.getBlock();
                NDArray logits = head.getHead().forward(new ParameterStore(manager, false),
                        new NDList(manager.create(boot).reshape(1, boot.length)), false).singletonOrThrow();
                float[] probabilities = logits.softmax(-1).toFloatArray();
                Classifications c = classify.predict(BOOT);
                assertEquals(c.best().getClassName(), "Ankle boot");
                int best = MODEL.dataset().getClassNames().indexOf("Ankle boot");
                assertEquals(probabilities[best], c.best().getProbability(), 1e-5);
            }
        }
        double cosine = dot(boot, coat) / Math.sqrt(dot(boot, boot) * dot(coat, coat));
        assertTrue(cosine < 0.999, "different images, different embeddings: cosine " + cosine);
    }

    @Test
    public void anNdListGivesTheEmbeddingOrEachStagesMap() throws Exception {
        try (ZooModel<Path, NDList> model = DlaModelZoo.criteria(MODEL, Path.class, NDList.class).build().loadModel();
                Predictor<Path, NDList> predictor = model.newPredictor();
                NDList embedding = predictor.predict(BOOT)) {
            assertEquals(embedding.singletonOrThrow().getShape(), new Shape(256));
        }
        try (ZooModel<Path, NDList> model = DlaModelZoo.criteria(MODEL, Path.class, NDList.class)
                        .optArgument(DlaTranslatorFactory.OUTPUT, "feature_maps").build().loadModel();
                Predictor<Path, NDList> predictor = model.newPredictor();
                NDList maps = predictor.predict(BOOT)) {
            assertEquals(maps.size(), 3);
            assertEquals(maps.get(0).getShape(), new Shape(64, 28, 28));
            assertEquals(maps.get(1).getShape(), new Shape(128, 14, 14));
            assertEquals(maps.get(2).getShape(), new Shape(256, 7, 7));
        }
    }

    @Test
    public void anOutputThatDoesNotFitTheTypesIsNamed() {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                () -> DlaModelZoo.criteria(MODEL, Path.class, float[].class)
                        .optArgument(DlaTranslatorFactory.OUTPUT, "feature_maps").build().loadModel());
        assertTrue(e.getMessage().contains("output=feature_maps does not fit Path to float[]"), e.getMessage());
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
