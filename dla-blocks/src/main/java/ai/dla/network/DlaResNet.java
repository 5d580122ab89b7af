package ai.dla.network;

import ai.dla.cell.CellType;
import ai.dla.cell.ContextNorm;
import ai.dla.cell.DsuForm;
import ai.dla.nn.FeatureMaps;
import ai.dla.nn.InferenceWeights;
import ai.dla.nn.Layers;
import ai.dla.stage.ContextMode;
import ai.dla.stage.Stage;
import ai.dla.stage.StageConfig;

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
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * A bottleneck ResNet with one of the layer-interaction variants (DLA-L, DLA-B, MRLA-L, LII, or
 * none): stem → stages → global average pool → linear classifier.
 *
 * <p>Forward input {@code NDList(images)} [B, channels, H, W] float32; output {@code NDList(logits)}
 * [B, classes]. As a backbone, {@link #forwardFeatures} gives the pooled embedding before the head
 * and {@link #forwardFeatureMaps} each stage's feature map.
 *
 * <p>The images are copied channels-last on entry ({@link FeatureMaps#channelsLast}), and every
 * feature map stays so: oneDNN then runs the 1×1 and depthwise convolutions without reordering their
 * inputs and outputs, which cut the CPU step times of every variant by 9 to 48% against NCHW (see
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

    private DlaResNetConfig config;
    private final Stem stem;
    private final List<Stage> stages;
    private final FrozenParts frozen = new FrozenParts();
    private Linear head;

    private DlaResNet(DlaResNetConfig config) {
        super(VERSION);
        this.config = config;
        stem = addChildBlock("stem", new Stem(config.layout(), config.inputChannels()));
        List<Stage> list = new ArrayList<>();
        StageConfig[] stageConfigs = config.stages();
        for (int s = 0; s < stageConfigs.length; s++) {
            Stage stage = config.variant().newStage(stageConfigs[s]);
            stage.setContextMode(config.contextMode());
            list.add(addChildBlock("stages." + s, stage));
        }
        stages = Collections.unmodifiableList(list);
        head = addChildBlock("head", newHead(config.classes()));
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
     * Returns a builder holding this network's configuration, to build another like it. Settings
     * left to their defaults stay defaults: a copy with another layout gets that layout's reduction.
     *
     * @return a new builder with the same settings
     */
    public Builder toBuilder() {
        return new Builder(config);
    }

    /**
     * Returns what the network is built from.
     *
     * @return the configuration
     */
    public DlaResNetConfig getConfig() {
        return config;
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
     * Returns the width of the embedding {@link #forwardFeatures} gives: the last stage's channels.
     *
     * @return 256 for the CIFAR layout, 2048 for ImageNet
     */
    public long getFeatureSize() {
        return stages.get(stages.size() - 1).getConfig().outChannels();
    }

    /**
     * Sets the context the DSU's backward path reads, in every stage; a setting of inference, it
     * does not change the parameters.
     *
     * @param mode {@link ContextMode#PER_SAMPLE} (default) or {@link ContextMode#SAMPLE_ZERO}
     */
    public void setContextMode(ContextMode mode) {
        config = config.withContextMode(mode);
        stages.forEach(stage -> stage.setContextMode(mode));
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
        DlaResNetConfig replaced = config.withClasses(classes);
        children.remove(children.size() - 1); // the head is the last child; addChildBlock numbers it the same again
        head = addChildBlock("head", newHead(classes));
        config = replaced;
    }

    private Linear newHead(int classes) {
        return Layers.linear(getFeatureSize(), classes, true);
    }

    /**
     * Freezes or unfreezes the backbone, the stem and every stage, leaving the head as it is. See
     * {@link #freezeStage(int, boolean)} for what freezing means.
     *
     * @param freeze true to freeze, false to train the backbone again
     */
    public void freezeBackbone(boolean freeze) {
        freezeStem(freeze);
        stages.forEach(stage -> frozen.set(stage, freeze));
    }

    /**
     * Freezes or unfreezes the stem. See {@link #freezeStage(int, boolean)}.
     *
     * @param freeze true to freeze
     */
    public void freezeStem(boolean freeze) {
        frozen.set(stem, freeze);
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
        frozen.set(stages.get(index), freeze);
    }

    /**
     * Returns whether a stage is frozen.
     *
     * @param index the stage, 0 for the first
     * @return true if frozen
     */
    public boolean isStageFrozen(int index) {
        return frozen.contains(stages.get(index));
    }

    /**
     * Returns whether the stem is frozen.
     *
     * @return true if frozen
     */
    public boolean isStemFrozen() {
        return frozen.contains(stem);
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
        if (block instanceof InferenceWeights.Holder holder) {
            holder.clearInferenceWeights();
        }
        block.getChildren().values().forEach(DlaResNet::clear);
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
        return scoped(inputs, training, x -> {
            NDList maps = backbone(ps, x, training, params);
            return head.forward(ps, embedding(maps), training, params);
        });
    }

    /**
     * Runs the backbone and returns the pooled embedding before the head, what the classifier
     * reads: image retrieval, linear probes, new heads.
     *
     * @param ps the parameter store
     * @param inputs {@code NDList(images)} [B, channels, H, W]
     * @param training whether this is a training pass
     * @return {@code NDList(embedding)} [B, {@link #getFeatureSize()}]
     * @throws IllegalStateException if the network is not initialised
     * @throws IllegalArgumentException if the images do not fit ({@link #checkInput})
     */
    public NDList forwardFeatures(ParameterStore ps, NDList inputs, boolean training) {
        checkInitialized("running it");
        return scoped(inputs, training, x -> embedding(backbone(ps, x, training, null)));
    }

    /**
     * Runs the backbone and returns every stage's feature map, the multi-scale input of a detector's
     * neck (the paper's Faster R-CNN, Table 3, takes the four ImageNet stages). The maps are
     * channels-last in memory, as the network computes them.
     *
     * @param ps the parameter store
     * @param inputs {@code NDList(images)} [B, channels, H, W]
     * @param training whether this is a training pass
     * @return one map per stage, [B, C_s, H_s, W_s]: for the CIFAR layout 64, 128 and 256 channels at
     *     strides 1, 2 and 4; for ImageNet 256, 512, 1024 and 2048 at strides 4, 8, 16 and 32
     * @throws IllegalStateException if the network is not initialised
     * @throws IllegalArgumentException if the images do not fit ({@link #checkInput})
     */
    public NDList forwardFeatureMaps(ParameterStore ps, NDList inputs, boolean training) {
        checkInitialized("running it");
        return scoped(inputs, training, x -> backbone(ps, x, training, null));
    }

    /** Checks the input, re-freezes frozen parts, and runs the pass in its own manager where autograd does not record. */
    private NDList scoped(NDList inputs, boolean training, Function<NDArray, NDList> pass) {
        NDArray x = inputs.head();
        checkInput(x.getShape(), x.getDataType());
        if (training) {
            frozen.keepFrozen();
        }
        if (InferenceWeights.recording(x)) {
            return pass.apply(x);
        }
        NDManager caller = x.getManager();
        try (NDManager scope = caller.newSubManager()) {
            x.tempAttach(scope);
            NDList out = pass.apply(x);
            out.attach(caller);
            return out;
        }
    }

    /** Stem and stages; returns each stage's output. */
    private NDList backbone(ParameterStore ps, NDArray x, boolean training, PairList<String, Object> params) {
        NDList maps = new NDList(stages.size());
        NDList y = stem.forward(ps, new NDList(FeatureMaps.channelsLast(x)), frozen.trains(stem, training), params);
        for (Stage stage : stages) {
            y = stage.forward(ps, y, frozen.trains(stage, training), params);
            maps.add(y.head());
        }
        return maps;
    }

    private static NDList embedding(NDList maps) {
        return new NDList(FeatureMaps.gap(maps.get(maps.size() - 1)));
    }

    /** Refuses an uninitialised network, naming what was about to happen and the fix. */
    void checkInitialized(String before) {
        if (!isInitialized()) {
            throw new IllegalStateException("Initialise " + config.describe() + " or load its parameters before "
                    + before + ", e.g. net.initialize(manager, DataType.FLOAT32, new Shape(1, "
                    + config.inputChannels() + ", 32, 32))");
        }
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
            throw new IllegalArgumentException(config.describe() + " got a batch of no images " + shape
                    + ": give at least one image");
        }
        DataType expected = getDataType();
        if (dataType != expected) {
            throw new IllegalArgumentException(config.describe() + " computes in " + expected + " but got "
                    + dataType + " input: convert it with x.toType(DataType." + expected.name() + ", false)");
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
        int channels = config.inputChannels();
        if (shape.dimension() != 4 || shape.get(1) != channels) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s expects images [batch, %d, height, width] (NCHW float32), got %s%s", config.describe(),
                    channels, shape, shape.dimension() == 4 && shape.get(3) == channels
                            ? "; the channels look last: transpose NHWC to NCHW"
                            : ""));
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.classes())};
    }

    /**
     * Returns the shapes of the stem's output and of each stage's output for an input batch: entry 0
     * is the stem's (the first stage's input), entry s + 1 stage s's.
     *
     * @param input the batch's shape [B, channels, H, W]
     * @return {@code stages + 1} shapes
     */
    public Shape[] featureShapes(Shape input) {
        Shape[] shapes = new Shape[stages.size() + 1];
        shapes[0] = stem.getOutputShapes(new Shape[] {input})[0];
        for (int s = 0; s < stages.size(); s++) {
            shapes[s + 1] = stages.get(s).getOutputShapes(new Shape[] {shapes[s]})[0];
        }
        return shapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInput(inputShapes[0]);
        Shape[] shapes = featureShapes(inputShapes[0]);
        stem.initialize(manager, dataType, inputShapes[0]);
        for (int s = 0; s < stages.size(); s++) {
            stages.get(s).initialize(manager, dataType, shapes[s]);
        }
        Shape last = shapes[stages.size()];
        head.initialize(manager, dataType, new Shape(last.get(0), last.get(1)));
    }

    @Override
    protected void saveMetadata(DataOutputStream os) throws IOException {
        saveInputShapes(os);
        os.writeUTF(config.describe());
    }

    @Override
    public void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
        if (loadVersion != VERSION) {
            throw new MalformedModelException("These parameters were saved by DlaResNet version " + loadVersion
                    + "; this library reads version " + VERSION);
        }
        readInputShapes(is);
        clearInferenceWeights();
        String saved = is.readUTF();
        if (!saved.equals(config.describe())) {
            throw new MalformedModelException("These parameters belong to a network " + saved + ", but the block is "
                    + config.describe() + "; build the block with the same settings");
        }
    }

    /** Builds a {@link DlaResNet}: {@code set} for what is required, {@code opt} for defaults. */
    public static final class Builder {

        private Variant variant;
        private int depth;
        private int classes;
        private Layout layout = Layout.CIFAR;
        private int inputChannels = 3;
        private OptionalInt reduction = OptionalInt.empty();
        private CellType cell = CellType.DSU;
        private DsuForm dsuForm = DsuForm.PUBLISHED;
        private ContextNorm contextNorm = ContextNorm.SIGMOID;
        private float dropPathRate;
        private ContextMode contextMode = ContextMode.PER_SAMPLE;

        Builder() {}

        Builder(DlaResNetConfig c) {
            variant = c.variant();
            depth = c.depth();
            classes = c.classes();
            layout = c.layout();
            inputChannels = c.inputChannels();
            reduction = c.reduction();
            cell = c.cell();
            dsuForm = c.dsuForm();
            contextNorm = c.contextNorm();
            dropPathRate = c.dropPathRate();
            contextMode = c.contextMode();
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
         * Sets the DSU reduction ratio r; without it the layout's published ratio applies (4 CIFAR,
         * 16 ImageNet), whichever layout the network ends up with.
         *
         * @param reduction positive
         * @return this builder
         */
        public Builder optReduction(int reduction) {
            this.reduction = OptionalInt.of(reduction);
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
            return new DlaResNet(new DlaResNetConfig(variant, depth, classes, layout, inputChannels, reduction,
                    cell, dsuForm, contextNorm, dropPathRate, contextMode));
        }
    }
}
