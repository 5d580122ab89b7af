package ai.dla.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

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
