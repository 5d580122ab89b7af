package ai.dla;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.network.DlaResNet;
import ai.dla.network.FeatureExtractor;
import ai.dla.network.Layout;
import ai.dla.network.Variant;
import ai.dla.nn.FeatureMaps;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * The backbone outputs: each stage's map and the pooled embedding have the published shapes for
 * every variant and layout, and equal the corresponding slices of the full forward pass (the stem
 * and stages run one by one, the head applied to the embedding).
 */
public class FeaturesTest {

    private static final int BATCH = 2;

    @DataProvider
    public Object[][] networks() {
        List<Object[]> rows = new ArrayList<>();
        for (Variant v : Variant.values()) {
            rows.add(new Object[] {v, Layout.CIFAR, 20, 32, new long[] {64, 128, 256}, new long[] {32, 16, 8}});
            rows.add(new Object[] {v, Layout.IMAGENET, 50, 64, new long[] {256, 512, 1024, 2048},
                new long[] {16, 8, 4, 2}});
        }
        return rows.toArray(new Object[0][]);
    }

    @Test(dataProvider = "networks")
    public void featuresAreSlicesOfTheForwardPass(Variant variant, Layout layout, int depth, int side, long[] channels,
            long[] sides) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(3);
            DlaResNet net = DlaResNet.builder().setVariant(variant).setDepth(depth).setClasses(7).optLayout(layout)
                    .build();
            Shape input = new Shape(BATCH, 3, side, side);
            net.initialize(manager, DataType.FLOAT32, input);
            TestNets.randomiseBatchNormStatistics(net, 11);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.randomNormal(input);

            NDList maps = net.forwardFeatureMaps(ps, new NDList(x), false);
            assertEquals(maps.size(), channels.length);
            NDList expected = new NDList(FeatureMaps.channelsLast(x));
            expected = net.getStem().forward(ps, expected, false);
            for (int s = 0; s < maps.size(); s++) {
                assertEquals(maps.get(s).getShape(), new Shape(BATCH, channels[s], sides[s], sides[s]), "stage " + s);
                expected = net.getStages().get(s).forward(ps, expected, false);
                assertClose(maps.get(s), expected.head(), "stage " + s);
            }

            NDArray embedding = net.forwardFeatures(ps, new NDList(x), false).singletonOrThrow();
            assertEquals(embedding.getShape(), new Shape(BATCH, net.getFeatureSize()));
            assertEquals(net.getFeatureSize(), channels[channels.length - 1]);
            assertClose(embedding, FeatureMaps.gap(maps.get(maps.size() - 1)), "embedding");
            NDArray logits = net.forward(ps, new NDList(x), false).singletonOrThrow();
            assertClose(net.getHead().forward(ps, new NDList(embedding), false).singletonOrThrow(), logits, "logits");

            FeatureExtractor view = new FeatureExtractor(net, FeatureExtractor.Output.FEATURE_MAPS);
            Shape[] shapes = view.getOutputShapes(new Shape[] {input});
            for (int s = 0; s < shapes.length; s++) {
                assertEquals(shapes[s], maps.get(s).getShape());
            }
            assertClose(new FeatureExtractor(net, FeatureExtractor.Output.EMBEDDING).forward(ps, new NDList(x), false)
                    .singletonOrThrow(), embedding, "extractor");
        }
    }

    @Test
    public void featuresOfAnUninitialisedNetworkNameTheFix() {
        DlaResNet net = TestNets.builder("dla_l-20-cifar10").build();
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> net.forwardFeatures(
                    new ParameterStore(manager, false), new NDList(manager.zeros(new Shape(1, 3, 32, 32))), false));
            assertTrue(e.getMessage().contains("net.initialize("), e.getMessage());
        }
    }

    private static void assertClose(NDArray actual, NDArray expected, String what) {
        assertEquals(actual.getShape(), expected.getShape(), what);
        double error = actual.sub(expected).abs().max().getFloat() / (expected.abs().max().getFloat() + 1e-12);
        assertTrue(error < 1e-5, what + ": relative error " + error);
    }
}
