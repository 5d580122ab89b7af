package ai.dla.cell;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Gate pre-activations {@code ih(y) + hh(h)}: the input map plus the state map, as in an LSTM. */
final class SummedGates extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Block ih;
    private final Block hh;
    private final long width;

    SummedGates(Block ih, Block hh, long width) {
        super(VERSION);
        this.ih = addChildBlock("ih", ih);
        this.hh = addChildBlock("hh", hh);
        this.width = width;
    }

    /** The input map. */
    Block ih() {
        return ih;
    }

    /** The state map. */
    Block hh() {
        return hh;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(
                ih.forward(ps, new NDList(inputs.get(0)), training, params)
                        .head()
                        .add(hh.forward(ps, new NDList(inputs.get(1)), training, params).head()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), width)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        ih.initialize(manager, dataType, inputShapes[0]);
        hh.initialize(manager, dataType, inputShapes[1]);
    }
}
