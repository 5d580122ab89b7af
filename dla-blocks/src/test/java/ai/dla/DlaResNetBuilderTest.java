package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.cell.CellType;
import ai.dla.network.DlaResNet;
import ai.dla.network.Layout;
import ai.dla.network.Variant;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.testng.Assert.ThrowingRunnable;
import org.testng.annotations.Test;

/**
 * Invalid settings, model names and inputs are refused with an {@link IllegalArgumentException}
 * that names the bad value and what would have been valid.
 */
public class DlaResNetBuilderTest {

    private static final String VARIANTS = "resnet, mrla_l, dla_l, dla_b, lii";

    @Test
    public void cifarDepthMustBeNinePlusTwo() {
        assertRefused(
                () -> DlaResNet.builder().setVariant(Variant.DLA_L).setDepth(21).setClasses(10).build(),
                "21", "9n + 2", "20", "56", "110");
    }

    @Test
    public void imagenetDepthMustBe50Or101() {
        assertRefused(
                () -> DlaResNet.builder()
                        .setVariant(Variant.DLA_L)
                        .setDepth(34)
                        .setClasses(1000)
                        .optLayout(Layout.IMAGENET)
                        .build(),
                "34", "50", "101");
    }

    @Test
    public void classesMustBePositive() {
        assertRefused(
                () -> DlaResNet.builder().setVariant(Variant.DLA_L).setDepth(20).setClasses(0).build(),
                "got 0", "positive");
    }

    @Test
    public void variantIsRequired() {
        assertRefused(() -> DlaResNet.builder().setDepth(20).setClasses(10).build(), "No variant", VARIANTS);
    }

    @Test
    public void cellChoiceNeedsAVariantWithACell() {
        assertRefused(
                () -> DlaResNet.builder()
                        .setVariant(Variant.RESNET)
                        .setDepth(20)
                        .setClasses(10)
                        .optCell(CellType.LSTM)
                        .build(),
                "resnet", "LSTM", "dla_l, dla_b and lii");
    }

    @Test
    public void aCopyWithAnotherLayoutGetsThatLayoutsReduction() {
        DlaResNet cifar = TestNets.builder("dla_l-20-cifar10").build();
        DlaResNet imagenet = cifar.toBuilder().optLayout(Layout.IMAGENET).setDepth(50).build();
        assertEquals(cifar.getConfig().reductionRatio(), 4);
        assertEquals(imagenet.getConfig().reductionRatio(), 16);
        DlaResNet set = cifar.toBuilder().optReduction(8).build().toBuilder().optLayout(Layout.IMAGENET).setDepth(50)
                .build();
        assertEquals(set.getConfig().reductionRatio(), 8, "a ratio that was set is kept");
    }

    @Test
    public void channelsLastImagesAreRefusedBeforeTheEngineRuns() {
        DlaResNet net = TestNets.builder("dla_l-20-cifar10").build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList nhwc = new NDList(manager.zeros(new Shape(2, 32, 32, 3)));
            assertRefused(
                    () -> net.forward(new ParameterStore(manager, false), nhwc, true),
                    "[batch, 3, height, width]", "(2, 32, 32, 3)");
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertRefused(
                    () -> net.forward(new ParameterStore(manager, false), nhwc, false),
                    "[batch, 3, height, width]", "(2, 32, 32, 3)", "NHWC");
        }
    }

    @Test
    public void colourImagesAreRefusedByTheGrayscaleNetwork() {
        DlaResNet net = TestNets.builder("dla_l-20-fashion_mnist").build();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList colour = new NDList(manager.zeros(new Shape(1, 3, 28, 28)));
            assertRefused(
                    () -> net.forward(new ParameterStore(manager, false), colour, false),
                    "[batch, 1, height, width]", "(1, 3, 28, 28)");
        }
    }

    private static void assertRefused(ThrowingRunnable call, String... mentioned) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call);
        for (String text : mentioned) {
            assertTrue(e.getMessage().contains(text), "message names '" + text + "': " + e.getMessage());
        }
    }
}
