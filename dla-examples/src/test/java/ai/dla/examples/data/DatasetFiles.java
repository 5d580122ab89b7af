package ai.dla.examples.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes small datasets in the real CIFAR-10, CIFAR-100 and Fashion-MNIST file formats, with
 * labels and pixels computable from the image index so that tests can check what was read.
 */
final class DatasetFiles {

    /** Images per CIFAR-10 training batch file (five files). */
    static final int CIFAR10_PER_BATCH = 40;

    /** Images in the CIFAR-10 test file. */
    static final int CIFAR10_TEST = 50;

    /** Images in the CIFAR-100 training file. */
    static final int CIFAR100_TRAIN = 250;

    /** Images in the CIFAR-100 test file. */
    static final int CIFAR100_TEST = 60;

    /** Images in the Fashion-MNIST training files. */
    static final int FASHION_TRAIN = 300;

    /** Images in the Fashion-MNIST test files. */
    static final int FASHION_TEST = 100;

    /** Index of the first test image, so test and training images differ. */
    static final int TEST_OFFSET = 1000;

    private static final int CIFAR_SIDE = 32;
    private static final int FASHION_SIDE = 28;

    private DatasetFiles() {}

    /**
     * Returns the pixel value of an image at a channel, row and column.
     *
     * @param image the image index (test images start at {@link #TEST_OFFSET})
     * @param channel the channel
     * @param row the row
     * @param col the column
     * @return a value 0 to 255
     */
    static int pixel(int image, int channel, int row, int col) {
        return (image * 31 + channel * 67 + row * 7 + col * 3) & 0xff;
    }

    /**
     * Returns the expected image as HWC floats.
     *
     * @param image the image index
     * @param side the height and width
     * @param channels the number of channels
     * @return height * width * channels values in HWC order
     */
    static float[] hwc(int image, int side, int channels) {
        float[] values = new float[side * side * channels];
        int i = 0;
        for (int row = 0; row < side; row++) {
            for (int col = 0; col < side; col++) {
                for (int channel = 0; channel < channels; channel++) {
                    values[i++] = pixel(image, channel, row, col);
                }
            }
        }
        return values;
    }

    /**
     * Returns the CIFAR-10 label of an image.
     *
     * @param image the image index
     * @return 0 to 9
     */
    static int cifar10Label(int image) {
        return (image * 3 + image / 7) % 10;
    }

    /**
     * Returns the CIFAR-100 coarse label of an image.
     *
     * @param image the image index
     * @return 0 to 19
     */
    static int coarseLabel(int image) {
        return (image * 11 + 5) % 20;
    }

    /**
     * Returns the CIFAR-100 fine label of an image.
     *
     * @param image the image index
     * @return 0 to 99
     */
    static int fineLabel(int image) {
        return (image * 37 + 2) % 100;
    }

    /**
     * Returns the Fashion-MNIST label of an image.
     *
     * @param image the image index
     * @return 0 to 9
     */
    static int fashionLabel(int image) {
        return (image * 7 + image / 3) % 10;
    }

    /**
     * Writes {@code data_batch_1.bin} to {@code data_batch_5.bin} and {@code test_batch.bin}.
     *
     * @param dir the folder to write into
     * @throws IOException if a file cannot be written
     */
    static void writeCifar10(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (int batch = 0; batch < 5; batch++) {
            int first = batch * CIFAR10_PER_BATCH;
            Files.write(dir.resolve("data_batch_" + (batch + 1) + ".bin"),
                    cifarRecords(first, CIFAR10_PER_BATCH, false));
        }
        Files.write(dir.resolve("test_batch.bin"),
                cifarRecords(TEST_OFFSET, CIFAR10_TEST, false));
    }

    /**
     * Writes CIFAR-100 {@code train.bin} and {@code test.bin}.
     *
     * @param dir the folder to write into
     * @throws IOException if a file cannot be written
     */
    static void writeCifar100(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("train.bin"), cifarRecords(0, CIFAR100_TRAIN, true));
        Files.write(dir.resolve("test.bin"),
                cifarRecords(TEST_OFFSET, CIFAR100_TEST, true));
    }

    /**
     * Writes the four Fashion-MNIST IDX files with their real headers.
     *
     * @param dir the folder to write into
     * @param gzip whether to gzip them (named {@code *.gz}) as published
     * @throws IOException if a file cannot be written
     */
    static void writeFashionMnist(Path dir, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        writeIdx(dir, "train", 0, FASHION_TRAIN, gzip);
        writeIdx(dir, "t10k", TEST_OFFSET, FASHION_TEST, gzip);
    }

    private static byte[] cifarRecords(int first, int count, boolean twoLabels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int image = first; image < first + count; image++) {
            if (twoLabels) {
                out.write(coarseLabel(image));
                out.write(fineLabel(image));
            } else {
                out.write(cifar10Label(image));
            }
            for (int channel = 0; channel < 3; channel++) {
                for (int row = 0; row < CIFAR_SIDE; row++) {
                    for (int col = 0; col < CIFAR_SIDE; col++) {
                        out.write(pixel(image, channel, row, col));
                    }
                }
            }
        }
        return out.toByteArray();
    }

    private static void writeIdx(Path dir, String prefix, int first, int count, boolean gzip)
            throws IOException {
        String suffix = gzip ? ".gz" : "";
        try (DataOutputStream images =
                        idxStream(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gzip);
                DataOutputStream labels =
                        idxStream(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gzip)) {
            images.writeInt(0x00000803);
            images.writeInt(count);
            images.writeInt(FASHION_SIDE);
            images.writeInt(FASHION_SIDE);
            labels.writeInt(0x00000801);
            labels.writeInt(count);
            for (int image = first; image < first + count; image++) {
                labels.write(fashionLabel(image));
                for (int row = 0; row < FASHION_SIDE; row++) {
                    for (int col = 0; col < FASHION_SIDE; col++) {
                        images.write(pixel(image, 0, row, col));
                    }
                }
            }
        }
    }

    private static DataOutputStream idxStream(Path file, boolean gzip) throws IOException {
        OutputStream os = Files.newOutputStream(file);
        return new DataOutputStream(gzip ? new GZIPOutputStream(os) : os);
    }
}
