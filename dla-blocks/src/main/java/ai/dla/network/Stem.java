package ai.dla.network;

import ai.dla.nn.InferenceWeights;
import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The network's stem: conv → BN → ReLU, then for ImageNet a 3×3/2 max-pool. CIFAR: conv3×3(16);
 * ImageNet: conv7×7/2(64).
 */
public final class Stem extends AbstractBlock implements InferenceWeights.Holder {

    private static final byte VERSION = 1;
    private static final Shape POOL_KERNEL = new Shape(3, 3);
    private static final Shape POOL_STRIDE = new Shape(2, 2);
    private static final Shape POOL_PAD = new Shape(1, 1);

    private final Layout layout;
    private final long inChannels;
    private final Conv2d conv;
    private final BatchNorm bn;
    private final InferenceWeights folded = new InferenceWeights();

    /**
     * Creates the stem.
     *
     * @param layout the backbone
     * @param inChannels the image channels
     */
    public Stem(Layout layout, long inChannels) {
        super(VERSION);
        this.layout = layout;
        this.inChannels = inChannels;
        int stride = layout == Layout.IMAGENET ? 2 : 1;
        conv = addChildBlock("conv", Layers.conv(layout.getStemChannels(), layout.getStemKernel(), stride));
        bn = addChildBlock("bn", Layers.batchNorm());
    }

    /**
     * Returns the image channels the stem takes.
     *
     * @return 3 for colour, 1 for grayscale
     */
    public long getInChannels() {
        return inChannels;
    }

    /**
     * Returns the multiply-accumulates of the stem for one sample.
     *
     * @param height the image height
     * @param width the image width
     * @return the multiply-accumulates of the convolution
     */
    public long macs(long height, long width) {
        long k = layout.getStemKernel();
        return inChannels * layout.getStemChannels() * k * k * convSide(height) * convSide(width);
    }

    private long convSide(long side) {
        return layout == Layout.IMAGENET ? (side - 1) / 2 + 1 : side;
    }

    private long outSide(long side) {
        return layout == Layout.IMAGENET ? (convSide(side) - 1) / 2 + 1 : side;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = Activation.relu(Layers.convBatchNorm(ps, conv, bn, folded, inputs.head(), training, params));
        if (layout == Layout.IMAGENET) {
            x = Pool.maxPool2d(x, POOL_KERNEL, POOL_STRIDE, POOL_PAD, false);
        }
        return new NDList(x);
    }

    @Override
    public void clearInferenceWeights() {
        folded.clear();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {
            new Shape(in.get(0), layout.getStemChannels(), outSide(in.get(2)), outSide(in.get(3)))
        };
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        conv.initialize(manager, dataType, in);
        bn.initialize(
                manager,
                dataType,
                new Shape(in.get(0), layout.getStemChannels(), convSide(in.get(2)), convSide(in.get(3))));
    }
}
