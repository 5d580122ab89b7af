package ai.dla.cell;

import ai.dla.nn.InferenceWeights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

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
public final class DynamicSharingUnit extends GatedCell implements InferenceWeights.Holder {

    private static final byte VERSION = 1;

    private final ContextNorm norm;
    private final DsuForm form;
    private final int hidden;
    private final InferenceWeights packed = new InferenceWeights();

    private DynamicSharingUnit(Builder builder, Block gates, int hidden, long macs) {
        super(VERSION, builder.channels, gates, macs);
        this.norm = builder.norm;
        this.form = builder.form;
        this.hidden = hidden;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the function that turns the cell state into the output.
     *
     * @return the norm
     */
    public ContextNorm getNorm() {
        return norm;
    }

    /**
     * Returns the hidden width m = C / r of the perceptrons.
     *
     * @return m
     */
    public int getHiddenWidth() {
        return hidden;
    }

    /**
     * Returns the published form's two perceptrons packed into one float32 vector for the fused
     * inference kernel ({@link ai.dla.light.FusedLightUnit}): for MLP_ih, then MLP_hh, the first
     * layer's weight transposed [C][m], its bias [m], the second layer's weight transposed [m][3C]
     * and its bias [3C]. Computed once and kept until the weights change ({@link
     * InferenceWeights}).
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @return the packed weights, owned by this cell, or null in the paper's form or while autograd
     *     records gradients of the weights
     */
    public NDArray packedWeights(ParameterStore ps, Device device) {
        NDList sources = form == DsuForm.PUBLISHED ? perceptrons(ps, device, false) : null;
        if (sources == null || !InferenceWeights.usable(sources)) {
            return null;
        }
        return packed.get(sources, DynamicSharingUnit::pack).head();
    }

    /**
     * Returns the published form's parameters for the fused training kernels ({@link
     * ai.dla.light.NativeTerms}), as the store holds them: MLP_ih's first layer's weight [m, C] and
     * bias [m], its second layer's weight [3C, m] and bias [3C], then MLP_hh's.
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @return the eight parameters, or null in the paper's form
     */
    public NDList trainingParameters(ParameterStore ps, Device device) {
        packed.clear(); // a training pass: the optimizer changes the sources after it
        return form == DsuForm.PUBLISHED ? perceptrons(ps, device, true) : null;
    }

    /** The two perceptrons' (weight, bias) pairs, first layer first, MLP_ih then MLP_hh. */
    private NDList perceptrons(ParameterStore ps, Device device, boolean training) {
        SummedGates summed = (SummedGates) gates();
        NDList sources = new NDList();
        for (Block map : new Block[] {summed.ih(), summed.hh()}) {
            Mlp mlp = (Mlp) map;
            for (Linear layer : new Linear[] {mlp.fc1(), mlp.fc2()}) {
                PairList<String, Parameter> p = layer.getParameters();
                sources.add(ps.getValue(p.get("weight"), device, training));
                sources.add(ps.getValue(p.get("bias"), device, training));
            }
        }
        return sources;
    }

    /** (weight, bias) pairs of the four layers to one vector: each weight transposed, then its bias. */
    private static NDList pack(NDList layers) {
        NDList parts = new NDList();
        for (int i = 0; i < layers.size(); i += 2) {
            parts.add(layers.get(i).transpose().flatten());
            parts.add(layers.get(i + 1));
        }
        return new NDList(NDArrays.concat(parts));
    }

    @Override
    public void clearInferenceWeights() {
        packed.clear();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (training) {
            packed.clear();
        }
        return super.forwardInternal(ps, inputs, training, params);
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
                        this, new PaperGates(c, hidden), hidden, 2 * c * hidden + hidden * 3 * c);
            }
            Mlp ih = new Mlp(c, hidden, 3 * c);
            Mlp hh = new Mlp(c, hidden, 3 * c);
            return new DynamicSharingUnit(
                    this, new SummedGates(ih, hh, 3 * c), hidden, ih.macs() + hh.macs());
        }
    }
}
