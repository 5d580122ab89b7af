package ai.dla.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

import java.util.function.Function;

/**
 * Weights that a block derives from its parameters for inference (a BatchNorm folded into a
 * convolution, λ folded into a kernel, the packed weights of the fused kernel), computed once and
 * reused by every inference pass until they may be stale.
 *
 * <p>They are recomputed when any source array is not the one they were computed from (so after
 * {@code loadParameters}, {@code Parameter.setArray}, a new {@code ParameterStore} or device), and
 * after {@link #clear()}, which every caching block calls at the start of each training pass (the
 * optimizer updates parameters in place after it) and {@link ai.dla.network.DlaResNet} calls when
 * it imports or loads weights. They are not used while autograd records and a source takes
 * gradients: the derived weights would then have to carry the graph.
 *
 * <p>The derived arrays live in a manager of their own under the first source's manager, so they
 * are freed with the model, or when they are recomputed. Safe for concurrent inference from
 * several threads (each {@code Predictor} on its own thread); a training pass or weight load
 * concurrent with inference on the same block is not supported, as in DJL.
 */
public final class InferenceWeights {

    private NDArray[] sources;
    private NDList values;
    private NDManager owner;

    /**
     * Returns the derived weights for these sources, computing them if needed.
     *
     * @param sources the parameter arrays the weights are derived from, as the parameter store
     *     returns them for this pass
     * @param compute derives the weights from copies of the sources (in the same order), owned by a
     *     scratch manager: every array derived from them is freed when it returns, except the
     *     returned ones
     * @return the derived weights, owned by this cache; do not close them
     */
    public synchronized NDList get(NDList sources, Function<NDList, NDList> compute) {
        if (values != null && sameSources(sources)) {
            return values;
        }
        clear();
        NDManager cache = sources.head().getManager().newSubManager(sources.head().getDevice());
        try (NDManager scratch = cache.newSubManager()) {
            NDList copies = new NDList(sources.size());
            for (NDArray source : sources) {
                NDArray copy = source.duplicate();
                copy.attach(scratch);
                copies.add(copy);
            }
            NDList derived = compute.apply(copies);
            derived.attach(cache);
            values = derived;
        } catch (RuntimeException | Error e) {
            cache.close();
            throw e;
        }
        this.sources = sources.toArray(new NDArray[0]);
        this.owner = cache;
        return values;
    }

    /** Forgets the derived weights and frees them; the next {@link #get} recomputes them. */
    public synchronized void clear() {
        if (owner != null) {
            owner.close();
        }
        owner = null;
        values = null;
        sources = null;
    }

    /**
     * Returns whether derived weights may be used for these sources in a pass: not while autograd
     * records and a source takes gradients (an input gradient through a frozen block is fine).
     *
     * @param sources the parameter arrays
     * @return true if cached, graph-free weights give the same result and gradients
     */
    public static boolean usable(NDList sources) {
        if (!recording(sources.head())) {
            return true;
        }
        for (NDArray s : sources) {
            if (s.hasGradient()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Returns whether autograd records operations on this thread (inside a {@code
     * GradientCollector}) for an array's engine. On an engine other than PyTorch it answers true,
     * the safe side.
     *
     * @param like an array of the engine asked about
     * @return true if operations are recorded
     */
    public static boolean recording(NDArray like) {
        return !"PyTorch".equals(like.getManager().getEngine().getEngineName()) || JniUtils.isGradMode();
    }

    private boolean sameSources(NDList current) {
        if (current.size() != sources.length) {
            return false;
        }
        for (int i = 0; i < sources.length; i++) {
            if (current.get(i) != sources[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A block that keeps derived inference weights. {@link ai.dla.network.DlaResNet#clearInferenceWeights()}
     * clears every such block of a network.
     */
    public interface Holder {

        /** Forgets the block's derived inference weights; the next inference pass recomputes them. */
        void clearInferenceWeights();
    }
}
