package ai.dla.cell;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;

/**
 * The DIANet cell of the ablation: like the published DSU, but the perceptrons output 4C, sliced
 * i, f, g, o, and {@code h' = sigmoid(o) · sigmoid(c')} with {@code c' = σf·c + σi·tanh g}.
 */
public final class DiaCell extends GatedCell {

    private static final byte VERSION = 1;

    private DiaCell(int channels, SummedGates gates, long macs) {
        super(VERSION, channels, gates, macs);
    }

    /**
     * Creates the cell.
     *
     * @param channels C
     * @param reduction r of the hidden width C / r
     * @return the cell
     */
    public static DiaCell create(int channels, int reduction) {
        int hidden = Cells.hiddenWidth(channels, reduction);
        long c = channels;
        Mlp ih = new Mlp(c, hidden, 4 * c);
        Mlp hh = new Mlp(c, hidden, 4 * c);
        return new DiaCell(channels, new SummedGates(ih, hh, 4 * c), ih.macs() + hh.macs());
    }

    @Override
    protected NDList update(NDArray gates, NDArray c) {
        NDList p = gates.split(4, 1);
        NDArray cNext = memory(p.get(0), p.get(1), p.get(2), c);
        return new NDList(Activation.sigmoid(p.get(3)).mul(Activation.sigmoid(cNext)), cNext);
    }
}
