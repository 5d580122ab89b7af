package ai.dla.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scalar operands that live as long as the batch they scale: DJL 0.25 frees the scalar of {@code
 * NDArray.mul(Number)} before autograd's backward pass reads it.
 */
public final class Scalars {

    private Scalars() {}

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
        return x.mul(constant(x, factor));
    }

    /**
     * Returns a scalar array on an array's device, owned by its manager (the batch's), so that it
     * lives as long as the operations that use it.
     *
     * @param like the array whose manager and device are used
     * @param value the value
     * @return the 0-dimensional array
     */
    public static NDArray constant(NDArray like, float value) {
        return like.getManager().create(value).toDevice(like.getDevice(), false);
    }
}
