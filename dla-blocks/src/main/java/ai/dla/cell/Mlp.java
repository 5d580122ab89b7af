package ai.dla.cell;

import ai.dla.nn.Layers;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A two-layer perceptron {@code Linear(in -> hidden) -> ReLU -> Linear(hidden -> out)}, with biases. */
final class Mlp extends AbstractBlock {

    private static final byte VERSION = 1;

    private final long in;
    private final long hidden;
    private final long out;
    private final Linear fc1;
    private final Linear fc2;

    Mlp(long in, long hidden, long out) {
        super(VERSION);
        this.in = in;
        this.hidden = hidden;
        this.out = out;
        fc1 = addChildBlock("fc1", Layers.linear(in, hidden, true));
        fc2 = addChildBlock("fc2", Layers.linear(hidden, out, true));
    }

    /** The first layer, C -> hidden. */
    Linear fc1() {
        return fc1;
    }

    /** The second layer, hidden -> 3C (or 4C). */
    Linear fc2() {
        return fc2;
    }

    long macs() {
        return in * hidden + hidden * out;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList hiddenOut = fc1.forward(ps, inputs, training, params);
        return fc2.forward(ps, new NDList(Activation.relu(hiddenOut.head())), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), out)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        fc1.initialize(manager, dataType, inputShapes[0]);
        fc2.initialize(manager, dataType, new Shape(inputShapes[0].get(0), hidden));
    }
}
