package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.dla.importer.CheckpointImporter;
import ai.dla.network.DlaResNet;
import ai.dla.stage.ContextMode;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.util.Locale;

/**
 * Architecture spec, section 3, context mode: with per-sample context (the default) an image's
 * prediction does not depend on the rest of its batch; with the published sample-zero context every
 * image reads image 0's context, so its prediction does, while image 0 itself is unaffected.
 */
public class ContextModeTest {

    /** Same computation on a different batch: float noise only. */
    private static final double SAME = 1e-5;
    /**
     * A real change of the function: 1e-4 of the largest logit, the golden tolerance, against float
     * noise of about 2e-7.
     */
    private static final double CHANGED = 1e-4;
    private static final Shape BATCH = new Shape(4, 3, 32, 32);

    private NDManager manager;

    @BeforeMethod
    public void setUp() {
        manager = NDManager.newBaseManager();
        Engine.getInstance().setRandomSeed(1234);
    }

    @AfterMethod
    public void tearDown() {
        manager.close();
    }

    @DataProvider
    public Object[][] models() {
        return new Object[][] {{"dla_l-20-cifar10"}, {"dla_b-20-cifar10"}};
    }

    @Test(dataProvider = "models")
    public void perSampleLogitsIgnoreTheOtherImagesOfTheBatch(String model) {
        DlaResNet net = randomNet(model);
        assertEquals(net.getConfig().contextMode(), ContextMode.PER_SAMPLE, "per-sample is the default");
        NDArray images = manager.randomNormal(BATCH);
        NDArray others = unlike(images);
        NDArray logits = TestNets.eval(net, images, manager);

        NDArray image1AmongOthers = batch(row(others, 0), row(images, 1), row(others, 2), row(others, 3));
        NDArray amongOthers = TestNets.eval(net, image1AmongOthers, manager);
        assertSame(row(amongOthers, 1), row(logits, 1), model + " image 1, other images replaced");
        assertSame(TestNets.eval(net, row(images, 1), manager), row(logits, 1), model + " image 1 alone vs in the batch of four");
        assertSame(TestNets.eval(net, row(images, 3), manager), row(logits, 3), model + " image 3 alone vs in the batch of four");
    }

    @Test(dataProvider = "models")
    public void sampleZeroLogitsDependOnImageZeroButImageZeroIsUnchanged(String model) {
        DlaResNet net = randomNet(model);
        NDArray images = manager.randomNormal(BATCH);
        NDArray mixed = batch(row(unlike(images), 0), row(images, 1), row(images, 2), row(images, 3));
        NDArray perSample = TestNets.eval(net, mixed, manager);

        net.setContextMode(ContextMode.SAMPLE_ZERO);
        NDArray sampleZero = TestNets.eval(net, mixed, manager);
        NDArray original = TestNets.eval(net, images, manager);

        assertSame(row(sampleZero, 0), row(perSample, 0), model + " image 0 reads its own context in both modes");
        assertChanged(sampleZero.get("1:4"), perSample.get("1:4"), model + " images 1-3 read image 0's context");
        assertChanged(row(sampleZero, 1), row(original, 1), model + " image 1 after replacing image 0");
        assertSame(TestNets.eval(net, row(images, 1), manager), row(perSample, 1), model + " a batch of one is its own image 0");
    }

    @Test
    public void publishedWeightsArePerSampleBatchIndependent() throws IOException {
        Golden g = Golden.read("cifar10-dla_l-20.npz", manager);
        DlaResNet net = TestNets.builder("dla_l-20-cifar10").build();
        CheckpointImporter.load(net, g.weights(), manager);
        NDArray images = g.get("input");
        NDArray perSample = g.get("logits_eval_per_sample");
        NDArray sampleZero = g.get("logits_eval");

        assertSame(row(sampleZero, 0), row(perSample, 0), "golden: image 0 is the same in both modes");
        assertChanged(sampleZero.get("1:4"), perSample.get("1:4"), "golden: images 1-3 differ between the modes");
        NDArray reversed = TestNets.eval(net, batch(row(images, 3), row(images, 2), row(images, 1), row(images, 0)), manager);
        for (int i = 0; i < 4; i++) {
            NDArray alone = TestNets.eval(net, row(images, i), manager);
            assertTrue(
                    Golden.relativeError(alone, row(perSample, i)) <= 1e-4,
                    "image " + i + " alone reproduces its golden per-sample logits");
            assertSame(row(reversed, 3 - i), alone, "image " + i + " at position " + (3 - i) + " of a reversed batch");
        }
    }

    private DlaResNet randomNet(String model) {
        DlaResNet net = TestNets.builder(model).build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        TestNets.randomiseBatchNormStatistics(net, 42);
        return net;
    }

    /** Images of another brightness and contrast, so that their context differs clearly. */
    private NDArray unlike(NDArray images) {
        return manager.randomNormal(images.getShape()).mul(5).add(2);
    }

    private static NDArray row(NDArray batch, int index) {
        return batch.get(index + ":" + (index + 1));
    }

    private static NDArray batch(NDArray... rows) {
        return NDArrays.concat(new NDList(rows), 0);
    }

    private static void assertSame(NDArray actual, NDArray expected, String what) {
        assertEquals(actual.getShape(), expected.getShape(), what + " shape");
        double err = Golden.relativeError(actual, expected);
        assertTrue(err <= SAME, String.format(Locale.ROOT, "%s: relative difference %.2e > %.0e", what, err, SAME));
    }

    private static void assertChanged(NDArray actual, NDArray expected, String what) {
        double err = Golden.relativeError(actual, expected);
        System.out.printf(Locale.ROOT, "context %-70s rel.diff %.2e (> %.0e)%n", what, err, CHANGED);
        assertTrue(err > CHANGED, String.format(Locale.ROOT, "%s: relative difference %.2e <= %.0e", what, err, CHANGED));
    }
}
