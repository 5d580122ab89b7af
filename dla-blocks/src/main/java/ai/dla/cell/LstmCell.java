package ai.dla.cell;

import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;

/**
 * The standard LSTM cell of the ablation: {@code Linear(C -> 4C)(y) + Linear(C -> 4C)(h)} with
 * biases, gates i, f, g, o, {@code c' = σf·c + σi·tanh g}, {@code h' = σo·tanh c'}.
 */
public final class LstmCell extends GatedCell {

    private static final byte VERSION = 1;

    private LstmCell(int channels) {
        super(
                VERSION,
                channels,
                new SummedGates(
                        Layers.linear(channels, 4L * channels, true),
                        Layers.linear(channels, 4L * channels, true),
                        4L * channels),
                8L * channels * channels);
    }

    /**
     * Creates the cell.
     *
     * @param channels C, positive
     * @return the cell
     */
    public static LstmCell create(int channels) {
        Cells.hiddenWidth(channels, 1);
        return new LstmCell(channels);
    }

    @Override
    protected NDList update(NDArray gates, NDArray c) {
        NDList p = gates.split(4, 1);
        NDArray cNext = memory(p.get(0), p.get(1), p.get(2), c);
        return new NDList(Activation.sigmoid(p.get(3)).mul(cNext.tanh()), cNext);
    }
}
