package ai.dla.cell;

import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The plain RNN cell of the ablation: {@code h' = c' = tanh(Linear(C -> C)(y) + Linear(C -> C)(h))},
 * with biases; the previous c is not used.
 */
public final class RnnCell extends GatedCell {

    private static final byte VERSION = 1;

    private RnnCell(int channels) {
        super(
                VERSION,
                channels,
                new SummedGates(
                        Layers.linear(channels, channels, true),
                        Layers.linear(channels, channels, true),
                        channels),
                2L * channels * channels);
    }

    /**
     * Creates the cell.
     *
     * @param channels C, positive
     * @return the cell
     */
    public static RnnCell create(int channels) {
        Cells.hiddenWidth(channels, 1);
        return new RnnCell(channels);
    }

    @Override
    protected NDList update(NDArray gates, NDArray c) {
        NDArray next = gates.tanh();
        return new NDList(next, next);
    }
}
