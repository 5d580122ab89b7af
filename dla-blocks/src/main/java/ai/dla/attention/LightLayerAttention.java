package ai.dla.attention;

import ai.dla.light.BranchTerms;
import ai.dla.nn.FeatureMaps;
import ai.dla.nn.InferenceWeights;
import ai.dla.nn.Init;
import ai.dla.nn.Layers;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
 * <p>Forward input: {@code NDList(x, o)} or {@code NDList(x, o, gap)}, with o [B, C, H, W] the
 * previous layer's contribution (the shortcut in MRLA-L) and gap = GAP(x) [B, C] when the caller
 * already has it. Output: {@code NDList(out)} [B, C, H, W], in x's memory layout. DLA-L adds its
 * updated shortcut õ = o ⊙ d + DW(o) instead of o, through {@link #forwardUpdated}.
 *
 * <p>λ is folded into d and DW's kernel, so õ is never written out, and in inference the BatchNorm's affine
 * map is folded into Wv, d, w and the bias of w's convolution: the branch is two depthwise
 * convolutions and four elementwise passes. The folded kernels are computed once and kept until the
 * weights change ({@link InferenceWeights}). Every operation works in any memory layout; {@link
 * ai.dla.network.DlaResNet} runs channels-last, where oneDNN's depthwise convolution needs no
 * reordering.
 */
public final class LightLayerAttention extends ProjectedAttention implements InferenceWeights.Holder {

    private static final byte VERSION = 1;

    private final Parameter lambda;
    private final InferenceWeights folded = new InferenceWeights();

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
        if (inputs.size() != 2 && inputs.size() != 3) {
            throw new IllegalArgumentException(
                    "LightLayerAttention takes NDList(x, o) or (x, o, gap), got " + inputs.size() + " arrays");
        }
        NDArray x = inputs.get(0);
        NDArray gap = inputs.size() > 2 ? inputs.get(2) : FeatureMaps.gap(x);
        return branch(ps, x, inputs.get(1), gap, null, null, training, params);
    }

    /**
     * DLA-L's branch {@code BN(LA(x) + λ ⊙ õ)}, with õ = o ⊙ d + DW(o) the stage's shortcut update
     * ({@link ai.dla.light.ShortcutUpdate}), whose gate and kernel are folded with λ so that õ is
     * never written out.
     *
     * @param ps the parameter store
     * @param x the unit's output [B, C, H, W]
     * @param o the unit's shortcut [B, C, H, W]
     * @param gap GAP(x) [B, C]
     * @param gate the gate d [B, C]
     * @param kernel DW's kernel [C, 1, 3, 3], as {@link ai.dla.light.ShortcutUpdate#kernel} gives it
     * @param training whether this is a training pass
     * @param params optional block parameters
     * @return {@code NDList(out)} [B, C, H, W], in x's memory layout
     */
    public NDList forwardUpdated(ParameterStore ps, NDArray x, NDArray o, NDArray gap, NDArray gate,
            NDArray kernel, boolean training, PairList<String, Object> params) {
        return branch(ps, x, o, gap, gate, kernel, training, params);
    }

    private NDList branch(ParameterStore ps, NDArray x, NDArray o, NDArray gap, NDArray gate,
            NDArray shortcutWeight, boolean training, PairList<String, Object> params) {
        NDArray weights = FeatureMaps.spatial(headWeights(ps, gap, training).repeat(1, HEAD_WIDTH));
        if (training) {
            folded.clear();
            NDArray lambdaValue = ps.getValue(lambda, x.getDevice(), true).reshape(channels);
            lambdaValue.attach(x.getManager()); // a view of the parameter: the batch owns it, not the parameters' manager
            NDArray sum = value(ps, x, true).mul(weights);
            if (gate == null) {
                sum.addi(o.mul(lambdaValue.reshape(channels, 1, 1)));
            } else {
                sum.addi(FeatureMaps.depthwise(o, Layers.perChannel(shortcutWeight, lambdaValue), null));
                sum.addi(o.mul(FeatureMaps.spatial(gate.mul(lambdaValue))));
            }
            return bn.forward(ps, new NDList(sum), true, params);
        }
        Folded f = inferenceWeights(ps, x, shortcutWeight);
        NDArray sum = FeatureMaps.depthwise(x, f.value(), null).muli(weights);
        if (gate == null) {
            sum.addi(o.mul(f.factorMap())).addi(f.shiftMap());
        } else {
            sum.addi(FeatureMaps.depthwise(o, f.shortcut(), f.shift()));
            sum.addi(o.mul(FeatureMaps.spatial(gate.mul(f.factor()))));
        }
        return new NDList(sum);
    }

    /** The heads' weights a [B, C / 32] = sigmoid(per-head sum of Q ⊙ K / sqrt(32)) of the summary. */
    private NDArray headWeights(ParameterStore ps, NDArray gap, boolean training) {
        long batch = gap.getShape().get(0);
        NDArray qk = queryKey(ps, gap, training);
        NDArray products = qk.get(":, 0, :").mul(qk.get(":, 1, :")).reshape(batch, heads, HEAD_WIDTH);
        return Activation.sigmoid(scaleScores(products.sum(new int[] {2})));
    }

    /**
     * Returns what the fused training kernels ({@link ai.dla.light.FusedLightTraining}) take from this
     * unit, computed under autograd from the summary GAP(x): the heads' weights, the per-sample
     * factor of the shortcut (λ ⊙ d, or λ without a gate), the kernels tap-major, and the BatchNorm's
     * parameters. Gradients flow from these into Q, K, Wv, λ, the shortcut's kernel and the gate.
     *
     * @param ps the parameter store
     * @param gap GAP(x) [B, C]
     * @param gate the gate d [B, C] (DLA-L), or null (MRLA-L: the shortcut is λ ⊙ o)
     * @param shortcutWeight DW's kernel [C, 1, 3, 3] (DLA-L), or null
     * @return the terms, in gap's manager
     */
    public BranchTerms trainingTerms(ParameterStore ps, NDArray gap, NDArray gate, NDArray shortcutWeight) {
        folded.clear(); // a training pass: the optimizer and the kernel's running statistics change the sources after it
        Device device = gap.getDevice();
        NDArray lambdaValue = ps.getValue(lambda, device, true).reshape(channels);
        lambdaValue.attach(gap.getManager()); // a view of the parameter: the batch owns it
        NDArray factor = gate == null
                ? lambdaValue.reshape(1, channels).repeat(0, gap.getShape().get(0))
                : gate.mul(lambdaValue);
        NDList bnParameters = Layers.batchNormParameters(ps, bn, device, true);
        return new BranchTerms(
                headWeights(ps, gap, true),
                factor,
                tapMajor(valueWeight(ps, device, true)),
                shortcutWeight == null ? null : tapMajor(Layers.perChannel(shortcutWeight, lambdaValue)),
                bnParameters);
    }

    /**
     * Returns the parameters from which the fused training kernels compute this unit's small terms
     * in C ({@link ai.dla.light.NativeTerms}), as the store holds them: Wq [1, 1, k], Wk [1, 1, k],
     * λ [C, 1, 1], Wv [C, 1, 3, 3], then the BatchNorm's γ, β, running mean and running variance.
     *
     * @param ps the parameter store
     * @param device the batch's device
     * @return the parameters
     */
    public NDList trainingParameters(ParameterStore ps, Device device) {
        folded.clear(); // a training pass: the optimizer and the kernel's running statistics change the sources after it
        NDList p = new NDList(
                queryWeight(ps, device, true),
                keyWeight(ps, device, true),
                ps.getValue(lambda, device, true),
                valueWeight(ps, device, true));
        p.addAll(Layers.batchNormParameters(ps, bn, device, true));
        return p;
    }

    /**
     * Returns this unit's attention weights packed into one float32 vector for the fused inference
     * kernel ({@link ai.dla.light.FusedLightUnit}), with the BatchNorm's inference map s, t and λ
     * folded in: Wq [k], Wk [k], s ⊙ Wv [9][C] (tap-major), s ⊙ λ ⊙ W [9][C], s ⊙ λ [C] and t [C].
     * Computed once and kept until the weights change ({@link InferenceWeights}).
     *
     * @param ps the parameter store
     * @param like an array of the batch (its device is used)
     * @param shortcutWeight the shortcut update's kernel W [C, 1, 3, 3], as the store gives it
     * @return the packed weights, owned by this block, or null while autograd records gradients of
     *     the weights
     */
    public NDArray packedWeights(ParameterStore ps, NDArray like, NDArray shortcutWeight) {
        return inferenceWeights(ps, like, shortcutWeight).packed();
    }

    /**
     * The folded inference weights, from the cache unless autograd records gradients of the
     * weights (then computed for this pass, in the batch's manager, and without the packed vector).
     */
    private Folded inferenceWeights(ParameterStore ps, NDArray like, NDArray shortcutWeight) {
        Device device = like.getDevice();
        NDList sources = new NDList(
                queryWeight(ps, device, false),
                keyWeight(ps, device, false),
                valueWeight(ps, device, false),
                ps.getValue(lambda, device, false));
        sources.addAll(Layers.batchNormParameters(ps, bn, device, false));
        if (shortcutWeight != null) {
            sources.add(shortcutWeight);
        }
        if (InferenceWeights.usable(sources)) {
            return new Folded(folded.get(sources, c -> fold(c, c.head(), true)));
        }
        return new Folded(fold(sources, like, false));
    }

    /**
     * (Wq, Wk, Wv, λ, γ, β, mean, var[, W]) to (s ⊙ Wv, s ⊙ λ, t, the same as [C, 1, 1] maps[, s ⊙
     * λ ⊙ W, packed vector]), all owned by like's manager.
     */
    private NDList fold(NDList p, NDArray like, boolean pack) {
        NDList affine = Layers.batchNormAffine(like, p.subNDList(4, 8));
        NDArray scale = affine.get(0);
        NDArray value = Layers.perChannel(p.get(2), scale);
        NDArray factor = scale.reshape(channels, 1, 1).mul(p.get(3)).reshape(channels);
        NDArray shift = affine.get(1);
        NDList out = new NDList(value, factor, shift, factor.reshape(channels, 1, 1), shift.reshape(channels, 1, 1));
        if (p.size() > 8) {
            NDArray shortcut = Layers.perChannel(p.get(8), factor);
            out.add(shortcut);
            if (pack) {
                out.add(NDArrays.concat(new NDList(
                        p.get(0).flatten(),
                        p.get(1).flatten(),
                        tapMajor(value),
                        tapMajor(shortcut),
                        factor,
                        shift)));
            }
        }
        return out;
    }

    /** [C, 1, 3, 3] to its nine taps one after the other, each C wide. */
    private NDArray tapMajor(NDArray kernel) {
        return kernel.reshape(channels, 9).transpose().flatten();
    }

    /** The folded inference weights, by name. */
    private static final class Folded {

        private final NDList arrays;

        Folded(NDList arrays) {
            this.arrays = arrays;
        }

        NDArray value() {
            return arrays.get(0);
        }

        NDArray factor() {
            return arrays.get(1);
        }

        NDArray shift() {
            return arrays.get(2);
        }

        NDArray factorMap() {
            return arrays.get(3);
        }

        NDArray shiftMap() {
            return arrays.get(4);
        }

        NDArray shortcut() {
            return arrays.get(5);
        }

        NDArray packed() {
            return arrays.size() > 6 ? arrays.get(6) : null;
        }
    }

    @Override
    public void clearInferenceWeights() {
        folded.clear();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
