package ai.dla.examples.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;
import ai.djl.util.RandomUtils;

import java.util.Objects;

/**
 * Mirrors each image left to right with probability one half. Each image of a batch gets its own
 * coin: DJL 0.25's {@code RandomFlipLeftRight} flips nothing on the PyTorch engine, and DJL's
 * {@code ArrayDataset} applies the pipeline to whole batches, so one coin per batch would flip all
 * or none.
 *
 * <p>Accepts a single image or a batch, in the layouts of {@link AxisOrder}. Coins are
 * drawn from DJL's {@link RandomUtils}, so {@code Engine.getInstance().setRandomSeed(seed)} makes
 * the flips reproducible.
 */
public final class RandomFlip implements Transform {

    private final AxisOrder layout;

    /**
     * Creates the transform for images of the given layout.
     *
     * @param layout the axis order of the images
     */
    public RandomFlip(AxisOrder layout) {
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /**
     * Flips one image, or each image of a batch, with probability one half.
     *
     * @param array an image of rank 3 or a batch of rank 4, in this transform's layout
     * @return a new array of the same shape, data type and manager
     * @throws IllegalArgumentException if the array is not of rank 3 or 4
     */
    @Override
    public NDArray transform(NDArray array) {
        return ImageBatches.apply("RandomFlip", layout, array, (batch, scope) -> {
            int images = (int) batch.getShape().get(0);
            boolean[] coins = new boolean[images];
            for (int i = 0; i < images; i++) {
                coins[i] = RandomUtils.nextFloat() < 0.5f;
            }
            int widthAxis = layout == AxisOrder.HWC ? 2 : 3;
            NDArray mask = scope.create(coins).reshape(new Shape(images, 1, 1, 1)).broadcast(batch.getShape());
            return NDArrays.where(mask, batch.flip(widthAxis), batch);
        });
    }
}
