package ai.dla.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Whole-batch tensor operations the blocks share. */
public final class Ops {

    private Ops() {}

    /**
     * Global average pooling over the last two (spatial) axes.
     *
     * @param x [..., H, W], for example [B, C, H, W] or [B, T, C, H, W]
     * @return [...], for example [B, C]
     */
    public static NDArray gap(NDArray x) {
        Shape s = x.getShape();
        int rank = s.dimension();
        return x.reshape(s.slice(0, rank - 2).add(-1)).mean(new int[] {rank - 2});
    }
}
