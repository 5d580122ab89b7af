package ai.dla.resnet;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;
import ai.dla.nn.InferenceWeights;
import ai.dla.nn.Layers;
import ai.dla.nn.Ops;
import ai.dla.nn.ParameterPaths;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A bottleneck ResNet with one of the layer-interaction variants (DLA-L, DLA-B, MRLA-L, LII, or
 * none): stem → stages → global average pool → linear classifier.
 *
 * <p>Forward input {@code NDList(images)} [B, channels, H, W] float32; output {@code NDList(logits)}
 * [B, classes].
 *
 * <p>The images are copied channels-last on entry ({@link Ops#channelsLast}), and every feature map
 * stays so: oneDNN then runs the 1×1 and depthwise convolutions without reordering their inputs
 * and outputs, which cut the CPU step times of every variant by 9 to 48% against NCHW (see
 * {@code docs/benchmarks.md}). Shapes, values and parameters are the same in either layout.
 *
 * <pre>{@code
 * DlaResNet net = DlaResNet.builder()
 *         .setVariant(Variant.DLA_L)
 *         .setDepth(56)
 *         .setClasses(100)
 *         .build();
 * }</pre>
 */
public final class DlaResNet extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Builder config;
    private final Stem stem;
    private final List<Stage> stages;
    private final long features;
    private final boolean[] stageFrozen;
    private boolean stemFrozen;
    private Linear head;

    private DlaResNet(Builder builder) {
        super(VERSION);
        this.config = builder.copy();
        stem = addChildBlock("stem", new Stem(builder.layout, builder.inputChannels));
        int[] planes = builder.layout.getPlanes();
        int[] units = builder.layout.unitsPerStage(builder.depth);
        List<Stage> list = new ArrayList<>();
        long in = builder.layout.getStemChannels();
        for (int s = 0; s < planes.length; s++) {
            StageConfig sc =
                    new StageConfig(
                            in,
                            planes[s],
                            units[s],
                            s == 0 ? 1 : 2,
                            builder.reduction,
                            builder.cell,
                            builder.dsuForm,
                            builder.contextNorm,
                            builder.dropPathRate,
                            builder.layout.zeroLastGamma());
            Stage stage = builder.variant.newStage(sc);
            stage.setContextMode(builder.contextMode);
            list.add(addChildBlock("stages." + s, stage));
            in = sc.outChannels();
        }
        stages = Collections.unmodifiableList(list);
        stageFrozen = new boolean[list.size()];
        features = in;
        head = addChildBlock("head", Layers.linear(in, builder.classes, true));
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
     * Returns a builder holding this network's configuration, to build another like it.
     *
     * @return a new builder with the same settings
     */
    public Builder toBuilder() {
        return config.copy();
    }

    /**
     * Returns the variant.
     *
     * @return the variant
     */
    public Variant getVariant() {
        return config.variant;
    }

    /**
     * Returns the backbone layout.
     *
     * @return the layout
     */
    public Layout getLayout() {
        return config.layout;
    }

    /**
     * Returns the depth.
     *
     * @return the depth (20, 56, 110, 50, 101, ...)
     */
    public int getDepth() {
        return config.depth;
    }

    /**
     * Returns the number of classes of the classifier.
     *
     * @return the classes
     */
    public int getClasses() {
        return config.classes;
    }

    /**
     * Returns the image channels the network takes.
     *
     * @return 3 for colour, 1 for grayscale
     */
    public int getInputChannels() {
        return config.inputChannels;
    }

    /**
     * Returns the context cell type of the stages (meaningful for DLA-L, DLA-B and LII).
     *
     * @return the cell type
     */
    public CellType getCellType() {
        return config.cell;
    }

    /**
     * Returns the DSU form.
     *
     * @return the form
     */
    public DsuForm getDsuForm() {
        return config.dsuForm;
    }

    /**
     * Returns the stem.
     *
     * @return the stem
     */
    public Stem getStem() {
        return stem;
    }

    /**
     * Returns the stages in order.
     *
     * @return the stages
     */
    public List<Stage> getStages() {
        return stages;
    }

    /**
     * Returns the linear classifier.
     *
     * @return the head
     */
    public Linear getHead() {
        return head;
    }

    /**
     * Returns the context the DSU's backward path reads.
     *
     * @return the mode
     */
    public ContextMode getContextMode() {
        return config.contextMode;
    }

    /**
     * Sets the context the DSU's backward path reads, in every stage; a setting of inference, it
     * does not change the parameters.
     *
     * @param mode {@link ContextMode#PER_SAMPLE} (default) or {@link ContextMode#SAMPLE_ZERO}
     */
    public void setContextMode(ContextMode mode) {
        config.contextMode = mode;
        for (Stage stage : stages) {
            stage.setContextMode(mode);
        }
    }

    /**
     * Replaces the classifier with a new one for {@code classes} classes, for fine-tuning on another
     * label set. The new layer is initialised by the next {@code initialize} call ({@code
     * Trainer.initialize} does it); every other parameter keeps its value. Replace the head before
     * creating the trainer, and save the model afterwards: its parameter file records the new
     * number of classes.
     *
     * @param classes the number of classes
     * @throws IllegalArgumentException if {@code classes} is not positive
     */
    public void replaceHead(int classes) {
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be positive, got " + classes);
        }
        int index = children.values().indexOf(head);
        String key = children.keyAt(index);
        head = Layers.linear(features, classes, true);
        children.remove(index);
        children.add(index, key, head);
        config.classes = classes;
    }

    /**
     * Freezes or unfreezes the backbone, the stem and every stage, leaving the head as it is. See
     * {@link #freezeStage(int, boolean)} for what freezing means.
     *
     * @param freeze true to freeze, false to train the backbone again
     */
    public void freezeBackbone(boolean freeze) {
        freezeStem(freeze);
        for (int s = 0; s < stages.size(); s++) {
            freezeStage(s, freeze);
        }
    }

    /**
     * Freezes or unfreezes the stem. See {@link #freezeStage(int, boolean)}.
     *
     * @param freeze true to freeze
     */
    public void freezeStem(boolean freeze) {
        freeze(stem, freeze);
        stemFrozen = freeze;
    }

    /**
     * Freezes or unfreezes one stage. A frozen stage's parameters receive no gradient and are not
     * updated, and it runs as in inference even while the rest of the network trains: BatchNorm
     * normalises with its running statistics and does not update them, and DropPath is off.
     * Unfreeze stage by stage from the last ({@code getStages().size() - 1}) towards the first to
     * fine-tune progressively; changes take effect at the next forward pass. Freezing holds whether
     * it is set before or after the trainer is created (DJL's {@code Model.newTrainer} unfreezes a
     * loaded model's parameters; each training pass freezes them again).
     *
     * @param index the stage, 0 for the first
     * @param freeze true to freeze
     * @throws IndexOutOfBoundsException if there is no such stage
     */
    public void freezeStage(int index, boolean freeze) {
        freeze(stages.get(index), freeze);
        stageFrozen[index] = freeze;
    }

    /**
     * Returns whether a stage is frozen.
     *
     * @param index the stage, 0 for the first
     * @return true if frozen
     */
    public boolean isStageFrozen(int index) {
        return stageFrozen[index];
    }

    /**
     * Returns whether the stem is frozen.
     *
     * @return true if frozen
     */
    public boolean isStemFrozen() {
        return stemFrozen;
    }

    /** Freezes trainable parameters; BatchNorm statistics never take gradients, frozen or not. */
    private static void freeze(Block block, boolean freeze) {
        block.freezeParameters(freeze, DlaResNet::isTrainable);
    }

    private static boolean isTrainable(Parameter p) {
        return p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR;
    }

    /**
     * Re-freezes frozen parts whose parameters were unfrozen behind this block's back: DJL's {@code
     * Model.newTrainer} unfreezes every parameter of a loaded model.
     */
    private void keepFrozen() {
        if (stemFrozen) {
            refreeze(stem);
        }
        for (int s = 0; s < stages.size(); s++) {
            if (stageFrozen[s]) {
                refreeze(stages.get(s));
            }
        }
    }

    private static void refreeze(Block block) {
        for (Parameter p : block.getParameters().values()) {
            if (p.requiresGradient() && isTrainable(p)) {
                p.freeze(true);
            }
        }
    }

    /**
     * Forgets every inference weight the network derived from its parameters (BatchNorms folded
     * into convolutions, λ folded into kernels, the fused kernel's packed weights); the next
     * inference pass recomputes them. They are recomputed by themselves after a training pass,
     * {@code loadParameters}, {@code Parameter.setArray} and {@link ai.dla.importer.CheckpointImporter};
     * call this after changing a parameter's values in place by any other means, for example
     * {@code parameter.getArray().set(...)}.
     */
    public void clearInferenceWeights() {
        clear(this);
    }

    private static void clear(Block block) {
        if (block instanceof InferenceWeights.Holder) {
            ((InferenceWeights.Holder) block).clearInferenceWeights();
        }
        for (Block child : block.getChildren().values()) {
            clear(child);
        }
    }

    /**
     * Returns the multiply-accumulates of one forward pass for one image: convolutions, linear
     * layers, the context cells and the attention products. BatchNorm, activations, pooling and
     * additions are not counted.
     *
     * @param height the image height
     * @param width the image width
     * @return the multiply-accumulates
     */
    public long macs(long height, long width) {
        Shape shape = stem.getOutputShapes(new Shape[] {new Shape(1, config.inputChannels, height, width)})[0];
        long total = stem.macs(height, width);
        for (Stage stage : stages) {
            total += stage.macs(shape.get(2), shape.get(3));
            shape = stage.getOutputShapes(new Shape[] {shape})[0];
        }
        return total + shape.get(1) * config.classes;
    }

    /**
     * Counts the trainable parameters (BatchNorm running statistics excluded). The network must be
     * initialised.
     *
     * @return the number of trainable values
     * @throws IllegalStateException if the network is not initialised
     */
    public long countParameters() {
        if (!isInitialized()) {
            throw new IllegalStateException(
                    "Initialise the network before counting its parameters, e.g. "
                            + "net.initialize(manager, DataType.FLOAT32, new Shape(1, "
                            + config.inputChannels
                            + ", 32, 32))");
        }
        return ParameterPaths.countTrainable(this);
    }

    /**
     * Runs the network. Where autograd does not record (inference), the intermediate arrays of the
     * pass live in a manager of their own, closed when the pass returns, and only the logits join
     * the input's manager: a caller that keeps one input manager open over many passes holds flat
     * memory. Where it records, they stay in the input's manager until the caller closes it, after
     * the backward pass: some of them (DJL's scalar operands) are views of Java buffers that the
     * backward pass still reads.
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        checkInput(x.getShape(), x.getDataType());
        if (training) {
            keepFrozen();
        }
        if (InferenceWeights.recording(x)) {
            return pass(ps, x, training, params);
        }
        NDManager caller = x.getManager();
        try (NDManager pass = caller.newSubManager()) {
            x.tempAttach(pass);
            NDList logits = pass(ps, x, training, params);
            logits.attach(caller);
            return logits;
        }
    }

    private NDList pass(ParameterStore ps, NDArray x, boolean training, PairList<String, Object> params) {
        NDList y = stem.forward(ps, new NDList(Ops.channelsLast(x)), training && !stemFrozen, params);
        for (int s = 0; s < stages.size(); s++) {
            y = stages.get(s).forward(ps, y, training && !stageFrozen[s], params);
        }
        return head.forward(ps, new NDList(Ops.gap(y.head())), training, params);
    }

    /**
     * Checks that an input batch fits the network: rank 4, NCHW, the network's input channels, at
     * least one image, and the data type of the parameters ({@link #getDataType()}).
     *
     * @param shape the batch's shape
     * @param dataType the batch's data type
     * @throws IllegalArgumentException naming what does not fit and how to fix it
     */
    public void checkInput(Shape shape, DataType dataType) {
        checkInput(shape);
        if (shape.get(0) == 0) {
            throw new IllegalArgumentException(describe() + " got a batch of no images " + shape
                    + ": give at least one image");
        }
        DataType expected = getDataType();
        if (dataType != expected) {
            throw new IllegalArgumentException(describe() + " computes in " + expected + " but got " + dataType
                    + " input: convert it with x.toType(DataType." + expected.name() + ", false)");
        }
    }

    /**
     * Returns the data type the network computes in: that of its parameters, float32 unless it was
     * initialised otherwise, and float32 before it is initialised.
     *
     * @return the data type
     */
    public DataType getDataType() {
        Parameter first = stem.getParameters().get(0).getValue();
        return first.isInitialized() ? first.getArray().getDataType() : DataType.FLOAT32;
    }

    private void checkInput(Shape shape) {
        if (shape.dimension() != 4 || shape.get(1) != config.inputChannels) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s expects images [batch, %d, height, width] (NCHW float32), got %s%s",
                            describe(),
                            config.inputChannels,
                            shape,
                            shape.dimension() == 4 && shape.get(3) == config.inputChannels
                                    ? "; the channels look last: transpose NHWC to NCHW"
                                    : ""));
        }
    }

    /**
     * Returns a short description such as {@code dla_l-20 (cifar layout, 10 classes, 3 channels)}.
     *
     * @return the description
     */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%s-%d (%s layout, %d classes, %d channels)",
                config.variant.getId(),
                config.depth,
                config.layout.name().toLowerCase(Locale.ROOT),
                config.classes,
                config.inputChannels);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.classes)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInput(inputShapes[0]);
        Shape shape = inputShapes[0];
        stem.initialize(manager, dataType, shape);
        shape = stem.getOutputShapes(new Shape[] {shape})[0];
        for (Stage stage : stages) {
            stage.initialize(manager, dataType, shape);
            shape = stage.getOutputShapes(new Shape[] {shape})[0];
        }
        head.initialize(manager, dataType, new Shape(shape.get(0), shape.get(1)));
    }

    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeUTF(layoutSignature());
    }

    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is)
            throws IOException, MalformedModelException {
        if (loadVersion != VERSION) {
            throw new MalformedModelException(
                    "These parameters were saved by DlaResNet version "
                            + loadVersion
                            + "; this library reads version "
                            + VERSION);
        }
        readInputShapes(is);
        clearInferenceWeights();
        String saved = is.readUTF();
        if (!saved.equals(layoutSignature())) {
            throw new MalformedModelException(
                    "These parameters belong to a network "
                            + saved
                            + ", but the block is "
                            + layoutSignature()
                            + "; build the block with the same settings");
        }
    }

    private String layoutSignature() {
        return String.format(
                Locale.ROOT,
                "%s-%d layout=%s classes=%d channels=%d r=%d cell=%s form=%s norm=%s",
                config.variant.getId(),
                config.depth,
                config.layout.name().toLowerCase(Locale.ROOT),
                config.classes,
                config.inputChannels,
                config.reduction,
                config.variant.hasCell() ? config.cell : "-",
                config.variant.hasCell() ? config.dsuForm : "-",
                config.variant.hasCell() ? config.contextNorm : "-");
    }

    /** Builds a {@link DlaResNet}: {@code set} for what is required, {@code opt} for defaults. */
    public static final class Builder {

        private Variant variant;
        private int depth;
        private int classes;
        private Layout layout = Layout.CIFAR;
        private int inputChannels = 3;
        private int reduction;
        private CellType cell = CellType.DSU;
        private DsuForm dsuForm = DsuForm.PUBLISHED;
        private ContextNorm contextNorm = ContextNorm.SIGMOID;
        private float dropPathRate;
        private ContextMode contextMode = ContextMode.PER_SAMPLE;

        Builder() {}

        private Builder copy() {
            Builder b = new Builder();
            b.variant = variant;
            b.depth = depth;
            b.classes = classes;
            b.layout = layout;
            b.inputChannels = inputChannels;
            b.reduction = reduction;
            b.cell = cell;
            b.dsuForm = dsuForm;
            b.contextNorm = contextNorm;
            b.dropPathRate = dropPathRate;
            b.contextMode = contextMode;
            return b;
        }

        /**
         * Sets the variant.
         *
         * @param variant DLA-L, DLA-B, MRLA-L, LII or the plain ResNet
         * @return this builder
         */
        public Builder setVariant(Variant variant) {
            this.variant = variant;
            return this;
        }

        /**
         * Sets the depth: 9n + 2 with n >= 2 for CIFAR (20, 56, 110), 50 or 101 for ImageNet.
         *
         * @param depth the depth
         * @return this builder
         */
        public Builder setDepth(int depth) {
            this.depth = depth;
            return this;
        }

        /**
         * Sets the number of classes of the classifier.
         *
         * @param classes positive
         * @return this builder
         */
        public Builder setClasses(int classes) {
            this.classes = classes;
            return this;
        }

        /**
         * Sets the backbone layout.
         *
         * @param layout {@link Layout#CIFAR} by default
         * @return this builder
         */
        public Builder optLayout(Layout layout) {
            this.layout = layout;
            return this;
        }

        /**
         * Sets the image channels.
         *
         * @param inputChannels 3 by default, 1 for grayscale
         * @return this builder
         */
        public Builder optInputChannels(int inputChannels) {
            this.inputChannels = inputChannels;
            return this;
        }

        /**
         * Sets the DSU reduction ratio r.
         *
         * @param reduction the layout's published ratio by default (4 CIFAR, 16 ImageNet)
         * @return this builder
         */
        public Builder optReduction(int reduction) {
            this.reduction = reduction;
            return this;
        }

        /**
         * Sets the context cell (DLA-L, DLA-B and LII).
         *
         * @param cell {@link CellType#DSU} by default
         * @return this builder
         */
        public Builder optCell(CellType cell) {
            this.cell = cell;
            return this;
        }

        /**
         * Sets the DSU form.
         *
         * @param form {@link DsuForm#PUBLISHED} by default
         * @return this builder
         */
        public Builder optDsuForm(DsuForm form) {
            this.dsuForm = form;
            return this;
        }

        /**
         * Sets the function that turns the DSU's cell state into its output.
         *
         * @param norm {@link ContextNorm#SIGMOID} by default
         * @return this builder
         */
        public Builder optContextNorm(ContextNorm norm) {
            this.contextNorm = norm;
            return this;
        }

        /**
         * Sets the drop-path rate of the attention branch in training.
         *
         * @param rate 0 by default; the published recipes train with 0.2
         * @return this builder
         */
        public Builder optDropPathRate(float rate) {
            this.dropPathRate = rate;
            return this;
        }

        /**
         * Sets the context the DSU's backward path reads.
         *
         * @param mode {@link ContextMode#PER_SAMPLE} by default
         * @return this builder
         */
        public Builder optContextMode(ContextMode mode) {
            this.contextMode = mode;
            return this;
        }

        /**
         * Builds the network.
         *
         * @return the network, not yet initialised
         * @throws IllegalArgumentException naming the setting that is missing or out of range
         */
        public DlaResNet build() {
            if (variant == null) {
                throw new IllegalArgumentException(
                        "No variant set: call setVariant(...) with one of " + Variant.ids());
            }
            if (layout == null || cell == null || dsuForm == null || contextNorm == null || contextMode == null) {
                throw new IllegalArgumentException(
                        "layout, cell, DSU form, context norm and context mode must not be null");
            }
            layout.unitsPerStage(depth);
            if (classes <= 0) {
                throw new IllegalArgumentException(
                        "The number of classes must be positive, got " + classes + "; call setClasses(n)");
            }
            if (inputChannels <= 0) {
                throw new IllegalArgumentException(
                        "Input channels must be positive, got " + inputChannels);
            }
            if (reduction == 0) {
                reduction = layout.getDefaultReduction();
            }
            if (!variant.hasCell() && cell != CellType.DSU) {
                throw new IllegalArgumentException(
                        "The " + variant.getId() + " variant has no context cell, so optCell(" + cell
                                + ") does not apply; optCell applies to dla_l, dla_b and lii");
            }
            return new DlaResNet(this);
        }
    }
}
