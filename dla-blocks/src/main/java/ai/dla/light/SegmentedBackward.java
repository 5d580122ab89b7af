package ai.dla.light;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * A training step's backward pass across the units that the fused training kernels computed
 * ({@link FusedLightTraining}).
 *
 * <p>libtorch offers no custom autograd function to Java, so a fused unit cuts the autograd graph:
 * its output is a new leaf, and the unit records a segment here that carries the chain rule across
 * the cut by hand. {@link #backward} runs autograd from the loss down to the last cut, then each
 * segment from the last unit to the first: the segment reads its output's gradient, computes the
 * gradients of its inputs in C and hands them to autograd ({@code JniUtils.backward} with an
 * explicit gradient), which carries them into the unit's bottleneck, its parameters and the
 * previous cut.
 *
 * <p>A training loop opts in by running its step inside a segmented backward:
 *
 * <pre>
 * try (GradientCollector collector = trainer.newGradientCollector();
 *         SegmentedBackward segments = SegmentedBackward.open()) {
 *     NDArray loss = trainer.getLoss().evaluate(labels, trainer.forward(images));
 *     segments.backward(collector, loss);
 * }
 * </pre>
 *
 * Without one (a training loop that calls {@code collector.backward} itself, such as DJL's {@code
 * EasyTrain}), the units run as separate DJL operations under autograd, so such a loop trains
 * correctly, at the separate path's pace. One is open per thread at a time.
 */
public final class SegmentedBackward implements AutoCloseable {

    private static final ThreadLocal<SegmentedBackward> ACTIVE = new ThreadLocal<>();

    private final Deque<Runnable> segments = new ArrayDeque<>();
    private final Set<NDArray> cuts = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private SegmentedBackward() {}

    /**
     * Opens a segmented backward pass on this thread: the training passes run until it is closed
     * may take the fused training path.
     *
     * @return the segmented backward pass, to close after the step's backward pass
     * @throws IllegalStateException if one is already open on this thread
     */
    public static SegmentedBackward open() {
        if (ACTIVE.get() != null) {
            throw new IllegalStateException(
                    "A SegmentedBackward is already open on this thread: close it before opening another");
        }
        SegmentedBackward opened = new SegmentedBackward();
        ACTIVE.set(opened);
        return opened;
    }

    /**
     * Returns the segmented backward pass open on this thread, or null.
     *
     * @return the open one, or null
     */
    static SegmentedBackward active() {
        return ACTIVE.get();
    }

    /**
     * Runs the backward pass of a target through the whole network: autograd down to the last
     * cut, then every segment recorded since the last call, last first.
     *
     * @param collector the step's gradient collector
     * @param target the loss
     * @throws IllegalStateException if this pass is closed, or the step's arrays were closed before
     *     their backward pass
     */
    public void backward(GradientCollector collector, NDArray target) {
        if (closed) {
            throw new IllegalStateException("This SegmentedBackward is closed, and the gradients would stop at the"
                    + " fused units: call backward inside its try block, before it closes");
        }
        requireOpen(target, "the loss");
        collector.backward(target);
        while (!segments.isEmpty()) {
            segments.pop().run();
        }
        cuts.clear();
    }

    @Override
    public void close() {
        closed = true;
        segments.clear();
        cuts.clear();
        if (ACTIVE.get() == this) {
            ACTIVE.remove();
        }
    }

    /**
     * Returns an array from which the graph may be cut: the array itself if a segment made it (its
     * gradient is read by that segment), or a leaf over the same memory whose gradient a bridge
     * segment hands back to the array's own graph.
     *
     * @param x an input of a fused unit
     * @return a leaf that requires a gradient, or x itself if it does not need one
     */
    NDArray cut(NDArray x) {
        if (cuts.contains(x) || !NativeKernel.needsGradient(x)) {
            return x;
        }
        NDArray leaf = leaf(x);
        segments.push(() -> {
            requireOpen(x, "a fused unit's input");
            requireOpen(leaf, "a fused unit's input");
            inject(x, leaf.getGradient());
        });
        return leaf;
    }

    /**
     * Returns a new leaf over an array's memory, which requires a gradient and which segments
     * recognise as a cut.
     *
     * @param x the array
     * @return the leaf, in x's manager
     */
    NDArray leaf(NDArray x) {
        NDArray leaf = x.stopGradient();
        leaf.setRequiresGradient(true);
        cuts.add(leaf);
        return leaf;
    }

    /**
     * Records a unit's segment, run by {@link #backward} after every segment recorded later.
     *
     * @param segment the unit's backward pass
     */
    void record(Runnable segment) {
        segments.push(segment);
    }

    /**
     * Checks that an array a segment reads is still open (a closed one has no memory to read).
     *
     * @param a the array
     * @param what what it is, for the message
     * @throws IllegalStateException if it was closed
     */
    static void requireOpen(NDArray a, String what) {
        if (a instanceof PtNDArray && ((PtNDArray) a).isReleased()) {
            throw new IllegalStateException("The step's backward pass needs " + what + ", which was closed after the"
                    + " forward pass: close the step's NDManager (and its arrays) after SegmentedBackward.backward");
        }
    }

    /**
     * Hands a gradient to the graph that computed an array: autograd carries it into every array and
     * parameter that the array depends on. Nothing happens if the array does not require one.
     *
     * @param root the array
     * @param gradient dL/d(root), of root's shape
     */
    static void inject(NDArray root, NDArray gradient) {
        if (NativeKernel.needsGradient(root)) {
            JniUtils.backward((PtNDArray) root, (PtNDArray) gradient, false, false);
        }
    }
}
