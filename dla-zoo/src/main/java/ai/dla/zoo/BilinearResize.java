package ai.dla.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;

/**
 * Resizes an HWC image by bilinear interpolation with antialiasing: the triangle filter of PIL's
 * {@code Image.resize(BILINEAR)}, which torchvision's {@code Resize} applies to the PIL images of
 * the reference ImageNet evaluation, widened by the reduction factor when shrinking so that every
 * source pixel counts; at the same size it is the identity, and when enlarging it is plain bilinear
 * interpolation between pixel centres. Computed in float32 as two matrix products (rows, then
 * columns) and kept in float32.
 *
 * <p>Hand-written because DJL's {@code Resize} gives different pixels on different DJL versions:
 * DJL 0.25 interpolates without antialiasing and returns float32, DJL 0.36 antialiases and casts
 * the result back to the image's uint8 (a Fashion-MNIST model's probability of a resized image
 * moved from 0.358 to 0.334 between them). DJL 0.36's classification translator also refuses a
 * {@code Resize} whose size differs from its own default of 224 unless a centre crop follows.
 */
public final class BilinearResize implements Transform {

    private final int width;
    private final int height;

    /**
     * Creates the transform.
     *
     * @param width the width after resizing, in pixels
     * @param height the height after resizing, in pixels
     * @throws IllegalArgumentException if a size is not positive
     */
    public BilinearResize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("width and height must be positive, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
    }

    /**
     * Resizes one HWC image.
     *
     * @param array an image of shape (H, W, C), uint8 or float
     * @return the resized float32 image, (height, width, C)
     */
    @Override
    public NDArray transform(NDArray array) {
        return resize(array, width, height);
    }

    /**
     * Resizes an HWC image, the same on every DJL version.
     *
     * @param array an image of shape (H, W, C)
     * @param width the new width
     * @param height the new height
     * @return the resized float32 image, on the array's manager
     * @throws IllegalArgumentException if the array is not an HWC image
     */
    static NDArray resize(NDArray array, int width, int height) {
        Shape shape = array.getShape();
        if (shape.dimension() != 3) {
            throw new IllegalArgumentException("Resizing expects an (H, W, C) image, got " + shape);
        }
        int inHeight = (int) shape.get(0);
        int inWidth = (int) shape.get(1);
        NDManager manager = array.getManager();
        try (NDManager scope = manager.newSubManager()) {
            NDArray image = array.toType(DataType.FLOAT32, true);
            image.attach(scope);
            NDArray rows = scope.create(weights(inHeight, height, false), new Shape(height, inHeight));
            NDArray columns = scope.create(weights(inWidth, width, true), new Shape(inWidth, width));
            NDArray resized = rows.matMul(image.transpose(2, 0, 1)).matMul(columns).transpose(1, 2, 0);
            NDArray out = resized.duplicate();
            out.attach(manager);
            return out;
        }
    }

    /**
     * The filter's weights from {@code in} source pixels to {@code out} pixels, as an [out, in]
     * matrix, or [in, out] when {@code transposed}: output pixel i's normalised triangle weights
     * over the source pixels whose centres lie within the filter's support of its centre.
     */
    private static float[] weights(int in, int out, boolean transposed) {
        double scale = (double) in / out;
        double support = Math.max(scale, 1);
        float[] w = new float[out * in];
        for (int i = 0; i < out; i++) {
            double centre = (i + 0.5) * scale;
            int first = Math.max((int) (centre - support + 0.5), 0);
            int last = Math.min((int) (centre + support + 0.5), in);
            double[] taps = new double[last - first];
            double total = 0;
            for (int j = first; j < last; j++) {
                taps[j - first] = Math.max(0, 1 - Math.abs((j + 0.5 - centre) / support));
                total += taps[j - first];
            }
            for (int j = first; j < last; j++) {
                w[transposed ? j * out + i : i * in + j] = (float) (taps[j - first] / total);
            }
        }
        return w;
    }
}
