package ai.dla.nn;

import ai.dla.runtime.TorchStartup;

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

import java.util.Arrays;

/** Factories for the three layer kinds of the network, with the reference's settings. */
public final class Layers {

    /** PyTorch's BatchNorm momentum 0.1 in DJL's convention. */
    public static final float BN_MOMENTUM = 0.9f;

    /** The BatchNorm epsilon used everywhere. */
    public static final float BN_EPSILON = 1e-5f;

    private Layers() {}

    /**
     * Builds a bias-free square convolution with padding {@code kernel / 2} and Kaiming fan-out
     * initialisation. The first one built prepares libtorch for this host ({@link
     * TorchStartup#prepare()}), before any of the library's convolutions can run.
     *
     * @param filters the output channels
     * @param kernel the kernel side
     * @param stride the stride
     * @param groups the number of groups (the channel count for a depthwise convolution)
     * @return the convolution
     */
    public static Conv2d conv(int filters, int kernel, int stride, int groups) {
        TorchStartup.prepare();
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
     * @param like an array whose manager owns the results and whose device is used
     * @param bn the BatchNorm's {@code NDList(γ, β, running mean, running variance)}, each [C]
     * @return {@code NDList(scale, shift)}, each [C]
     */
    public static NDList batchNormAffine(NDArray like, NDList bn) {
        NDArray scale = Scalars.constant(like, BN_EPSILON).add(bn.get(3)).sqrt().pow(-1).muli(bn.get(0));
        NDArray shift = scale.mul(bn.get(2)).negi().addi(bn.get(1));
        return new NDList(scale, shift);
    }

    /**
     * Returns a BatchNorm's parameters as the store gives them for a pass.
     *
     * @param ps the parameter store
     * @param bn the BatchNorm
     * @param device the batch's device
     * @param training whether the pass records gradients of γ and β
     * @return {@code NDList(γ, β, running mean, running variance)}
     */
    public static NDList batchNormParameters(ParameterStore ps, BatchNorm bn, Device device, boolean training) {
        PairList<String, Parameter> p = bn.getParameters();
        return new NDList(
                ps.getValue(p.get("gamma"), device, training),
                ps.getValue(p.get("beta"), device, training),
                ps.getValue(p.get("runningMean"), device, false),
                ps.getValue(p.get("runningVar"), device, false));
    }

    /**
     * Applies a bias-free convolution and then a BatchNorm: {@code bn(conv(x))}. In inference the
     * BatchNorm's map is folded into the convolution (its scale into the kernel, its shift as the
     * bias), so the output is written once instead of being written and then normalised in a second
     * pass; the values agree to float rounding. The folded kernel and bias are computed once and
     * kept in {@code folded} until the weights change (see {@link InferenceWeights}); while autograd
     * records and the weights take gradients they are computed in the pass instead. In training
     * both layers run as they are, the BatchNorm updates its running statistics, and {@code folded}
     * is cleared.
     *
     * @param ps the parameter store
     * @param conv the convolution, built by {@link #conv(int, int, int, int)}
     * @param bn the BatchNorm over conv's output
     * @param folded the caller's cache of the folded kernel and bias for this pair
     * @param x the input [B, C, H, W], in any memory layout
     * @param training whether this is a training pass
     * @param params optional block parameters
     * @return the normalised output, in x's memory layout
     */
    public static NDArray convBatchNorm(
            ParameterStore ps,
            Conv2d conv,
            BatchNorm bn,
            InferenceWeights folded,
            NDArray x,
            boolean training,
            PairList<String, Object> params) {
        if (training) {
            folded.clear();
            NDList y = conv.forward(ps, new NDList(x), true, params);
            return bn.forward(ps, y, true, params).head();
        }
        NDArray weight = ps.getValue(conv.getParameters().get("weight"), x.getDevice(), false);
        NDList bnParameters = batchNormParameters(ps, bn, x.getDevice(), false);
        NDList sources = new NDList(weight);
        sources.addAll(bnParameters);
        NDList kernel = InferenceWeights.usable(sources)
                ? folded.get(sources, c -> foldBatchNorm(c.get(1), c.get(0), c.subNDList(1)))
                : foldBatchNorm(x, weight, bnParameters);
        return Conv2d.conv2d(
                        x,
                        kernel.get(0),
                        kernel.get(1),
                        conv.getStride(),
                        conv.getPadding(),
                        conv.getDilation(),
                        conv.getGroups())
                .head();
    }

    /** The folded kernel and bias of a convolution's weight and its BatchNorm, owned by like's manager. */
    private static NDList foldBatchNorm(NDArray like, NDArray weight, NDList bn) {
        NDList affine = batchNormAffine(like, bn);
        return new NDList(Layers.perChannel(weight, affine.get(0)), affine.get(1));
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

    /**
     * Scales each output channel of a convolution weight.
     *
     * @param weight [C, ...]
     * @param factor [C]
     * @return factor[c] · weight[c, ...], owned by factor's manager
     */
    public static NDArray perChannel(NDArray weight, NDArray factor) {
        Shape s = weight.getShape();
        long[] axes = new long[s.dimension()];
        Arrays.fill(axes, 1);
        axes[0] = s.get(0);
        return factor.reshape(new Shape(axes)).mul(weight);
    }
}
