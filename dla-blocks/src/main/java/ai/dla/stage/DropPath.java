package ai.dla.stage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Stochastic depth on a residual branch: in training, each sample's branch is kept with probability
 * 1 - p and then divided by 1 - p; in inference it is the identity.
 */
public final class DropPath extends AbstractBlock {

    private static final byte VERSION = 1;

    private final float rate;

    /**
     * Creates the block.
     *
     * @param rate the drop probability p, in [0, 1)
     */
    public DropPath(float rate) {
        super(VERSION);
        this.rate = checkRate(rate);
    }

    /**
     * Checks a drop probability.
     *
     * @param rate the drop probability p
     * @return p
     * @throws IllegalArgumentException if p is not in [0, 1)
     */
    public static float checkRate(float rate) {
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("Drop-path rate must be in [0, 1), got " + rate);
        }
        return rate;
    }

    /**
     * Returns the drop probability.
     *
     * @return p
     */
    public float getRate() {
        return rate;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray mask = mask(x, training);
        return new NDList(mask == null ? x : x.mul(mask));
    }

    /**
     * Draws the per-sample mask of a training pass: 1 / (1 - p) for the samples kept, 0 for the
     * dropped, from the engine's random generator. The fused training kernel takes it from here, so
     * that both paths drop the same samples for the same seed; the draws are float32 whatever the
     * branch's type, so that a float64 copy of a network drops the same samples too.
     *
     * @param x the branch [B, ...]
     * @param training whether this is a training pass
     * @return the mask [B, 1, 1, 1], or null where nothing is dropped (inference, or p = 0)
     */
    public NDArray mask(NDArray x, boolean training) {
        if (!training || rate == 0f) {
            return null;
        }
        float keep = 1f - rate;
        Shape perSample = new Shape(x.getShape().get(0), 1, 1, 1);
        NDArray mask = x.getManager()
                .randomUniform(0f, 1f, perSample, DataType.FLOAT32, x.getDevice())
                .add(keep)
                .floor()
                .div(keep);
        return x.getDataType() == DataType.FLOAT32 ? mask : mask.toType(x.getDataType(), false);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
