package ai.dla.stage;

import ai.dla.nn.FeatureMaps;
import ai.dla.nn.InferenceWeights;
import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * The bottleneck residual unit, which returns its residual branch and its shortcut; the stage joins
 * them ({@link #join}, or its own way, as in LII).
 *
 * <pre>
 *   out = ReLU(BN1(conv1x1(x -> p)))
 *   out = ReLU(BN2(conv3x3(p -> p, stride s)))
 *   out = BN3(conv1x1(p -> 4p))
 *   o   = x, or BN(conv1x1(x -> 4p, stride s)) with a projection shortcut
 * </pre>
 *
 * Forward input {@code NDList(x)} [B, Cin, H, W]; output {@code NDList(out, o)}, both [B, 4p, H/s,
 * W/s].
 */
public final class Bottleneck extends AbstractBlock implements InferenceWeights.Holder {

    /** The ratio of a unit's output channels to its planes. */
    public static final int EXPANSION = 4;

    private static final byte VERSION = 1;

    private final long inChannels;
    private final int planes;
    private final int stride;
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final Conv2d conv2;
    private final BatchNorm bn2;
    private final Conv2d conv3;
    private final BatchNorm bn3;
    private final Conv2d shortcutConv;
    private final BatchNorm shortcutBn;
    private final InferenceWeights[] folded = {
        new InferenceWeights(), new InferenceWeights(), new InferenceWeights(), new InferenceWeights()
    };

    /**
     * Creates a unit.
     *
     * @param inChannels Cin
     * @param planes p; the unit outputs 4p channels
     * @param stride the stride of the 3×3 convolution and of the projection
     * @param projection whether the shortcut is a projection (the first unit of every stage)
     * @param zeroLastGamma whether BN3's γ starts at 0 (the ImageNet networks)
     */
    public Bottleneck(
            long inChannels,
            int planes,
            int stride,
            boolean projection,
            boolean zeroLastGamma) {
        super(VERSION);
        if (!projection && (stride != 1 || inChannels != (long) EXPANSION * planes)) {
            throw new IllegalArgumentException(
                    "An identity shortcut needs stride 1 and "
                            + EXPANSION * planes
                            + " input channels, got stride "
                            + stride
                            + " and "
                            + inChannels);
        }
        this.inChannels = inChannels;
        this.planes = planes;
        this.stride = stride;
        conv1 = addChildBlock("conv1", Layers.conv(planes, 1, 1));
        bn1 = addChildBlock("bn1", Layers.batchNorm());
        conv2 = addChildBlock("conv2", Layers.conv(planes, 3, stride));
        bn2 = addChildBlock("bn2", Layers.batchNorm());
        conv3 = addChildBlock("conv3", Layers.conv(EXPANSION * planes, 1, 1));
        bn3 = addChildBlock("bn3", Layers.batchNorm());
        if (zeroLastGamma) {
            bn3.setInitializer(Initializer.ZEROS, Parameter.Type.GAMMA);
        }
        if (projection) {
            shortcutConv = addChildBlock("shortcut.conv", Layers.conv(EXPANSION * planes, 1, stride));
            shortcutBn = addChildBlock("shortcut.bn", Layers.batchNorm());
        } else {
            shortcutConv = null;
            shortcutBn = null;
        }
    }

    /**
     * Returns the output channels 4p.
     *
     * @return the output channels
     */
    public int getOutChannels() {
        return EXPANSION * planes;
    }

    /**
     * Returns the multiply-accumulates of the unit's convolutions for one sample.
     *
     * @param height the input height
     * @param width the input width
     * @return the multiply-accumulates
     */
    public long macs(long height, long width) {
        long out = getOutChannels();
        long pixelsOut = outSide(height) * outSide(width);
        long macs = inChannels * planes * height * width;
        macs += (long) planes * planes * 9 * pixelsOut + planes * out * pixelsOut;
        if (shortcutConv != null) {
            macs += inChannels * out * pixelsOut;
        }
        return macs;
    }

    long outSide(long side) {
        return (side - 1) / stride + 1;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.head();
        NDArray out = Layers.convBatchNorm(ps, conv1, bn1, folded[0], x, training, params);
        out = Layers.convBatchNorm(ps, conv2, bn2, folded[1], Activation.relu(out), training, params);
        out = Layers.convBatchNorm(ps, conv3, bn3, folded[2], Activation.relu(out), training, params);
        NDArray o = shortcutConv == null
                ? x
                : Layers.convBatchNorm(ps, shortcutConv, shortcutBn, folded[3], x, training, params);
        return new NDList(out, o);
    }

    /**
     * Joins a unit's output the standard way: {@code ReLU(out + o)}. In inference the sum is written
     * into {@code out} ({@link FeatureMaps#residual}).
     *
     * @param unitOutput the unit's {@code NDList(out, o)}
     * @param training whether this is a training pass
     * @return the unit's output x_out [B, 4p, H/s, W/s]
     */
    public static NDArray join(NDList unitOutput, boolean training) {
        return Activation.relu(FeatureMaps.residual(unitOutput.get(0), unitOutput.get(1), training));
    }

    @Override
    public void clearInferenceWeights() {
        for (InferenceWeights f : folded) {
            f.clear();
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        Shape out = new Shape(in.get(0), getOutChannels(), outSide(in.get(2)), outSide(in.get(3)));
        return new Shape[] {out, out};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        Shape mid = new Shape(in.get(0), planes, in.get(2), in.get(3));
        Shape strided = new Shape(in.get(0), planes, outSide(in.get(2)), outSide(in.get(3)));
        Shape out = getOutputShapes(inputShapes)[0];
        conv1.initialize(manager, dataType, in);
        bn1.initialize(manager, dataType, mid);
        conv2.initialize(manager, dataType, mid);
        bn2.initialize(manager, dataType, strided);
        conv3.initialize(manager, dataType, strided);
        bn3.initialize(manager, dataType, out);
        if (shortcutConv != null) {
            shortcutConv.initialize(manager, dataType, in);
            shortcutBn.initialize(manager, dataType, out);
        }
    }
}
