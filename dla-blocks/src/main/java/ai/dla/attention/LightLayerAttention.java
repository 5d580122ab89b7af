package ai.dla.attention;

import ai.dla.nn.Init;
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
 * <p>Forward input: {@code NDList(x, o)} or {@code NDList(x, o, gap)} with o [B, C, H, W] the
 * previous layer's contribution (the shortcut in MRLA-L, the updated shortcut õ in DLA-L) and gap =
 * GAP(x) [B, C] when the caller already has it. Output: {@code NDList(out)} [B, C, H, W].
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
        NDArray x = inputs.get(0);
        NDArray o = inputs.get(1);
        NDArray gap = inputs.size() > 2 ? inputs.get(2) : Ops.gap(x);
        Shape s = x.getShape();
        long batch = s.get(0);

        NDArray qk = queryKey(ps, gap, training);
        NDArray scores =
                qk.get(":, 0, :")
                        .mul(qk.get(":, 1, :"))
                        .reshape(batch, heads, HEAD_WIDTH)
                        .sum(new int[] {2})
                        .mul(1.0 / Math.sqrt(HEAD_WIDTH));
        NDArray attended =
                value(ps, x, training)
                        .reshape(batch, heads, HEAD_WIDTH, s.get(2), s.get(3))
                        .mul(Activation.sigmoid(scores).reshape(batch, heads, 1, 1, 1))
                        .reshape(s);
        NDArray sum = attended.add(o.mul(ps.getValue(lambda, x.getDevice(), training)));
        return bn.forward(ps, new NDList(sum), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
