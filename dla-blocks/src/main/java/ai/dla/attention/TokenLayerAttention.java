package ai.dla.attention;

import ai.dla.nn.FeatureMaps;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The layer attention of DLA-B: the new layer's query attends, per 32-channel head, over the keys
 * and values of every layer of the stage so far, with a softmax over the layers.
 *
 * <p>Forward input: {@code NDList(x)} for the stage's first unit, or {@code NDList(x, keys, values)}
 * with the stored (already refreshed) tokens keys [B, T, C] and values [B, T, C, H, W]. With q, k,
 * v of x computed as in {@link LightLayerAttention}, k and v are appended as token T, and per head
 * j:
 *
 * <pre>
 *   α[t] = softmax over t of (q_j · K_t,j) / sqrt(32)
 *   O    = Σ_t α[t] · V_t
 * </pre>
 *
 * Output: {@code NDList(ReLU(BN(O)), keys', values')} with the T + 1 tokens.
 */
public final class TokenLayerAttention extends ProjectedAttention {

    private static final byte VERSION = 1;

    /**
     * Creates the attention for a C-channel feature map.
     *
     * @param channels C, a positive multiple of 32
     */
    public TokenLayerAttention(int channels) {
        super(VERSION, channels);
    }

    /**
     * Returns the multiply-accumulates for one sample.
     *
     * @param pixels H·W of the feature map
     * @param tokens the number of tokens attended over, this layer's included
     * @return Q, K, V, the scores and the weighted sum of values
     */
    public long macs(long pixels, long tokens) {
        return projectionMacs(pixels) + tokens * channels * (1 + pixels);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        Shape s = x.getShape();
        long batch = s.get(0);

        NDArray qk = queryKey(ps, FeatureMaps.gap(x), training);
        NDArray q = qk.get(":, 0, :");
        NDArray k = qk.get(":, 1:2, :");
        NDArray v = value(ps, x, training).expandDims(1);
        NDArray keys = inputs.size() > 1 ? inputs.get(1).concat(k, 1) : k;
        NDArray values = inputs.size() > 1 ? inputs.get(2).concat(v, 1) : v;
        long tokens = keys.getShape().get(1);

        NDArray scores =
                scaleScores(
                        keys.reshape(batch, tokens, heads, HEAD_WIDTH)
                                .mul(q.reshape(batch, 1, heads, HEAD_WIDTH))
                                .sum(new int[] {3}));
        NDArray weights = scores.softmax(1).reshape(batch, tokens, heads, 1, 1, 1);
        NDArray out =
                values.reshape(batch, tokens, heads, HEAD_WIDTH, s.get(2), s.get(3))
                        .mul(weights)
                        .sum(new int[] {1})
                        .reshape(s);
        NDArray normed = bn.forward(ps, new NDList(out), training, params).head();
        return new NDList(Activation.relu(normed), keys, values);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        long tokens = inputShapes.length > 1 ? inputShapes[1].get(1) + 1 : 1;
        return new Shape[] {
            x,
            new Shape(x.get(0), tokens, x.get(1)),
            new Shape(x.get(0), tokens, x.get(1), x.get(2), x.get(3))
        };
    }
}
