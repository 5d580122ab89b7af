package ai.dla.attention;

import ai.dla.nn.Init;
import ai.dla.nn.Ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Light layer attention (as in MRLA-light): {@code BN(LA(x) + λ ⊙ o)}.
 *
 * <p>For x [B, C, H, W] and heads of 32 channels, with y = GAP(x):
 *
 * <pre>
 *   Q = Wq * y,  K = Wk * y          (1-D convolutions over the C channels, kernel k from ECA)
 *   V = Wv * x                       (depthwise 3×3)
 *   a[b, j] = sigmoid( sum over head j of Q·K / sqrt(32) )
 *   LA(x) = V ⊙ a                    (each head's weight over its 32 channels and H×W)
 * </pre>
 *
 * <p>Forward input: {@code NDList(x, o)}, {@code NDList(x, o, gap)} or {@code NDList(x, o, gap,
 * kernel)}, with o [B, C, H, W] the previous layer's contribution (the shortcut in MRLA-L), gap =
 * GAP(x) [B, C] when the caller already has it, and kernel [B, C, 3, 3] a per-sample depthwise
 * kernel that o passes through first: DLA-L's updated shortcut õ = K_b * o. Output: {@code
 * NDList(out)} [B, C, H, W].
 *
 * <p>Since a and the kernel are constant over H×W, V ⊙ a and λ ⊙ (K_b * o) are computed as
 * depthwise convolutions of x and o with per-sample kernels (a·Wv and λ·K_b): two whole-batch
 * convolutions instead of two convolutions and four elementwise passes. In inference the
 * BatchNorm's affine map is folded into those kernels as well.
 */
public final class LightLayerAttention extends ProjectedAttention {

    private static final byte VERSION = 1;
    private static final Shape UNIT = new Shape(1, 1);

    private final Parameter lambda;

    /**
     * Creates the attention for a C-channel feature map.
     *
     * @param channels C, a positive multiple of 32
     */
    public LightLayerAttention(int channels) {
        super(VERSION, channels);
        lambda =
                addParameter(
                        Parameter.builder()
                                .setName("lambda")
                                .setType(Parameter.Type.WEIGHT)
                                .optShape(new Shape(channels, 1, 1))
                                .optInitializer(Init.standardNormal())
                                .build());
    }

    /**
     * Returns the multiply-accumulates for one sample.
     *
     * @param pixels H·W of the feature map
     * @return Q, K, V, the head scores, V ⊙ a and λ ⊙ o
     */
    public long macs(long pixels) {
        return projectionMacs(pixels) + channels + 2L * channels * pixels;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray o = inputs.get(1);
        NDArray gap = inputs.size() > 2 ? inputs.get(2) : Ops.gap(x);
        NDArray kernel = inputs.size() > 3 ? inputs.get(3) : null;
        Shape s = x.getShape();
        long batch = s.get(0);

        NDArray qk = queryKey(ps, gap, training);
        NDArray products = qk.get(":, 0, :").mul(qk.get(":, 1, :")).reshape(batch, heads, HEAD_WIDTH);
        NDArray scores = scaleScores(products.sum(new int[] {2}));
        NDArray valueKernel =
                Activation.sigmoid(scores)
                        .reshape(batch, heads, 1, 1, 1)
                        .mul(valueKernels(ps, x, training))
                        .reshape(batch, channels, 3, 3);
        NDArray lambdaValue = ps.getValue(lambda, x.getDevice(), training);
        if (training) {
            NDArray sum = perSample(x, valueKernel, null).addi(shortcutTerm(o, kernel, lambdaValue, null));
            return bn.forward(ps, new NDList(sum), training, params);
        }
        NDList affine = inferenceAffine(ps, x);
        NDArray scale = affine.get(0);
        NDArray shift = affine.get(1);
        NDArray attended = perSample(x, valueKernel.mul(scale.reshape(channels, 1, 1)), shift.tile(batch));
        return new NDList(attended.addi(shortcutTerm(o, kernel, lambdaValue, scale)));
    }

    /**
     * λ ⊙ (K_b * o), or λ ⊙ o without a kernel, times the folded BatchNorm scale in inference.
     */
    private NDArray shortcutTerm(NDArray o, NDArray kernel, NDArray lambdaValue, NDArray scale) {
        NDArray factor = scale == null ? lambdaValue : scale.reshape(channels, 1, 1).mul(lambdaValue);
        if (kernel == null) {
            return o.mul(factor);
        }
        return perSample(o, kernel.mul(factor), null);
    }

    /**
     * The depthwise 3×3 convolution of x [B, C, H, W] with one kernel per sample and channel,
     * as one grouped convolution of the B·C planes.
     */
    private static NDArray perSample(NDArray x, NDArray kernel, NDArray bias) {
        Shape s = x.getShape();
        long planes = s.get(0) * s.get(1);
        NDArray weight = kernel.reshape(planes, 1, 3, 3);
        NDArray y =
                Conv2d.conv2d(x.reshape(1, planes, s.get(2), s.get(3)), weight, bias, UNIT, UNIT, UNIT, (int) planes)
                        .head();
        return y.reshape(s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
