package ai.dla.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Factories for the three layer kinds of the network, with the reference's settings. */
public final class Layers {

    /** PyTorch's BatchNorm momentum 0.1 in DJL's convention. */
    public static final float BN_MOMENTUM = 0.9f;

    /** The BatchNorm epsilon used everywhere. */
    public static final float BN_EPSILON = 1e-5f;

    private Layers() {}

    /**
     * Builds a bias-free square convolution with padding {@code kernel / 2} and Kaiming fan-out
     * initialisation.
     *
     * @param filters the output channels
     * @param kernel the kernel side
     * @param stride the stride
     * @param groups the number of groups (the channel count for a depthwise convolution)
     * @return the convolution
     */
    public static Conv2d conv(int filters, int kernel, int stride, int groups) {
        Conv2d conv =
                Conv2d.builder()
                        .setFilters(filters)
                        .setKernelShape(new Shape(kernel, kernel))
                        .optStride(new Shape(stride, stride))
                        .optPadding(new Shape(kernel / 2, kernel / 2))
                        .optGroups(groups)
                        .optBias(false)
                        .build();
        conv.setInitializer(Init.convolution(), Parameter.Type.WEIGHT);
        return conv;
    }

    /**
     * Builds a bias-free dense convolution.
     *
     * @param filters the output channels
     * @param kernel the kernel side
     * @param stride the stride
     * @return the convolution
     */
    public static Conv2d conv(int filters, int kernel, int stride) {
        return conv(filters, kernel, stride, 1);
    }

    /**
     * Builds a BatchNorm over axis 1 with momentum 0.1 (PyTorch convention) and epsilon 1e-5.
     *
     * @return the batch normalisation
     */
    public static BatchNorm batchNorm() {
        return BatchNorm.builder().optMomentum(BN_MOMENTUM).optEpsilon(BN_EPSILON).build();
    }

    /**
     * Returns a BatchNorm's inference map {@code y = scale ⊙ x + shift}, from its running
     * statistics: scale = γ / sqrt(var + ε) and shift = β − mean ⊙ scale.
     *
     * @param ps the parameter store
     * @param bn the BatchNorm, built by {@link #batchNorm()}
     * @param batch an array of the batch, whose device is used and whose manager owns the results
     * @return {@code NDList(scale, shift)}, each [C]
     */
    public static NDList batchNormAffine(ParameterStore ps, BatchNorm bn, NDArray batch) {
        Device device = batch.getDevice();
        PairList<String, Parameter> p = bn.getParameters();
        NDArray scale =
                Ops.constant(batch, BN_EPSILON)
                        .add(ps.getValue(p.get("runningVar"), device, false))
                        .sqrt()
                        .pow(-1)
                        .muli(ps.getValue(p.get("gamma"), device, false));
        NDArray shift =
                scale.mul(ps.getValue(p.get("runningMean"), device, false))
                        .negi()
                        .addi(ps.getValue(p.get("beta"), device, false));
        return new NDList(scale, shift);
    }

    /**
     * Applies a bias-free convolution and then a BatchNorm: {@code bn(conv(x))}. In inference the
     * BatchNorm's map is folded into the convolution (its scale into the kernel, its shift as the
     * bias), so the output is written once instead of being written and then normalised in a second
     * pass; the values agree to float rounding. In training both run as they are, and the BatchNorm
     * updates its running statistics.
     *
     * @param ps the parameter store
     * @param conv the convolution, built by {@link #conv(int, int, int, int)}
     * @param bn the BatchNorm over conv's output
     * @param x the input [B, C, H, W], in any memory layout
     * @param training whether this is a training pass
     * @param params optional block parameters
     * @return the normalised output, in x's memory layout
     */
    public static NDArray convBatchNorm(
            ParameterStore ps,
            Conv2d conv,
            BatchNorm bn,
            NDArray x,
            boolean training,
            PairList<String, Object> params) {
        if (training) {
            NDList y = conv.forward(ps, new NDList(x), true, params);
            return bn.forward(ps, y, true, params).head();
        }
        NDList affine = batchNormAffine(ps, bn, x);
        NDArray weight = ps.getValue(conv.getParameters().get("weight"), x.getDevice(), false);
        return Conv2d.conv2d(
                        x,
                        Ops.perChannel(weight, affine.get(0)),
                        affine.get(1),
                        conv.getStride(),
                        conv.getPadding(),
                        conv.getDilation(),
                        conv.getGroups())
                .head();
    }

    /**
     * Builds a linear layer initialised uniformly in {@code ±1/sqrt(in)}.
     *
     * @param in the input width
     * @param out the output width
     * @param bias whether the layer has a bias
     * @return the linear layer
     */
    public static Linear linear(long in, long out, boolean bias) {
        Linear linear = Linear.builder().setUnits(out).optBias(bias).build();
        linear.setInitializer(Init.uniformFanIn(in), p -> true);
        return linear;
    }
}
