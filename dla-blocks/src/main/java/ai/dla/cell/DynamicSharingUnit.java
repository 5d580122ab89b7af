package ai.dla.cell;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;

/**
 * The Dynamic Sharing Unit (DSU): the recurrent cell that DLA shares across the units of a stage.
 *
 * <p>With gate pre-activations split in the order i, f, g (each C wide):
 *
 * <pre>
 *   c' = sigmoid(f) · c + sigmoid(i) · tanh(g)
 *   h' = norm(c')            (norm = sigmoid in the published network)
 * </pre>
 *
 * There is no output gate. In the {@link DsuForm#PUBLISHED published form} the gates are {@code
 * MLP_ih(y) + MLP_hh(h)} with two perceptrons C -> C/r -> 3C; in the {@link DsuForm#PAPER paper's
 * form} they are {@code W2 · ReLU(W1 · [h, y])}.
 */
public final class DynamicSharingUnit extends GatedCell {

    private static final byte VERSION = 1;

    private final ContextNorm norm;

    private DynamicSharingUnit(Builder builder, Block gates, long macs) {
        super(VERSION, builder.channels, gates, macs);
        this.norm = builder.norm;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected NDList update(NDArray gates, NDArray c) {
        NDList parts = gates.split(3, 1);
        NDArray cNext = memory(parts.get(0), parts.get(1), parts.get(2), c);
        return new NDList(norm.apply(cNext), cNext);
    }

    /** Builds a {@link DynamicSharingUnit}: {@code set} for what is required, {@code opt} for defaults. */
    public static final class Builder {

        private int channels;
        private int reduction = 4;
        private DsuForm form = DsuForm.PUBLISHED;
        private ContextNorm norm = ContextNorm.SIGMOID;

        Builder() {}

        /**
         * Sets the channel count C of the stage.
         *
         * @param channels C, positive
         * @return this builder
         */
        public Builder setChannels(int channels) {
            this.channels = channels;
            return this;
        }

        /**
         * Sets the reduction ratio r of the hidden width C / r (integer division).
         *
         * @param reduction r, 4 by default (16 for the ImageNet networks)
         * @return this builder
         */
        public Builder optReduction(int reduction) {
            this.reduction = reduction;
            return this;
        }

        /**
         * Sets how the gates are formed.
         *
         * @param form {@link DsuForm#PUBLISHED} by default
         * @return this builder
         */
        public Builder optForm(DsuForm form) {
            this.form = form;
            return this;
        }

        /**
         * Sets the function that turns the cell state into the output.
         *
         * @param norm {@link ContextNorm#SIGMOID} by default
         * @return this builder
         */
        public Builder optNorm(ContextNorm norm) {
            this.norm = norm;
            return this;
        }

        /**
         * Builds the unit.
         *
         * @return the unit
         * @throws IllegalArgumentException if C or r is not positive or C / r is zero
         */
        public DynamicSharingUnit build() {
            int hidden = Cells.hiddenWidth(channels, reduction);
            if (form == null || norm == null) {
                throw new IllegalArgumentException("DSU form and norm must not be null");
            }
            long c = channels;
            if (form == DsuForm.PAPER) {
                return new DynamicSharingUnit(
                        this, new PaperGates(c, hidden), 2 * c * hidden + hidden * 3 * c);
            }
            Mlp ih = new Mlp(c, hidden, 3 * c);
            Mlp hh = new Mlp(c, hidden, 3 * c);
            return new DynamicSharingUnit(
                    this, new SummedGates(ih, hh, 3 * c), ih.macs() + hh.macs());
        }
    }
}
