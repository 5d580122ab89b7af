package ai.dla.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Whole-batch tensor operations the blocks share. */
public final class Ops {

    private Ops() {}

    /**
     * Global average pooling over the last two (spatial) axes, as a sum scaled by 1 / (H·W). The
     * gradient of a sum broadcasts without being written out, where the gradient of a mean is
     * divided into a new full-size tensor.
     *
     * @param x [..., H, W], for example [B, C, H, W] or [B, T, C, H, W]
     * @return [...], for example [B, C]
     */
    public static NDArray gap(NDArray x) {
        Shape s = x.getShape();
        int rank = s.dimension();
        return scale(x.sum(new int[] {rank - 2, rank - 1}), 1f / (s.get(rank - 2) * s.get(rank - 1)));
    }

    /**
     * Multiplies by a constant, held in an array of the operand's manager.
     *
     * <p>Use this, not {@code NDArray.mul(Number)}, wherever the result takes part in a backward
     * pass. DJL 0.25 wraps the number in an array over a direct buffer and closes that array as soon
     * as the product is computed, but autograd keeps the scalar for the backward pass; once the JVM
     * has collected the buffer, the backward pass reads freed memory (seen as NaN weights after a
     * random training step). The array made here lives as long as the operand's manager, the batch.
     *
     * @param x the operand
     * @param factor the constant
     * @return x · factor
     */
    public static NDArray scale(NDArray x, float factor) {
        return x.mul(x.getManager().create(factor).toDevice(x.getDevice(), false));
    }
}
