package ai.dla.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;

/**
 * Normalises CHW images or NCHW batches channel by channel: {@code (x - mean[c]) / std[c]}, for
 * any number of channels. DJL 0.25's {@code Normalize} assumes three channels and fails on
 * grayscale input such as Fashion-MNIST.
 */
public final class ChannelNormalize implements Transform {

    private final float[] mean;
    private final float[] std;

    /**
     * Creates the transform.
     *
     * @param mean the mean of each channel
     * @param std the standard deviation of each channel
     * @throws IllegalArgumentException if the arrays differ in length or a deviation is not positive
     */
    public ChannelNormalize(float[] mean, float[] std) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std need one value per channel, got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("standard deviations must be positive, got " + s);
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * Normalises an image or a batch.
     *
     * @param array a (C, H, W) image or an (N, C, H, W) batch with C equal to the number of means
     * @return the normalised array, on the input's manager
     * @throws IllegalArgumentException if the array's channels do not match
     */
    @Override
    public NDArray transform(NDArray array) {
        Shape shape = array.getShape();
        int rank = shape.dimension();
        if ((rank != 3 && rank != 4) || shape.get(rank - 3) != mean.length) {
            throw new IllegalArgumentException("ChannelNormalize expects (C, H, W) or (N, C, H, W) with C = "
                    + mean.length + ", got " + shape);
        }
        Shape perChannel = rank == 3 ? new Shape(mean.length, 1, 1) : new Shape(1, mean.length, 1, 1);
        NDManager manager = array.getManager();
        try (NDArray m = manager.create(mean, perChannel);
                NDArray s = manager.create(std, perChannel)) {
            return array.sub(m).divi(s);
        }
    }
}
