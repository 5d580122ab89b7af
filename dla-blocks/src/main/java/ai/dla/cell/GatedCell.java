package ai.dla.cell;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The shape every cell of this package shares: a gate map turns {@code (y, h)} into gate
 * pre-activations G, then a cell-specific update turns {@code (G, c)} into {@code (h', c')}.
 */
abstract class GatedCell extends AbstractBlock implements ContextCell {

    private final int channels;
    private final Block gates;
    private final long stepMacs;

    GatedCell(byte version, int channels, Block gates, long stepMacs) {
        super(version);
        this.channels = channels;
        this.gates = addChildBlock("gates", gates);
        this.stepMacs = stepMacs;
    }

    /**
     * Computes the new state from the gate pre-activations.
     *
     * @param gates the pre-activations [B, k·C], sliced in the cell's gate order
     * @param c the previous cell state [B or 1, C]
     * @return {@code NDList(h', c')}
     */
    protected abstract NDList update(NDArray gates, NDArray c);

    /**
     * The memory update shared by the DSU, DIA and LSTM cells: {@code σ(f)·c + σ(i)·tanh(g)}.
     *
     * @param i the input gate pre-activation [B, C]
     * @param f the forget gate pre-activation [B, C]
     * @param g the candidate pre-activation [B, C]
     * @param c the previous cell state [B or 1, C]
     * @return the new cell state [B, C]
     */
    protected static NDArray memory(NDArray i, NDArray f, NDArray g, NDArray c) {
        return Activation.sigmoid(f).mul(c).add(Activation.sigmoid(i).mul(g.tanh()));
    }

    /** The gate map of {@code (y, h)}. */
    Block gates() {
        return gates;
    }

    @Override
    public int getChannels() {
        return channels;
    }

    @Override
    public long macsPerStep() {
        return stepMacs;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray g = gates.forward(ps, new NDList(inputs.get(0), inputs.get(1)), training, params).head();
        return update(g, inputs.get(2));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape state = new Shape(inputShapes[0].get(0), channels);
        return new Shape[] {state, state};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape state = new Shape(inputShapes[0].get(0), channels);
        gates.initialize(manager, dataType, state, state);
    }
}
