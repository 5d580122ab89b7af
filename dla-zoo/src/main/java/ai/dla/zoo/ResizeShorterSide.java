package ai.dla.zoo;

import ai.djl.ndarray.NDArray;
import ai.djl.translate.Transform;

/**
 * Resizes an HWC image so that its shorter side has the given length, keeping the aspect ratio:
 * the evaluation resize of ImageNet (256, before a 224 centre crop). Bilinear, in float32, as
 * {@link BilinearResize}.
 */
public final class ResizeShorterSide implements Transform {

    private final int size;

    /**
     * Creates the transform.
     *
     * @param size the length of the shorter side after resizing, in pixels
     * @throws IllegalArgumentException if {@code size} is not positive
     */
    public ResizeShorterSide(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        this.size = size;
    }

    /**
     * Resizes one HWC image.
     *
     * @param array an image of shape (H, W, C)
     * @return the resized image
     */
    @Override
    public NDArray transform(NDArray array) {
        long height = array.getShape().get(0);
        long width = array.getShape().get(1);
        int newHeight = (int) (height <= width ? size : Math.round((double) size * height / width));
        int newWidth = (int) (width <= height ? size : Math.round((double) size * width / height));
        return BilinearResize.resize(array, newWidth, newHeight);
    }
}
