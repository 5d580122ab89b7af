package ai.dla.examples.data;

import static ai.dla.examples.data.DatasetFiles.TEST_OFFSET;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.translate.TranslateException;
import ai.djl.util.Utils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * {@link BinaryImageDataset} reads folders of the original CIFAR-10 and Fashion-MNIST files offline,
 * in place: nothing is written to DJL's cache.
 */
public class BinaryImageDatasetTest {

    private Path root;
    private Path cifar10Dir;
    private Path fashionDir;

    /** Writes CIFAR-10 and Fashion-MNIST folders into a temporary directory. */
    @BeforeClass
    public void writeFiles() throws IOException {
        root = Files.createTempDirectory("dla-local-datasets");
        cifar10Dir = root.resolve("cifar-10-batches-bin");
        fashionDir = root.resolve("fashion-mnist");
        DatasetFiles.writeCifar10(cifar10Dir);
        DatasetFiles.writeFashionMnist(fashionDir, true);
    }

    /** Deletes the temporary directory. */
    @AfterClass(alwaysRun = true)
    public void deleteFiles() {
        Utils.deleteQuietly(root);
    }

    /** The five training batches are read as one split, in order, with exact pixels, in place. */
    @Test
    public void cifar10TrainJoinsTheFiveBatchesInOrder() throws IOException, TranslateException {
        List<String> cacheBefore = files(Utils.getCacheDir());
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset train = BinaryImageDataset.cifar10(cifar10Dir).optUsage(Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            train.prepare();
            int count = 5 * DatasetFiles.CIFAR10_PER_BATCH;
            Assert.assertEquals(train.size(), count);
            Assert.assertEquals(Samples.labels(train, manager),
                    Samples.expectedLabels(0, count, DatasetFiles::cifar10Label));
            Samples.assertImage(train, manager, 123, new Shape(32, 32, 3),
                    DatasetFiles.hwc(123, 32, 3));
            Assert.assertEquals(train.getClassNames().get(9), "truck");
        }
        Assert.assertEquals(files(Utils.getCacheDir()), cacheBefore, "nothing is written to DJL's cache");
    }

    /** Only CIFAR-100 has coarse labels. */
    @Test
    public void coarseLabelsOfCifar10AreRefused() {
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar10(cifar10Dir).optLabelType(BinaryImageDataset.LabelType.COARSE).build());
        Assert.assertTrue(e.getMessage().contains("only CIFAR-100 has coarse labels"), e.getMessage());
    }

    /** A truncated CIFAR file is refused by its size. */
    @Test
    public void truncatedCifar10BatchIsRefused() throws IOException {
        Path cut = root.resolve("cifar-10-cut");
        DatasetFiles.writeCifar10(cut);
        Path test = cut.resolve("test_batch.bin");
        Files.write(test, java.util.Arrays.copyOf(Files.readAllBytes(test), 3073 * 2 + 100));
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar10(cut).optUsage(Usage.TEST).build());
        Assert.assertTrue(e.getMessage().contains("is not a CIFAR-10 binary file: its 6246 bytes are not a whole"
                + " number of 3073-byte records"), e.getMessage());
    }

    /** The test split is test_batch.bin. */
    @Test
    public void cifar10TestReadsTheTestBatch() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset test = BinaryImageDataset.cifar10(cifar10Dir).optUsage(Usage.TEST)
                    .optManager(manager).setSampling(32, false).build();
            test.prepare();
            Assert.assertEquals(test.size(), DatasetFiles.CIFAR10_TEST);
            Assert.assertEquals(Samples.labels(test, manager), Samples.expectedLabels(
                    TEST_OFFSET, DatasetFiles.CIFAR10_TEST, DatasetFiles::cifar10Label));
            Samples.assertImage(test, manager, 7, new Shape(32, 32, 3),
                    DatasetFiles.hwc(TEST_OFFSET + 7, 32, 3));
        }
    }

    /** Two folders are read each in place, so each yields its own images. */
    @Test
    public void twoFoldersYieldTheirOwnImages() throws IOException, TranslateException {
        Path other = root.resolve("cifar-10-copy");
        DatasetFiles.writeCifar10(other);
        Files.copy(cifar10Dir.resolve("test_batch.bin"), other.resolve("data_batch_1.bin"),
                StandardCopyOption.REPLACE_EXISTING);
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset first = BinaryImageDataset.cifar10(cifar10Dir).optUsage(Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            BinaryImageDataset second = BinaryImageDataset.cifar10(other).optUsage(Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            first.prepare();
            second.prepare();
            Assert.assertEquals(first.size(), 5 * DatasetFiles.CIFAR10_PER_BATCH);
            Assert.assertEquals(second.size(),
                    4 * DatasetFiles.CIFAR10_PER_BATCH + DatasetFiles.CIFAR10_TEST);
            Samples.assertImage(second, manager, 0, new Shape(32, 32, 3),
                    DatasetFiles.hwc(TEST_OFFSET, 32, 3));
        }
    }

    /** A missing batch file is named, with the expected file names. */
    @Test
    public void cifar10MissingBatchIsNamed() throws IOException {
        Path partial = root.resolve("cifar-10-partial");
        DatasetFiles.writeCifar10(partial);
        Files.delete(partial.resolve("data_batch_3.bin"));
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar10(partial).optUsage(Usage.TRAIN).build());
        Assert.assertTrue(e.getMessage().contains("lacks data_batch_3.bin"), e.getMessage());
        Assert.assertTrue(e.getMessage().contains("data_batch_1.bin, data_batch_2.bin, "
                + "data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin"),
                e.getMessage());
    }

    /** A missing folder is named, with the expected file names. */
    @Test
    public void missingFolderIsNamed() {
        Path absent = root.resolve("no-such-folder");
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar10(absent).optUsage(Usage.TEST).build());
        Assert.assertTrue(e.getMessage().contains(absent + " does not exist"), e.getMessage());
        Assert.assertTrue(e.getMessage().contains("test_batch.bin"), e.getMessage());
    }

    /** There is no validation split. */
    @Test
    public void validationSplitIsRejected() {
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.fashionMnist(fashionDir).optUsage(Usage.VALIDATION).build());
        Assert.assertTrue(e.getMessage().contains("no VALIDATION split"), e.getMessage());
    }

    /** Gzipped IDX files give both splits with labels in order and exact pixels. */
    @Test
    public void fashionMnistReadsGzippedIdxFiles() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset train = BinaryImageDataset.fashionMnist(fashionDir).optUsage(Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            BinaryImageDataset test = BinaryImageDataset.fashionMnist(fashionDir).optUsage(Usage.TEST)
                    .optManager(manager).setSampling(32, false).build();
            train.prepare();
            test.prepare();
            Assert.assertEquals(train.size(), DatasetFiles.FASHION_TRAIN);
            Assert.assertEquals(test.size(), DatasetFiles.FASHION_TEST);
            Assert.assertEquals(Samples.labels(train, manager), Samples.expectedLabels(
                    0, DatasetFiles.FASHION_TRAIN, DatasetFiles::fashionLabel));
            Assert.assertEquals(Samples.labels(test, manager), Samples.expectedLabels(
                    TEST_OFFSET, DatasetFiles.FASHION_TEST, DatasetFiles::fashionLabel));
            Samples.assertImage(train, manager, 201, new Shape(28, 28, 1),
                    DatasetFiles.hwc(201, 28, 1));
            Samples.assertImage(test, manager, 42, new Shape(28, 28, 1),
                    DatasetFiles.hwc(TEST_OFFSET + 42, 28, 1));
        }
    }

    /** Uncompressed IDX files work too. */
    @Test
    public void fashionMnistReadsUncompressedIdxFiles() throws IOException, TranslateException {
        Path plain = root.resolve("fashion-mnist-plain");
        DatasetFiles.writeFashionMnist(plain, false);
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset test = BinaryImageDataset.fashionMnist(plain).optUsage(Usage.TEST)
                    .optManager(manager).setSampling(32, false).build();
            test.prepare();
            Assert.assertEquals(test.size(), DatasetFiles.FASHION_TEST);
            Samples.assertImage(test, manager, 3, new Shape(28, 28, 1),
                    DatasetFiles.hwc(TEST_OFFSET + 3, 28, 1));
        }
    }

    /** A missing IDX file is named, with the expected file names. */
    @Test
    public void fashionMnistMissingFileIsNamed() throws IOException {
        Path partial = root.resolve("fashion-mnist-partial");
        DatasetFiles.writeFashionMnist(partial, true);
        Files.delete(partial.resolve("t10k-labels-idx1-ubyte.gz"));
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.fashionMnist(partial).optUsage(Usage.TEST).build());
        Assert.assertTrue(e.getMessage().contains("lacks t10k-labels-idx1-ubyte.gz"),
                e.getMessage());
        Assert.assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz, "
                + "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                + "t10k-labels-idx1-ubyte.gz"), e.getMessage());
    }

    /** A label file in place of an image file is rejected by its magic number. */
    @Test
    public void fashionMnistSwappedFilesAreRejected() throws IOException {
        Path swapped = root.resolve("fashion-mnist-swapped");
        DatasetFiles.writeFashionMnist(swapped, true);
        Path images = swapped.resolve("t10k-images-idx3-ubyte.gz");
        Files.copy(swapped.resolve("t10k-labels-idx1-ubyte.gz"), images,
                StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.fashionMnist(swapped).optUsage(Usage.TEST).build());
        Assert.assertTrue(e.getMessage().contains("is not an IDX image file"), e.getMessage());
    }

    /** Debian's real Fashion-MNIST test split: 10,000 images, labels 9, 2, 1, 1, 6 first. */
    @Test
    public void debianFashionMnistTestSplit() throws IOException, TranslateException {
        Assert.assertTrue(Files.isDirectory(BinaryImageDataset.DEBIAN_FASHION_MNIST), BinaryImageDataset.DEBIAN_FASHION_MNIST
                + " is absent: install Debian's dataset-fashion-mnist package (.ci/run does)");
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset test = BinaryImageDataset.fashionMnist().optUsage(Usage.TEST)
                    .optManager(manager).setSampling(32, false).build();
            test.prepare();
            Assert.assertEquals(test.size(), 10_000);
            Assert.assertEquals(Samples.labels(test, manager, 5), new int[] {9, 2, 1, 1, 6});
            Assert.assertEquals(test.getClassNames().get(9), "Ankle boot");
        }
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(Path::toString).sorted().toList();
        }
    }
}
