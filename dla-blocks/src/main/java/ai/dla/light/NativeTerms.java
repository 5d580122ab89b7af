package ai.dla.light;

import static ai.dla.light.NativeKernel.handle;

import ai.dla.attention.ProjectedAttention;
import ai.dla.cell.ContextNorm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.function.Supplier;

/**
 * The small per-sample work of the fused training units of one DLA-L or MRLA-L stage, in C
 * ({@code dla_terms.c}): the context cell's two paths (the DSU in its published form), Q and K,
 * the heads' weights and the shortcut's factor, forward and backward, with no autograd graph.
 * Under autograd this work is about forty small operations per unit and as many autograd nodes,
 * whose dispatch kept one of the two threads waiting; here it is two calls.
 *
 * <p>A stage opens one pass per training step ({@link #open}); each fused unit then runs {@link
 * #forward} after GAP and hands the result to {@link FusedLightTraining#finish(Unit, NDArray)}.
 * In the backward pass each unit's segment calls {@link Unit#backward}: it hands the unit's own
 * parameters their gradients, passes the context's gradient to the unit before it, and at the
 * stage's first unit hands the stage's shared parameters (the DSU's perceptrons, the shortcut's
 * kernel) the gradients summed over the stage's units.
 */
public final class NativeTerms {

    private static final int OK = 0;
    private static final int DSU_PARAMETERS = 8;

    private final NDList cell;
    private final NDArray kernel;
    private final int hidden;
    private final int norm;
    private final boolean sampleZero;
    private NDList cellGradients;
    private NDArray kernelGradient;
    private Unit last;

    private NativeTerms(NDList cell, NDArray kernel, int hidden, ContextNorm norm, boolean sampleZero) {
        this.cell = cell;
        this.kernel = kernel;
        this.hidden = hidden;
        this.norm = norm.ordinal();
        this.sampleZero = sampleZero;
    }

    /**
     * Opens a DLA-L stage's pass, or returns null where the small terms stay with autograd: outside
     * a training pass in an open {@link SegmentedBackward}, where the kernels are not active ({@link
     * NativeKernel#isTermsActive}), or for a cell the kernels do not compute (cell null: not the
     * published DSU).
     *
     * @param cellParameters gives the DSU's eight parameters as the store gives them (MLP_ih's fc1 weight and
     *     bias, fc2 weight and bias, then MLP_hh's), or null; asked only where the pass opens
     * @param kernel the shortcut update's kernel DW [C, 1, 3, 3]
     * @param hidden the DSU's hidden width m
     * @param norm the DSU's context norm
     * @param sampleZero whether the backward path reads sample 0's context for every sample
     * @param training whether this is a training pass
     * @return the pass, or null
     */
    public static NativeTerms openDla(Supplier<NDList> cellParameters, NDArray kernel, int hidden, ContextNorm norm,
            boolean sampleZero, boolean training) {
        if (!active(training)) {
            return null;
        }
        NDList cell = cellParameters.get();
        if (cell == null || cell.size() != DSU_PARAMETERS) {
            return null;
        }
        NDList arrays = new NDList(cell);
        arrays.add(kernel);
        if (!arrays.stream().allMatch(NativeKernel::usable)) {
            return null;
        }
        return new NativeTerms(cell, kernel, hidden, norm, sampleZero);
    }

    /**
     * Opens an MRLA-L stage's pass (no cell: the shortcut's factor is λ), or returns null where the
     * small terms stay with autograd.
     *
     * @param training whether this is a training pass
     * @return the pass, or null
     */
    public static NativeTerms openMrla(boolean training) {
        return active(training) ? new NativeTerms(null, null, 0, ContextNorm.SIGMOID, false) : null;
    }

    private static boolean active(boolean training) {
        return training && SegmentedBackward.active() != null && NativeKernel.isTermsActive();
    }

    /**
     * Returns whether a unit of this pass has continued the stage's context in C: from then on every
     * unit of the stage must, since the context has no autograd history.
     *
     * @return true after the first DLA-L unit
     */
    public boolean holdsContext() {
        return kernel != null && last != null;
    }

    /**
     * Computes a unit's small terms from its summaries, continuing the stage's context.
     *
     * @param attention the unit's attention parameters {@code NDList(Wq, Wk, λ, Wv, γ, β, running
     *     mean, running variance)}, as {@link ai.dla.attention.LightLayerAttention#trainingParameters} gives them
     * @param summary GAP(u) [B, C]
     * @param shortcutSummary GAP(o) [B, C]
     * @return the unit's terms
     * @throws IllegalArgumentException if a shape is not the one the kernels read
     */
    public Unit forward(NDList attention, NDArray summary, NDArray shortcutSummary) {
        Shape state = summary.getShape();
        long batch = state.get(0);
        long channels = state.get(1);
        checkShapes(attention, state);
        NDManager manager = summary.getManager();
        NDArray heads = manager.create(new Shape(batch, channels / ProjectedAttention.HEAD_WIDTH), DataType.FLOAT32);
        NDArray factor = manager.create(state, DataType.FLOAT32);
        Shape taps = new Shape(9 * channels);
        NDArray value = manager.create(taps, DataType.FLOAT32);
        NDArray shortcut = kernel == null ? null : manager.create(taps, DataType.FLOAT32);
        NDArray h = kernel == null ? null : manager.create(state, DataType.FLOAT32);
        NDArray c = kernel == null ? null : manager.create(state, DataType.FLOAT32);
        NDArray saved = manager.create(new Shape(NativeKernel.Calls.dla_terms_saved_floats(batch, channels, hidden)),
                DataType.FLOAT32);
        Unit unit = new Unit(this, last, attention, summary, shortcutSummary, heads, factor, value, shortcut, h, c, saved);
        check(NativeKernel.Calls.dla_terms_forward(handle(summary), handleOrZero(shortcutSummary),
                last == null ? 0 : handleOrZero(last.h), last == null ? 0 : handleOrZero(last.c),
                handle(attention.get(0)), handle(attention.get(1)), handle(attention.get(2)), handle(attention.get(3)),
                handleOrZero(kernel), handles(cell), handle(heads), handle(factor), handle(value), handleOrZero(shortcut),
                handleOrZero(h), handleOrZero(c), handle(saved), batch, channels, hidden, kernelSize(attention), norm,
                sampleZero ? 1 : 0), "forward");
        NativeKernel.calledTerms();
        if (kernel != null && cellGradients == null) {
            cellGradients = new NDList(DSU_PARAMETERS);
            for (NDArray p : cell) {
                cellGradients.add(manager.zeros(p.getShape(), DataType.FLOAT32));
            }
            kernelGradient = manager.zeros(kernel.getShape(), DataType.FLOAT32);
        }
        last = unit;
        return unit;
    }

    /**
     * Checks every shape the kernels read before any native call: stride() throws (ending the JVM)
     * for a dimension a tensor lacks.
     */
    private void checkShapes(NDList attention, Shape state) {
        long channels = state.get(1);
        int k = kernelSize(attention);
        Shape kernelShape = new Shape(channels, 1, 3, 3);
        boolean fits = state.dimension() == 2
                && attention.size() == 8
                && attention.get(0).getShape().equals(new Shape(1, 1, k))
                && attention.get(1).getShape().equals(new Shape(1, 1, k))
                && attention.get(2).getShape().equals(new Shape(channels, 1, 1))
                && attention.get(3).getShape().equals(kernelShape)
                && (kernel == null || kernel.getShape().equals(kernelShape))
                && (cell == null || cellFits(channels))
                && (last == null || last.h == null || last.h.getShape().equals(state));
        if (!fits) {
            throw new IllegalArgumentException("The fused training kernels were given parameters of the wrong shapes"
                    + " for a summary " + state + ": attention " + attention.getShapes()[0] + ", cell "
                    + (cell == null ? "none" : cell.getShapes()[0].toString()));
        }
        if (!attention.stream().allMatch(NativeKernel::usable)) {
            throw new IllegalArgumentException("The fused training kernels read only dense float32 CPU parameters");
        }
    }

    private boolean cellFits(long channels) {
        for (int i = 0; i < 2; i++) {
            boolean fits = cell.get(4 * i).getShape().equals(new Shape(hidden, channels))
                    && cell.get(4 * i + 1).getShape().equals(new Shape(hidden))
                    && cell.get(4 * i + 2).getShape().equals(new Shape(3 * channels, hidden))
                    && cell.get(4 * i + 3).getShape().equals(new Shape(3 * channels));
            if (!fits) {
                return false;
            }
        }
        return true;
    }

    /** Hands the stage's shared parameters the gradients summed over its units. */
    private void finishStage() {
        if (kernel == null) {
            return;
        }
        for (int i = 0; i < DSU_PARAMETERS; i++) {
            SegmentedBackward.inject(cell.get(i), cellGradients.get(i));
        }
        SegmentedBackward.inject(kernel, kernelGradient);
    }

    private static int kernelSize(NDList attention) {
        return (int) attention.get(0).getShape().get(2);
    }

    private static long[] handles(NDList arrays) {
        long[] out = new long[DSU_PARAMETERS];
        for (int i = 0; arrays != null && i < arrays.size(); i++) {
            out[i] = handle(arrays.get(i));
        }
        return out;
    }

    private static long handleOrZero(NDArray a) {
        return a == null ? 0 : handle(a);
    }

    /** The small kernels check what Java checked and the layouts; a refusal after the checks is a defect. */
    private static void check(int code, String pass) {
        if (code != OK) {
            throw new IllegalStateException("The fused training kernel refused a unit's small terms in the " + pass
                    + " pass (code " + code + "); run with -D" + NativeKernel.PROPERTY + "=maps and report this");
        }
    }

    /** One unit's small terms: what the map kernels take, the new context, and the backward pass. */
    public static final class Unit {

        private final NativeTerms stage;
        private final Unit previous;
        private final NDList attention;
        private final NDArray summary;
        private final NDArray shortcutSummary;
        private final BranchTerms terms;
        private final NDArray h;
        private final NDArray c;
        private final NDArray saved;
        private NDArray dhNext;
        private NDArray dcNext;

        private Unit(NativeTerms stage, Unit previous, NDList attention, NDArray summary, NDArray shortcutSummary,
                NDArray heads, NDArray factor, NDArray value, NDArray shortcut, NDArray h, NDArray c, NDArray saved) {
            this.stage = stage;
            this.previous = previous;
            this.attention = attention;
            this.summary = summary;
            this.shortcutSummary = shortcutSummary;
            this.terms = new BranchTerms(heads, factor, value, shortcut, attention.subNDList(4));
            this.h = h;
            this.c = c;
            this.saved = saved;
        }

        /**
         * Returns what the map kernels take from this unit.
         *
         * @return the terms
         */
        BranchTerms terms() {
            return terms;
        }

        /** The arrays the backward pass reads, for the check that none was closed. */
        NDList saved() {
            NDList all = new NDList(summary, shortcutSummary, saved, h, c);
            all.addAll(attention);
            if (previous != null) {
                all.add(previous.h);
                all.add(previous.c);
            }
            return all;
        }

        /**
         * The backward pass of this unit's small terms, from the map kernels' gradients g: hands the
         * unit's parameters (Wq, Wk, λ, Wv, γ, β) their gradients, adds the shared parameters' to
         * the stage's sums, and passes the context's gradient to the previous unit.
         *
         * @return {@code NDList(dL/dGAP(u), dL/dGAP(o))} [B, C] each
         */
        NDList backward(BranchTerms.Gradients g) {
            NDManager manager = summary.getManager();
            Shape state = summary.getShape();
            NDArray dSummary = manager.create(state, DataType.FLOAT32);
            NDArray dShortcutSummary = stage.kernel == null
                    ? manager.zeros(state, DataType.FLOAT32)
                    : manager.create(state, DataType.FLOAT32);
            boolean first = previous == null;
            boolean cell = stage.kernel != null;
            NDArray dh = cell && !first ? manager.create(state, DataType.FLOAT32) : null;
            NDArray dc = cell && !first ? manager.create(state, DataType.FLOAT32) : null;
            NDList grads = new NDList(4);
            for (int i = 0; i < 4; i++) {
                grads.add(manager.create(attention.get(i).getShape(), DataType.FLOAT32));
            }
            check(NativeKernel.Calls.dla_terms_backward(handle(summary), handleOrZero(shortcutSummary),
                    first ? 0 : handleOrZero(previous.h), first ? 0 : handleOrZero(previous.c),
                    handle(attention.get(0)), handle(attention.get(1)), handle(attention.get(2)),
                    handle(attention.get(3)), handleOrZero(stage.kernel), handles(stage.cell), handle(terms.heads()),
                    handleOrZero(h), handleOrZero(c), handle(saved), handle(g.heads()), handle(g.factor()),
                    handle(g.value()), handleOrZero(g.shortcut()), handleOrZero(dhNext), handleOrZero(dcNext), handle(dSummary),
                    handle(dShortcutSummary), handleOrZero(dh), handleOrZero(dc), handle(grads.get(0)),
                    handle(grads.get(1)), handle(grads.get(2)), handle(grads.get(3)), handleOrZero(stage.kernelGradient),
                    handles(stage.cellGradients), state.get(0), state.get(1), stage.hidden, kernelSize(attention),
                    stage.norm, stage.sampleZero ? 1 : 0), "backward");
            grads.add(g.gamma());
            grads.add(g.beta());
            for (int i = 0; i < grads.size(); i++) {
                SegmentedBackward.inject(attention.get(i), grads.get(i));
            }
            if (first) {
                stage.finishStage();
            } else {
                previous.dhNext = dh;
                previous.dcNext = dc;
            }
            return new NDList(dSummary, dShortcutSummary);
        }
    }
}
