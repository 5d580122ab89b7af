package ai.dla.light;

import static ai.dla.light.NativeKernel.handle;
import static ai.dla.light.NativeKernel.usable;

import ai.dla.attention.ProjectedAttention;
import ai.dla.cell.ContextNorm;
import ai.dla.nn.InferenceWeights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The inference of one DLA-L unit after its bottleneck, in one call of the native kernel: from the
 * unit's output x and shortcut o (channels-last [B, C, H, W] maps) and the stage's context (h, c),
 *
 * <pre>
 *   (h', c') = DSU(GAP(x), h, c)                  forward path
 *   d        = DSU(GAP(o), h', c').h              backward path (sample 0's h', c' in sample-zero mode)
 *   x'       = x + BN(LA(x) + λ ⊙ (o ⊙ d + DW(o)))
 * </pre>
 *
 * <p>This is what {@link ai.dla.stage.DlaLStage} computes with separate operations, the reference:
 * the kernel reads each map once for its averages and once more, still in cache, for the 3×3
 * stencil, and writes x' once, over x (no new map is allocated), where the separate operations take two depthwise convolutions, five
 * elementwise passes and about forty small operations per unit. The weights come packed and folded
 * ({@link ai.dla.cell.DynamicSharingUnit#packedWeights}, {@link
 * ai.dla.attention.LightLayerAttention#packedWeights}).
 *
 * <p>Every guard is checked before the native call: the kernel is active ({@link NativeKernel}),
 * every array is a live dense float32 PyTorch array on the CPU of the expected shape, no gradient
 * has to flow through the unit, and the packed weights have the expected lengths. The kernel itself
 * checks the maps' strides (channels-last) and the vectors' before it reads them. When anything
 * does not hold, {@link #apply} returns null without computing anything, and the caller runs the
 * separate operations.
 */
public final class FusedLightUnit {

    private static final int TAPS = 9;

    private FusedLightUnit() {}

    /**
     * Runs the unit's attention, context update and residual sum in one kernel call, if it can.
     *
     * @param x the unit's output [B, C, H, W], channels-last; overwritten with x' when the kernel
     *     runs, so it must be an intermediate that nothing else reads
     * @param o the unit's shortcut [B, C, H, W], channels-last
     * @param context the stage's {@code NDList(h, c)} [B, C] each, or null at its first unit
     * @param dsu the DSU's packed weights, or null
     * @param unit the unit's packed attention weights, or null
     * @param hidden the DSU's hidden width m
     * @param kernel the ECA kernel size k of Q and K
     * @param norm the DSU's context norm
     * @param sampleZero whether the backward path reads sample 0's context
     * @return {@code NDList(x', h', c')} in x's manager, x' being x itself; or null if the fused
     *     path does not apply, with nothing computed and x unchanged
     */
    public static NDList apply(
            NDArray x,
            NDArray o,
            NDList context,
            NDArray dsu,
            NDArray unit,
            int hidden,
            int kernel,
            ContextNorm norm,
            boolean sampleZero) {
        if (dsu == null || unit == null || !NativeKernel.isActive()) {
            return null;
        }
        Shape s = x.getShape();
        if (s.dimension() != 4 || !s.equals(o.getShape()) || s.get(1) % ProjectedAttention.HEAD_WIDTH != 0) {
            return null;
        }
        long batch = s.get(0);
        long channels = s.get(1);
        Shape state = new Shape(batch, channels);
        if (!usable(x) || !usable(o) || !usable(dsu) || !usable(unit)
                || dsu.getShape().size() != 2 * (channels * hidden + hidden + 3 * channels * hidden + 3 * channels)
                || unit.getShape().size() != 2L * kernel + 2 * TAPS * channels + 2 * channels) {
            return null;
        }
        if (context != null
                && (!usable(context.get(0)) || !usable(context.get(1))
                        || !state.equals(context.get(0).getShape()) || !state.equals(context.get(1).getShape()))) {
            return null;
        }
        if (InferenceWeights.recording(x) && (x.hasGradient() || o.hasGradient())) {
            return null; // a gradient has to flow through the unit: the separate operations record it
        }
        NDManager manager = x.getManager();
        NDArray h = manager.create(state, DataType.FLOAT32);
        NDArray c = manager.create(state, DataType.FLOAT32);
        int code = NativeKernel.Calls.dla_light_unit(
                handle(x), handle(o),
                context == null ? 0 : handle(context.get(0)), context == null ? 0 : handle(context.get(1)),
                handle(h), handle(c), handle(dsu), handle(unit),
                batch, channels, s.get(2), s.get(3), hidden, kernel, normCode(norm), sampleZero ? 1 : 0,
                NativeKernel.threads());
        if (code != 0) {
            h.close();
            c.close();
            NativeKernel.tellOnce("the kernel refused a call (code " + code + ", "
                    + (code == -2 ? "an array not in the layout it was given" : "see dla_kernels.c") + ")");
            return null;
        }
        NativeKernel.called();
        return new NDList(x, h, c);
    }

    /** The kernel's code for a context norm (dla_kernels.c, context_norm). */
    private static int normCode(ContextNorm norm) {
        switch (norm) {
            case IDENTITY:
                return 1;
            case TANH:
                return 2;
            case RELU:
                return 3;
            default:
                return 0;
        }
    }

}
