package ai.dla.examples.train;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Small datasets in the real file formats whose labels can be learned: an image of class c is
 * noise with a bright horizontal band whose position is set by c.
 */
final class LearnableFiles {

    private LearnableFiles() {}

    /** The pixel of an image of class {@code label} out of {@code classes}, at a row and column. */
    private static int pixel(Random random, int label, int classes, int row, int side) {
        int bands = Math.min(classes, 8);
        int band = label % bands;
        int top = band * side / bands;
        boolean bright = row >= top && row < top + Math.max(2, side / bands);
        return bright ? 200 + random.nextInt(56) : random.nextInt(60);
    }

    private static byte[] chw(Random random, int label, int classes, int channels, int side) {
        byte[] bytes = new byte[channels * side * side];
        for (int c = 0; c < channels; c++) {
            for (int r = 0; r < side; r++) {
                for (int col = 0; col < side; col++) {
                    bytes[(c * side + r) * side + col] = (byte) pixel(random, label, classes, r, side);
                }
            }
        }
        return bytes;
    }

    /** CIFAR-10 binary files: five training batches of {@code perBatch} records and a test batch. */
    static Path cifar10(Path dir, int perBatch, int test) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(10);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), cifarRecords(random, perBatch, 8, false));
        }
        Files.write(dir.resolve("test_batch.bin"), cifarRecords(random, test, 8, false));
        return dir;
    }

    /** CIFAR-100 binary files {@code train.bin} and {@code test.bin}. */
    static Path cifar100(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(100);
        Files.write(dir.resolve("train.bin"), cifarRecords(random, train, 8, true));
        Files.write(dir.resolve("test.bin"), cifarRecords(random, test, 8, true));
        return dir;
    }

    private static byte[] cifarRecords(Random random, int count, int classes, boolean twoLabels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            int label = i % classes;
            if (twoLabels) {
                out.write(label % 20);
            }
            out.write(label);
            out.writeBytes(chw(random, label, classes, 3, 32));
        }
        return out.toByteArray();
    }

    /** Fashion-MNIST IDX files, uncompressed. */
    static Path fashionMnist(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(28);
        writeIdx(dir, "train", random, train);
        writeIdx(dir, "t10k", random, test);
        return dir;
    }

    private static void writeIdx(Path dir, String prefix, Random random, int count) throws IOException {
        ByteArrayOutputStream images = new ByteArrayOutputStream();
        ByteArrayOutputStream labels = new ByteArrayOutputStream();
        DataOutputStream imageHeader = new DataOutputStream(images);
        imageHeader.writeInt(0x00000803);
        imageHeader.writeInt(count);
        imageHeader.writeInt(28);
        imageHeader.writeInt(28);
        DataOutputStream labelHeader = new DataOutputStream(labels);
        labelHeader.writeInt(0x00000801);
        labelHeader.writeInt(count);
        for (int i = 0; i < count; i++) {
            int label = i % 8;
            labels.write(label);
            images.writeBytes(chw(random, label, 8, 1, 28));
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), images.toByteArray());
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), labels.toByteArray());
    }

    /**
     * An ImageNet folder: {@code train/<wnid>/*.JPEG} and {@code val/<wnid>/*.JPEG} for the first
     * two ImageNet classes (labels 0 and 1), images of 64×48 pixels.
     */
    static Path imageNet(Path dir, int trainPerClass, int valPerClass) throws IOException {
        String[] wnids = {"n01440764", "n01443537"};
        Random random = new Random(224);
        for (String split : new String[] {"train", "val"}) {
            int count = split.equals("train") ? trainPerClass : valPerClass;
            for (int label = 0; label < wnids.length; label++) {
                Path folder = Files.createDirectories(dir.resolve(split).resolve(wnids[label]));
                for (int i = 0; i < count; i++) {
                    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
                    for (int r = 0; r < 48; r++) {
                        for (int c = 0; c < 64; c++) {
                            int v = pixel(random, label, 2, r, 48);
                            image.setRGB(c, r, (v << 16) | (v << 8) | v);
                        }
                    }
                    ImageIO.write(image, "jpeg", folder.resolve(wnids[label] + "_" + i + ".JPEG").toFile());
                }
            }
        }
        return dir;
    }
}
