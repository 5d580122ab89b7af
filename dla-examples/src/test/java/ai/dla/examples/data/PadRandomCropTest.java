package ai.dla.examples.data;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashSet;
import java.util.Set;
import org.testng.Assert;
import org.testng.annotations.Test;

/** {@link PadRandomCrop} shifts each image by up to {@code pad} pixels, filling with zeros. */
public class PadRandomCropTest {

    private static final int PAD = 4;
    private static final int SIDE = 8;
    private static final int CHANNELS = 3;

    /** An HWC image becomes a shifted copy with zeros where the padding came in. */
    @Test
    public void hwcImageBecomesAShiftedCopy() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(11);
            NDArray image = distinctImage(manager).reshape(SIDE, SIDE, CHANNELS);
            NDArray out = new PadRandomCrop(PAD).transform(image);
            Assert.assertEquals(out.getShape(), image.getShape());
            Assert.assertEquals(out.getDataType(), DataType.FLOAT32);
            Assert.assertSame(out.getManager(), manager);
            Assert.assertNotNull(findShift(image.toFloatArray(), out.toFloatArray(), AxisOrder.HWC));
        }
    }

    /** A CHW image becomes a shifted copy with zeros where the padding came in. */
    @Test
    public void chwImageBecomesAShiftedCopy() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(12);
            NDArray image = distinctImage(manager).reshape(CHANNELS, SIDE, SIDE);
            NDArray out = new PadRandomCrop(PAD, AxisOrder.CHW).transform(image);
            Assert.assertEquals(out.getShape(), image.getShape());
            Assert.assertNotNull(findShift(image.toFloatArray(), out.toFloatArray(), AxisOrder.CHW));
        }
    }

    /** Each image of a batch is a shifted copy, and the shifts differ. */
    @Test
    public void eachImageOfABatchGetsItsOwnCrop() {
        for (AxisOrder layout : AxisOrder.values()) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Engine.getInstance().setRandomSeed(13);
                Shape imageShape = layout == AxisOrder.HWC
                        ? new Shape(SIDE, SIDE, CHANNELS)
                        : new Shape(CHANNELS, SIDE, SIDE);
                NDArray image = distinctImage(manager).reshape(imageShape);
                int images = 16;
                NDArray batch = image.expandDims(0).broadcast(new Shape(images).addAll(imageShape));
                NDArray out = new PadRandomCrop(PAD, layout).transform(batch);
                Assert.assertEquals(out.getShape(), batch.getShape());
                Set<String> shifts = new HashSet<>();
                for (int i = 0; i < images; i++) {
                    float[] cropped = out.get(i).toFloatArray();
                    int[] shift = findShift(image.toFloatArray(), cropped, layout);
                    Assert.assertNotNull(shift, layout + " image " + i + " is not a shifted copy");
                    shifts.add(shift[0] + "," + shift[1]);
                }
                Assert.assertTrue(shifts.size() > 1, layout + " batch got one crop: " + shifts);
            }
        }
    }

    /** The same engine seed gives the same crops. */
    @Test
    public void sameSeedGivesTheSameCrops() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray batch = distinctImage(manager).reshape(1, SIDE, SIDE, CHANNELS)
                    .broadcast(new Shape(8, SIDE, SIDE, CHANNELS));
            PadRandomCrop crop = new PadRandomCrop(PAD);
            Engine.getInstance().setRandomSeed(42);
            NDArray first = crop.transform(batch);
            Engine.getInstance().setRandomSeed(42);
            NDArray second = crop.transform(batch);
            Assert.assertEquals(second.toFloatArray(), first.toFloatArray());
        }
    }

    /** The output keeps the input data type. */
    @Test
    public void keepsTheDataType() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray image = manager.ones(new Shape(SIDE, SIDE, CHANNELS), DataType.UINT8);
            NDArray out = new PadRandomCrop(PAD).transform(image);
            Assert.assertEquals(out.getDataType(), DataType.UINT8);
            Assert.assertEquals(out.getShape(), image.getShape());
        }
    }

    /** Without padding the output equals the input. */
    @Test
    public void zeroPadIsTheIdentity() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray image = distinctImage(manager).reshape(SIDE, SIDE, CHANNELS);
            NDArray out = new PadRandomCrop(0).transform(image);
            Assert.assertEquals(out.toFloatArray(), image.toFloatArray());
        }
    }

    /** Ranks other than 3 and 4, and a negative pad, are rejected. */
    @Test
    public void rejectsOtherRanksAndNegativePad() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray flat = manager.ones(new Shape(SIDE, SIDE));
            IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                    () -> new PadRandomCrop(PAD).transform(flat));
            Assert.assertTrue(e.getMessage().contains("(8, 8)"), e.getMessage());
        }
        Assert.expectThrows(IllegalArgumentException.class, () -> new PadRandomCrop(-1));
    }

    /** An image whose values 1, 2, ... are all distinct and non-zero, as a flat array. */
    private static NDArray distinctImage(NDManager manager) {
        return manager.arange(1f, SIDE * SIDE * CHANNELS + 1f);
    }

    /**
     * Returns the crop offset (top, left) in the padded image that turns {@code input} into
     * {@code output}, or null when no offset does.
     */
    private static int[] findShift(float[] input, float[] output, AxisOrder layout) {
        for (int top = 0; top <= 2 * PAD; top++) {
            for (int left = 0; left <= 2 * PAD; left++) {
                if (matches(input, output, layout, top, left)) {
                    return new int[] {top, left};
                }
            }
        }
        return null;
    }

    private static boolean matches(float[] input, float[] output, AxisOrder layout, int top,
            int left) {
        for (int row = 0; row < SIDE; row++) {
            for (int col = 0; col < SIDE; col++) {
                int sourceRow = row + top - PAD;
                int sourceCol = col + left - PAD;
                boolean inside = sourceRow >= 0 && sourceRow < SIDE && sourceCol >= 0
                        && sourceCol < SIDE;
                for (int channel = 0; channel < CHANNELS; channel++) {
                    float expected = inside
                            ? input[offset(layout, channel, sourceRow, sourceCol)]
                            : 0f;
                    if (output[offset(layout, channel, row, col)] != expected) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static int offset(AxisOrder layout, int channel, int row, int col) {
        return layout == AxisOrder.HWC
                ? (row * SIDE + col) * CHANNELS + channel
                : (channel * SIDE + row) * SIDE + col;
    }
}
