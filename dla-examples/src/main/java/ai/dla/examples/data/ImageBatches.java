package ai.dla.examples.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.function.BiFunction;

/** Runs a whole-batch image operation on one image or a batch, in a scope of its own. */
final class ImageBatches {

    private ImageBatches() {}

    /**
     * Applies {@code operation} to a batch (rank 4), or to an image (rank 3) as a batch of one. The
     * operation's temporaries live in a sub-manager that is closed before returning; the result
     * belongs to the input's manager.
     *
     * @param name the transform's name, for the error message
     * @param layout the layout the transform expects, for the error message
     * @param array the image or batch
     * @param operation computes the new batch from the batch and the scope of temporaries
     * @return the result, of the input's rank
     * @throws IllegalArgumentException if the array is not of rank 3 or 4
     */
    static NDArray apply(String name, AxisOrder layout, NDArray array,
            BiFunction<NDArray, NDManager, NDArray> operation) {
        int rank = array.getShape().dimension();
        if (rank != 3 && rank != 4) {
            throw new IllegalArgumentException(name + " takes a " + layout
                    + " image of rank 3 or a batch of rank 4, got shape " + array.getShape());
        }
        NDManager owner = array.getManager();
        try (NDManager scope = owner.newSubManager()) {
            array.tempAttach(scope);
            NDArray batch = rank == 3 ? array.expandDims(0) : array;
            NDArray done = operation.apply(batch, scope);
            NDArray result = rank == 3 ? done.squeeze(0) : done;
            result.attach(owner);
            return result;
        }
    }
}
