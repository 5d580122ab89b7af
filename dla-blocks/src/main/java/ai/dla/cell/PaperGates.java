package ai.dla.cell;

import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The paper's gate pre-activations {@code W2 · ReLU(W1 · [h, y])}: W1 (C/r × 2C) without bias, and
 * the three gate heads (input, forget, candidate; C/r -> C each, with bias) as one C/r -> 3C map.
 */
final class PaperGates extends AbstractBlock {

    private static final byte VERSION = 1;

    private final long channels;
    private final long hidden;
    private final Linear w1;
    private final Linear w2;

    PaperGates(long channels, long hidden) {
        super(VERSION);
        this.channels = channels;
        this.hidden = hidden;
        w1 = addChildBlock("w1", Layers.linear(2 * channels, hidden, false));
        w2 = addChildBlock("w2", Layers.linear(hidden, 3 * channels, true));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray y = inputs.get(0);
        NDArray h = inputs.get(1).broadcast(y.getShape());
        NDArray s = w1.forward(ps, new NDList(h.concat(y, 1)), training, params).head();
        return w2.forward(ps, new NDList(Activation.relu(s)), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), 3 * channels)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = inputShapes[0].get(0);
        w1.initialize(manager, dataType, new Shape(batch, 2 * channels));
        w2.initialize(manager, dataType, new Shape(batch, hidden));
    }
}
