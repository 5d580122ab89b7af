package ai.dla.attention;

import ai.dla.nn.Init;
import ai.dla.nn.Layers;
import ai.dla.nn.Ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
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
 * d, w)}, with o [B, C, H, W] the previous layer's contribution (the shortcut in MRLA-L), gap =
 * GAP(x) [B, C] when the caller already has it, and d [B, C] and w [C, 1, 3, 3] a gate and a
 * depthwise kernel that update o first: DLA-L's õ = o ⊙ d + w * o. Output: {@code NDList(out)}
 * [B, C, H, W], in x's memory layout.
 *
 * <p>λ is folded into d and w, so õ is never written out, and in inference the BatchNorm's affine
 * map is folded into Wv, d, w and the bias of w's convolution: the branch is two depthwise
 * convolutions and four elementwise passes. Every operation works in any memory layout; {@link
 * ai.dla.resnet.DlaResNet} runs channels-last, where oneDNN's depthwise convolution needs no
 * reordering.
 */
public final class LightLayerAttention extends ProjectedAttention {

    private static final byte VERSION = 1;

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
        if (inputs.size() < 2 || inputs.size() == 4 || inputs.size() > 5) {
            throw new IllegalArgumentException(
                    "LightLayerAttention takes NDList(x, o), (x, o, gap) or (x, o, gap, d, w), got "
                            + inputs.size()
                            + " arrays");
        }
        NDArray x = inputs.get(0);
        NDArray o = inputs.get(1);
        NDArray gap = inputs.size() > 2 ? inputs.get(2) : Ops.gap(x);
        NDArray gate = inputs.size() > 3 ? inputs.get(3) : null;
        NDArray shortcutWeight = inputs.size() > 4 ? inputs.get(4) : null;
        long batch = x.getShape().get(0);

        NDArray qk = queryKey(ps, gap, training);
        NDArray products = qk.get(":, 0, :").mul(qk.get(":, 1, :")).reshape(batch, heads, HEAD_WIDTH);
        NDArray weights =
                Ops.spatial(Activation.sigmoid(scaleScores(products.sum(new int[] {2}))).repeat(1, HEAD_WIDTH));
        NDArray lambdaValue = ps.getValue(lambda, x.getDevice(), training).reshape(channels);
        lambdaValue.attach(x.getManager()); // a view of the parameter: the batch owns it, not the parameters' manager
        if (training) {
            NDArray sum = value(ps, x, true).mul(weights);
            addShortcut(sum, o, gate, shortcutWeight, lambdaValue, null);
            return bn.forward(ps, new NDList(sum), true, params);
        }
        NDList affine = Layers.batchNormAffine(ps, bn, x);
        NDArray scale = affine.get(0);
        NDArray scaledValue = Ops.perChannel(valueWeight(ps, x.getDevice(), false), scale);
        NDArray sum = Ops.depthwise(x, scaledValue, null).muli(weights);
        addShortcut(sum, o, gate, shortcutWeight, scale.mul(lambdaValue), affine.get(1));
        return new NDList(sum);
    }

    /**
     * Adds the shortcut term factor ⊙ õ to sum, with õ = o ⊙ d + W * o when a gate d and a
     * depthwise weight W are given and õ = o otherwise, plus a per-channel shift if one is given.
     * The per-channel factor is folded into W and d, so õ is never written out.
     */
    private void addShortcut(
            NDArray sum, NDArray o, NDArray gate, NDArray weight, NDArray factor, NDArray shift) {
        if (gate == null) {
            sum.addi(o.mul(factor.reshape(channels, 1, 1)));
            if (shift != null) {
                sum.addi(shift.reshape(channels, 1, 1));
            }
            return;
        }
        sum.addi(Ops.depthwise(o, Ops.perChannel(weight, factor), shift));
        sum.addi(o.mul(Ops.spatial(gate.mul(factor))));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
