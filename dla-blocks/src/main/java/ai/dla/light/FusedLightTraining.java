package ai.dla.light;

import static ai.dla.light.NativeKernel.handle;
import static ai.dla.light.NativeKernel.usable;

import ai.dla.attention.ProjectedAttention;
import ai.dla.nn.FeatureMaps;
import ai.dla.nn.Layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.function.Function;

/**
 * The training pass of one DLA-L or MRLA-L unit after its bottleneck, with the work on the maps in
 * the project's C kernels. From the bottleneck's last BatchNorm output b and its shortcut o:
 *
 * <pre>
 *   u = ReLU(b + o)                                       the unit's output
 *   y = u + DropPath(BN(a ⊙ (Wv * u) + λ ⊙ (DW * o) + f ⊙ o))
 * </pre>
 *
 * with f = λ ⊙ d in DLA-L (d the context cell's gate) and f = λ, no DW, in MRLA-L. The separate
 * operations of {@link ai.dla.stage.DlaLStage} and {@link ai.dla.stage.MrlaStage} are the
 * reference; this computes the same function and the same gradients.
 *
 * <p>A unit runs in two calls: {@link #begin} computes GAP(u) and GAP(o), from which the stage
 * computes the small per-sample terms (the context cell, Q and K, the heads' weights): in C
 * ({@link NativeTerms}) where it can, else under autograd from GAP's arrays made leaves ({@link
 * BranchTerms}). {@code finish} computes y, a new leaf, updates the BatchNorm's running statistics,
 * and records the unit's segment of the step's backward pass ({@link SegmentedBackward}). That
 * segment computes dL/ds and the gradients of the small terms in C, carries them back to GAP's
 * gradients, the context and the parameters (in C, or by autograd), then computes dL/db and dL/do
 * in C and hands them to the bottleneck's graph.
 *
 * <p>The fused path is taken only inside an open {@link SegmentedBackward}, on the CPU, for live
 * dense float32 PyTorch maps whose channels are a multiple of 32 and are laid out channels-last,
 * with the kernel loaded and allowed ({@link NativeKernel#isTrainingActive}). Every guard is checked
 * before a native call; where one fails, {@link #begin} returns null with nothing computed and the
 * stage runs the separate operations.
 */
public final class FusedLightTraining {

    private static final int OK = 0;
    private static final int TAPS = 9;
    private static final int BAD_LAYOUT = -2;

    private final SegmentedBackward segments;
    private final NDArray b;
    private final NDArray o;
    private final NDArray relu;
    private final NDArray summary;
    private final NDArray shortcutSummary;
    private final long[] dims;

    private FusedLightTraining(SegmentedBackward segments, NDArray b, NDArray o, NDArray relu, NDArray summary,
            NDArray shortcutSummary) {
        this.segments = segments;
        this.b = b;
        this.o = o;
        this.relu = relu;
        this.summary = summary;
        this.shortcutSummary = shortcutSummary;
        this.dims = b.getShape().getShape();
    }

    /**
     * Returns the input of a unit as the fused training path takes it: cut from its graph where the
     * path is open on this thread ({@link SegmentedBackward}), else unchanged. Call it before the
     * unit's bottleneck, so that its graph starts at the cut.
     *
     * @param x the unit's input
     * @param training whether this is a training pass
     * @return x, or a leaf over x's memory whose gradient returns to x's graph
     */
    public static NDArray input(NDArray x, boolean training) {
        SegmentedBackward open = SegmentedBackward.active();
        if (!training || open == null || !usable(x) || !NativeKernel.isTrainingActive()) {
            return x;
        }
        return open.cut(x);
    }

    /**
     * Starts a unit's fused training pass: u's and o's averages over H×W, as new leaves, and the
     * join's ReLU mask as bits for the backward pass (1/32 of a map's memory, so that it need not
     * read b and o again).
     *
     * @param b the bottleneck's last BatchNorm output [B, C, H, W], before the join
     * @param o the unit's shortcut [B, C, H, W]
     * @param training whether this is a training pass
     * @return the unit's fused pass, or null where it does not apply (nothing computed)
     */
    public static FusedLightTraining begin(NDArray b, NDArray o, boolean training) {
        SegmentedBackward open = SegmentedBackward.active();
        if (!training || open == null || !NativeKernel.isTrainingActive() || !usable(b) || !usable(o)) {
            return null;
        }
        Shape s = b.getShape();
        if (s.dimension() != 4 || !s.equals(o.getShape()) || s.get(1) % ProjectedAttention.HEAD_WIDTH != 0) {
            return null;
        }
        NDManager manager = b.getManager();
        Shape state = new Shape(s.get(0), s.get(1));
        NDArray gu = manager.create(state, DataType.FLOAT32);
        NDArray go = manager.create(state, DataType.FLOAT32);
        // 32-bit words of bits held in a float32 vector: the kernels read only float tensors
        NDArray relu = manager.create(new Shape(s.size() / Integer.SIZE), DataType.FLOAT32);
        int code = NativeKernel.Calls.dla_train_gap(handle(b), handle(o), handle(gu), handle(go), handle(relu),
                s.get(0), s.get(1), s.get(2), s.get(3), NativeKernel.threads());
        if (code != OK) {
            gu.close();
            go.close();
            relu.close();
            NativeKernel.tellOnce("the training kernel refused a unit (code " + code + ")");
            return null;
        }
        return new FusedLightTraining(open, b, o, relu, open.leaf(gu), open.leaf(go));
    }

    /**
     * Returns GAP(u), the unit's summary, a leaf of the small terms' graph.
     *
     * @return [B, C]
     */
    public NDArray summary() {
        return summary;
    }

    /**
     * Returns GAP(o), the shortcut's summary (DLA-L's backward path reads it), a leaf.
     *
     * @return [B, C]
     */
    public NDArray shortcutSummary() {
        return shortcutSummary;
    }

    /**
     * Computes the unit's output and records its segment of the backward pass, with the small
     * terms computed under autograd.
     *
     * @param terms the small terms, computed under autograd from {@link #summary()} (and the gate)
     * @param mask DropPath's mask [B, 1, 1, 1], or null
     * @param context the context {@code NDList(h', c')} the unit's cell computed, or null (MRLA-L)
     * @return {@code NDList(y)}, or {@code NDList(y, h', c')} with the context as new leaves for the
     *     next unit; y [B, C, H, W] channels-last
     */
    public NDList finish(BranchTerms terms, NDArray mask, NDList context) {
        checkShapes(terms, mask, context);
        for (NDArray a : terms.differentiable()) {
            if (!usable(a)) {
                throw new IllegalArgumentException("The fused training kernels read only dense float32 CPU arrays: " + a);
            }
        }
        Forward pass = forward(terms, mask);
        NDList next = new NDList(pass.output);
        NDList roots = terms.differentiable();
        if (context != null) {
            roots.addAll(context);
            next.add(segments.leaf(context.get(0)));
            next.add(segments.leaf(context.get(1)));
        }
        NDArray root = flatConcat(roots);
        NDList saved = new NDList(root);
        saved.addAll(next);
        segments.record(() -> backward(terms, pass, saved, g -> {
            NDList grads = g.differentiable();
            for (int i = 1; i < next.size(); i++) {
                grads.add(next.get(i).getGradient());
            }
            SegmentedBackward.inject(root, flatConcat(grads));
            return new NDList(summary.getGradient(), shortcutSummary.getGradient());
        }));
        return next;
    }

    /**
     * Computes the unit's output and records its segment of the backward pass, with the small
     * terms computed in C ({@link NativeTerms}).
     *
     * @param unit the unit's small terms, computed from {@link #summary()} and {@link #shortcutSummary()}
     * @param mask DropPath's mask [B, 1, 1, 1], or null
     * @return y [B, C, H, W] channels-last, a new leaf
     */
    public NDArray finish(NativeTerms.Unit unit, NDArray mask) {
        BranchTerms terms = unit.terms();
        checkShapes(terms, mask, null);
        Forward pass = forward(terms, mask);
        segments.record(() -> backward(terms, pass, unit.saved(), unit::backward));
        return pass.output;
    }

    /** What a unit's forward pass keeps for its backward pass. */
    private record Forward(NDArray keep, NDArray s, NDArray stats, NDArray output) {}

    /** y, with s and the batch statistics kept, and the BatchNorm's running statistics updated. */
    private Forward forward(BranchTerms terms, NDArray mask) {
        NDManager manager = b.getManager();
        long channels = dims[1];
        NDArray s = channelsLast(manager);
        NDArray y = channelsLast(manager);
        NDArray stats = manager.create(new Shape(2, channels), DataType.FLOAT32);
        NDArray keep = mask == null ? null : mask.reshape(dims[0]);
        NDList bn = terms.batchNorm();
        check(NativeKernel.Calls.dla_train_forward(handle(b), handle(o), handle(terms.heads()),
                handle(terms.factor()), handle(terms.value()), handleOrZero(terms.shortcut()), handleOrZero(keep),
                handle(bn.get(0)), handle(bn.get(1)), handle(bn.get(2)), handle(bn.get(3)),
                1f - Layers.BN_MOMENTUM, Layers.BN_EPSILON, handle(s), handle(y), handle(stats),
                dims[0], dims[1], dims[2], dims[3], NativeKernel.threads()), "forward");
        NativeKernel.calledTraining();
        return new Forward(keep, s, stats, segments.leaf(y));
    }

    /**
     * The unit's segment: from dL/dy to the small terms' gradients, which {@code small} carries
     * back to GAP's gradients {@code NDList(dL/dGAP(u), dL/dGAP(o))}; then the bottleneck and the
     * shortcut.
     */
    private void backward(BranchTerms terms, Forward pass, NDList more,
            Function<BranchTerms.Gradients, NDList> small) {
        NDList saved = new NDList(b, o, relu, pass.s, pass.stats, pass.output, summary, shortcutSummary,
                terms.heads(), terms.factor(), terms.value(), terms.shortcut(), pass.keep);
        saved.addAll(terms.batchNorm());
        saved.addAll(more);
        for (NDArray a : saved) {
            if (a != null) {
                SegmentedBackward.requireOpen(a, "what a fused unit saved in its forward pass");
            }
        }
        NDManager manager = b.getManager();
        long batch = dims[0];
        long channels = dims[1];
        NDArray dy = gradientChannelsLast(pass.output);
        NDArray normGrads = manager.create(new Shape(2, channels), DataType.FLOAT32);
        NDArray dHeads = manager.create(terms.heads().getShape(), DataType.FLOAT32);
        NDArray dFactor = manager.create(new Shape(batch, channels), DataType.FLOAT32);
        NDArray dValue = manager.create(terms.value().getShape(), DataType.FLOAT32);
        NDArray dShortcut = terms.shortcut() == null ? null : manager.create(terms.shortcut().getShape(), DataType.FLOAT32);
        check(NativeKernel.Calls.dla_train_reduce(handle(dy), handle(pass.s), handle(b), handle(o), handle(terms.heads()),
                handle(terms.value()), handleOrZero(pass.keep), handle(terms.batchNorm().get(0)), handle(pass.stats),
                handle(normGrads), handle(dHeads), handle(dFactor), handle(dValue), handleOrZero(dShortcut),
                dims[0], dims[1], dims[2], dims[3], NativeKernel.threads()), "backward");
        NDList gaps = small.apply(new BranchTerms.Gradients(dHeads, dFactor, dValue, dShortcut, normGrads.get(0),
                normGrads.get(1)));
        NDArray db = channelsLast(manager);
        NDArray dout = channelsLast(manager);
        check(NativeKernel.Calls.dla_train_maps(handle(dy), handle(pass.s), handle(relu), handle(terms.heads()),
                handle(terms.factor()), handle(terms.value()), handleOrZero(terms.shortcut()),
                handle(gaps.get(0)), handle(gaps.get(1)), handle(db), handle(dout),
                dims[0], dims[1], dims[2], dims[3], NativeKernel.threads()), "backward");
        SegmentedBackward.inject(b, db);
        SegmentedBackward.inject(o, dout);
    }

    /**
     * Checks every shape the kernels rely on before any native call: they read the strides of the
     * dimensions they expect, and libtorch throws (ending the JVM) for a dimension that is missing.
     */
    private void checkShapes(BranchTerms terms, NDArray mask, NDList context) {
        long batch = dims[0];
        long channels = dims[1];
        Shape perChannel = new Shape(channels);
        Shape kernel = new Shape(TAPS * channels);
        Shape state = new Shape(batch, channels);
        boolean fits = terms.heads().getShape().equals(new Shape(batch, channels / ProjectedAttention.HEAD_WIDTH))
                && terms.factor().getShape().equals(state)
                && terms.value().getShape().equals(kernel)
                && (terms.shortcut() == null || terms.shortcut().getShape().equals(kernel))
                && terms.batchNorm().stream().allMatch(p -> p.getShape().equals(perChannel))
                && (mask == null || mask.getShape().size() == batch)
                && (context == null || context.stream().allMatch(p -> p.getShape().equals(state)));
        if (!fits) {
            throw new IllegalArgumentException("The fused training kernels were given terms of the wrong shapes for "
                    + b.getShape() + ": heads " + terms.heads().getShape() + ", factor " + terms.factor().getShape()
                    + ", value " + terms.value().getShape() + ", BatchNorm " + terms.batchNorm().getShapes()[0]);
        }
    }

    /** dL/dy, channels-last (a copy where autograd left it in another layout). */
    private NDArray gradientChannelsLast(NDArray output) {
        NDArray gradient = output.getGradient();
        boolean laidOut = NativeKernel.Calls.dla_is_channels_last(handle(gradient), dims[0], dims[1], dims[2], dims[3]) == 1;
        return laidOut ? gradient : FeatureMaps.channelsLast(gradient);
    }

    /** The arrays flattened and joined into one vector. */
    private static NDArray flatConcat(NDList arrays) {
        NDList flat = new NDList(arrays.size());
        for (NDArray a : arrays) {
            flat.add(a.flatten());
        }
        return NDArrays.concat(flat);
    }

    /** A new uninitialised [B, C, H, W] map laid out channels-last. */
    private NDArray channelsLast(NDManager manager) {
        return manager.create(new Shape(dims[0], dims[2], dims[3], dims[1]), DataType.FLOAT32).transpose(0, 3, 1, 2);
    }

    /** The kernels check what Java checked and the layouts; a refusal after the unit began is a defect. */
    private static void check(int code, String pass) {
        if (code != OK) {
            throw new IllegalStateException("The fused training kernel refused the unit's " + pass + " pass (code "
                    + code + (code == BAD_LAYOUT ? ", an array not in the layout it was given" : "")
                    + "); run with -D" + NativeKernel.PROPERTY + "=inference and report this");
        }
    }

    private static long handleOrZero(NDArray a) {
        return a == null ? 0 : handle(a);
    }
}
