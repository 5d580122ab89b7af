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
        return x.sum(new int[] {rank - 2, rank - 1}).muli(1f / (s.get(rank - 2) * s.get(rank - 1)));
    }
}
