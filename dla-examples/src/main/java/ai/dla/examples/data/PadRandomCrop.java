package ai.dla.examples.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;
import ai.djl.util.RandomUtils;
import java.util.Objects;

/**
 * The standard CIFAR augmentation: pads each image with {@code pad} zero pixels on every side and
 * crops a random window of the original size, so the output is the input shifted by up to {@code
 * pad} pixels along each axis with zeros where the padding came in.
 *
 * <p>Accepts a single image or a batch, channel-last ({@link AxisOrder#HWC}: (H, W, C) or (N, H, W,
 * C), the layout of DJL's image datasets before {@code ToTensor}) or channel-first ({@link
 * AxisOrder#CHW}: (C, H, W) or (N, C, H, W), after {@code ToTensor}). Each image of a batch gets its
 * own crop; this matters because DJL's {@code ArrayDataset} applies the pipeline to whole batches.
 * The output has the input's shape, data type and manager.
 *
 * <p>Offsets are drawn from DJL's {@link RandomUtils}, so {@code
 * Engine.getInstance().setRandomSeed(seed)} makes the crops reproducible.
 */
public final class PadRandomCrop implements Transform {

    private final int pad;
    private final AxisOrder layout;

    /**
     * Creates the transform for channel-last (HWC) images, as DJL's datasets yield them before
     * {@code ToTensor}.
     *
     * @param pad the zero padding on each side, in pixels (4 for CIFAR)
     * @throws IllegalArgumentException if {@code pad} is negative
     */
    public PadRandomCrop(int pad) {
        this(pad, AxisOrder.HWC);
    }

    /**
     * Creates the transform for images of the given layout.
     *
     * @param pad the zero padding on each side, in pixels (4 for CIFAR)
     * @param layout the axis order of the images
     * @throws IllegalArgumentException if {@code pad} is negative
     */
    public PadRandomCrop(int pad, AxisOrder layout) {
        if (pad < 0) {
            throw new IllegalArgumentException("pad must be >= 0, got " + pad);
        }
        this.pad = pad;
        this.layout = Objects.requireNonNull(layout, "layout");
    }

    /**
     * Pads and randomly crops one image or each image of a batch.
     *
     * @param array an image of rank 3 or a batch of rank 4, in this transform's layout
     * @return a new array of the same shape, data type and manager
     * @throws IllegalArgumentException if the array is not of rank 3 or 4
     */
    @Override
    public NDArray transform(NDArray array) {
        return ImageBatches.apply("PadRandomCrop", layout, array, (batch, scope) -> cropEach(scope, batch));
    }

    /** Crops each image of a rank-4 batch at its own random offset, with two gathers. */
    private NDArray cropEach(NDManager scope, NDArray batch) {
        Shape shape = batch.getShape();
        int heightAxis = layout == AxisOrder.HWC ? 1 : 2;
        int widthAxis = heightAxis + 1;
        int height = (int) shape.get(heightAxis);
        int width = (int) shape.get(widthAxis);

        long[] paddedDims = shape.getShape().clone();
        paddedDims[heightAxis] += 2L * pad;
        paddedDims[widthAxis] += 2L * pad;
        NDArray padded = scope.zeros(new Shape(paddedDims), batch.getDataType());
        NDIndex interior = new NDIndex().addAllDim(heightAxis)
                .addSliceDim(pad, pad + height)
                .addSliceDim(pad, pad + width);
        padded.set(interior, batch);

        long images = shape.get(0);
        long[] top = new long[(int) images];
        long[] left = new long[(int) images];
        for (int i = 0; i < images; i++) {
            top[i] = RandomUtils.nextInt(2 * pad + 1);
            left[i] = RandomUtils.nextInt(2 * pad + 1);
        }

        long[] rowsDims = paddedDims.clone();
        rowsDims[heightAxis] = height;
        NDArray rows = offsets(scope, top, height, heightAxis).broadcast(new Shape(rowsDims));
        NDArray band = padded.gather(rows, heightAxis);

        long[] colsDims = rowsDims.clone();
        colsDims[widthAxis] = width;
        NDArray cols = offsets(scope, left, width, widthAxis).broadcast(new Shape(colsDims));
        return band.gather(cols, widthAxis);
    }

    /**
     * Returns the int64 indices start[i] + j, shaped (N, 1, 1, 1) with {@code length} at {@code
     * axis}, ready to broadcast.
     */
    private static NDArray offsets(NDManager scope, long[] start, int length, int axis) {
        long[] dims = {1, 1, 1, 1};
        dims[axis] = length;
        NDArray positions = scope.arange(0, length, 1, DataType.INT64).reshape(new Shape(dims));
        NDArray starts = scope.create(start).reshape(start.length, 1, 1, 1);
        return positions.add(starts);
    }
}
