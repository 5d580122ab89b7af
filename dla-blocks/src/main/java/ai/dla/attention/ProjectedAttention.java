package ai.dla.attention;

import ai.dla.nn.FeatureMaps;
import ai.dla.nn.Init;
import ai.dla.nn.Layers;
import ai.dla.nn.Scalars;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;

/**
 * What both attention forms own: the query and key maps (ECA-style 1-D convolutions over the
 * channel summary, weights Wq and Wk [1, 1, k]), the value map (a depthwise 3×3 convolution, Wv [C,
 * 1, 3, 3]) and the BatchNorm of the result; the heads are 32 channels wide.
 */
public abstract class ProjectedAttention extends AbstractBlock {

    /** The number of channels in one attention head. */
    public static final int HEAD_WIDTH = 32;

    private static final Shape ONE = new Shape(1);

    /** The channel count C. */
    protected final int channels;

    /** The number of heads, C / 32. */
    protected final int heads;

    /** The ECA kernel size k of Q and K. */
    protected final int kernel;

    /** The BatchNorm of the attention's output. */
    protected final BatchNorm bn;

    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;

    ProjectedAttention(byte version, int channels) {
        super(version);
        if (channels <= 0 || channels % HEAD_WIDTH != 0) {
            throw new IllegalArgumentException(
                    "Layer attention needs a positive channel count divisible by the head width "
                            + HEAD_WIDTH
                            + ", got "
                            + channels);
        }
        this.channels = channels;
        this.heads = channels / HEAD_WIDTH;
        this.kernel = ecaKernel(channels);
        wq = addParameter(queryKeyWeight("wq", kernel));
        wk = addParameter(queryKeyWeight("wk", kernel));
        wv =
                addParameter(
                        Parameter.builder()
                                .setName("wv")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(channels, 1, 3, 3))
                                .optInitializer(Init.convolution())
                                .build());
        bn = addChildBlock("bn", Layers.batchNorm());
    }

    /**
     * Returns the ECA kernel size for C channels: t = int(|(log2 C + 1) / 2|), made odd.
     *
     * @param channels C
     * @return the odd kernel size
     */
    static int ecaKernel(long channels) {
        int t = (int) Math.abs((Math.log(channels) / Math.log(2) + 1) / 2);
        return t % 2 == 1 ? t : t + 1;
    }

    private static Parameter queryKeyWeight(String name, int kernel) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(1, 1, kernel))
                .optInitializer(Init.uniformFanIn(kernel))
                .build();
    }

    /**
     * Returns the ECA kernel size k of Q and K.
     *
     * @return k
     */
    public int getKernel() {
        return kernel;
    }

    /**
     * Computes Q and K from the channel summary in one 1-D convolution with two filters.
     *
     * @param ps the parameter store
     * @param gap the summary [B, C]
     * @param training whether this is a training pass
     * @return [B, 2, C]: Q in row 0 and K in row 1 of axis 1
     */
    protected NDArray queryKey(ParameterStore ps, NDArray gap, boolean training) {
        NDArray weight =
                queryWeight(ps, gap.getDevice(), training).concat(keyWeight(ps, gap.getDevice(), training), 0);
        weight.attach(gap.getManager()); // the batch owns it, not the parameters' manager
        NDList out =
                Conv1d.conv1d(gap.expandDims(1), weight, null, ONE, new Shape((kernel - 1) / 2), ONE, 1);
        return out.head();
    }

    /**
     * Computes V, the depthwise 3×3 convolution of the feature map.
     *
     * @param ps the parameter store
     * @param x the feature map [B, C, H, W]
     * @param training whether this is a training pass
     * @return V [B, C, H, W]
     */
    protected NDArray value(ParameterStore ps, NDArray x, boolean training) {
        return FeatureMaps.depthwise(x, valueWeight(ps, x.getDevice(), training), null);
    }

    /**
     * Divides summed head products by sqrt(32), the head width.
     *
     * @param products Q·K summed over each head
     * @return the scaled scores
     */
    protected static NDArray scaleScores(NDArray products) {
        return Scalars.scale(products, (float) (1 / Math.sqrt(HEAD_WIDTH)));
    }

    /**
     * Returns Wv, the weight of the value map.
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @param training whether this is a training pass
     * @return Wv [C, 1, 3, 3]
     */
    protected NDArray valueWeight(ParameterStore ps, Device device, boolean training) {
        return ps.getValue(wv, device, training);
    }

    /**
     * Returns Wq, the weight of the query map.
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @param training whether this is a training pass
     * @return Wq [1, 1, k]
     */
    protected NDArray queryWeight(ParameterStore ps, Device device, boolean training) {
        return ps.getValue(wq, device, training);
    }

    /**
     * Returns Wk, the weight of the key map.
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @param training whether this is a training pass
     * @return Wk [1, 1, k]
     */
    protected NDArray keyWeight(ParameterStore ps, Device device, boolean training) {
        return ps.getValue(wk, device, training);
    }

    /**
     * Returns the multiply-accumulates of Q, K and V for one sample.
     *
     * @param pixels H·W
     * @return 2·C·k + 9·C·H·W
     */
    protected long projectionMacs(long pixels) {
        return 2L * channels * kernel + 9L * channels * pixels;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        bn.initialize(manager, dataType, inputShapes[0]);
    }
}
