package ai.dla.network;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.Arrays;
import java.util.Locale;

/**
 * A network seen as a backbone: a block whose forward pass returns {@link
 * DlaResNet#forwardFeatures} (the pooled embedding) or {@link DlaResNet#forwardFeatureMaps} (each
 * stage's map) instead of the logits, for a DJL {@code Predictor}. It shares the network's
 * parameters; save and load the network itself, not this view.
 */
public final class FeatureExtractor extends AbstractBlock {

    private static final byte VERSION = 1;

    /** What the view returns. */
    public enum Output {
        /** {@code NDList(embedding)} [B, C], C = {@link DlaResNet#getFeatureSize()}. */
        EMBEDDING,
        /** One map per stage, [B, C_s, H_s, W_s]. */
        FEATURE_MAPS;

        /**
         * Returns the name used in arguments.
         *
         * @return {@code embedding} or {@code feature_maps}
         */
        public String getId() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final DlaResNet net;
    private final Output output;

    /**
     * Creates the view.
     *
     * @param net the network
     * @param output what the view returns
     */
    public FeatureExtractor(DlaResNet net, Output output) {
        super(VERSION);
        this.net = addChildBlock("net", net);
        this.output = output;
    }

    /**
     * Returns the network.
     *
     * @return the network whose features this view returns
     */
    public DlaResNet getNetwork() {
        return net;
    }

    /**
     * Returns what the view returns.
     *
     * @return the output
     */
    public Output getOutput() {
        return output;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return output == Output.EMBEDDING
                ? net.forwardFeatures(ps, inputs, training)
                : net.forwardFeatureMaps(ps, inputs, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        if (output == Output.EMBEDDING) {
            return new Shape[] {new Shape(batch, net.getFeatureSize())};
        }
        Shape[] shapes = net.featureShapes(inputShapes[0]);
        return Arrays.copyOfRange(shapes, 1, shapes.length);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        net.initialize(manager, dataType, inputShapes);
    }
}
