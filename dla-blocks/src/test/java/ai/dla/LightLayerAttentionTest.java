package ai.dla;

import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.dla.attention.LightLayerAttention;
import ai.dla.light.ShortcutUpdate;
import ai.dla.nn.FeatureMaps;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import org.testng.annotations.Test;

/**
 * Architecture spec, section 3: DLA-L hands the light layer attention its shortcut's gate d and the
 * shortcut update's depthwise kernel, and the attention folds λ (and in inference the BatchNorm)
 * into them. That must equal the attention applied to the updated shortcut õ = o ⊙ d + DW(o) that
 * {@link ShortcutUpdate} writes out, in training and in inference, and in either memory layout.
 */
public class LightLayerAttentionTest {

    private static final int BATCH = 4;
    private static final int CHANNELS = 64;
    private static final Shape MAP = new Shape(BATCH, CHANNELS, 6, 5);

    @Test
    public void foldedGateAndKernelEqualTheWrittenOutShortcut() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            LightLayerAttention attention = new LightLayerAttention(CHANNELS);
            attention.initialize(manager, DataType.FLOAT32, MAP, MAP);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray x = manager.randomNormal(MAP);
            NDArray o = manager.randomNormal(MAP);
            NDArray gate = manager.randomUniform(0, 1, new Shape(BATCH, CHANNELS));
            ShortcutUpdate update = new ShortcutUpdate(CHANNELS);
            update.initialize(manager, DataType.FLOAT32, MAP);
            NDArray kernel = update.kernel(ps, x.getDevice(), false);
            NDArray updated = update.forward(ps, new NDList(o, gate), false).head();
            NDArray gap = FeatureMaps.gap(x);
            for (int i = 0; i < 3; i++) { // running statistics away from their initial 0 and 1
                attention.forward(ps, new NDList(x.mul(i + 1), updated, gap.mul(i + 1)), true);
            }
            for (Pair<String, Parameter> p : attention.getParameters()) {
                if (p.getKey().contains("gamma") || p.getKey().contains("beta")) {
                    NDArray value = p.getValue().getArray();
                    value.addi(manager.randomNormal(value.getShape()));
                }
            }
            for (boolean training : new boolean[] {true, false}) {
                NDArray expected = attention.forward(ps, new NDList(x, updated, gap), training).head();
                for (boolean channelsLast : new boolean[] {false, true}) {
                    NDArray xi = channelsLast ? FeatureMaps.channelsLast(x) : x;
                    NDArray oi = channelsLast ? FeatureMaps.channelsLast(o) : o;
                    NDArray actual = attention.forwardUpdated(ps, xi, oi, gap, gate, kernel, training, null).head();
                    double error = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
                    assertTrue(error < 1e-5,
                            "training " + training + ", channels-last " + channelsLast + ": relative error " + error);
                }
            }
        }
    }

    @Test
    public void otherInputCountsAreRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            LightLayerAttention attention = new LightLayerAttention(CHANNELS);
            attention.initialize(manager, DataType.FLOAT32, MAP, MAP);
            NDArray x = manager.randomNormal(MAP);
            NDList inputs = new NDList(x, x, FeatureMaps.gap(x), manager.ones(new Shape(BATCH, CHANNELS)));
            IllegalArgumentException e =
                    expectThrows(
                            IllegalArgumentException.class,
                            () -> attention.forward(new ParameterStore(manager, false), inputs, false));
            assertTrue(e.getMessage().contains("NDList(x, o) or (x, o, gap), got 4 arrays"), e.getMessage());
        }
    }
}
