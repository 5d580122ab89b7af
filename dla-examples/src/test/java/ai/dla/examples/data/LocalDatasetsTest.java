package ai.dla.examples.data;

import static ai.dla.examples.data.DatasetFiles.TEST_OFFSET;

import ai.djl.basicdataset.cv.classification.Cifar10;
import ai.djl.basicdataset.cv.classification.FashionMnist;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.translate.TranslateException;
import ai.djl.util.Utils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** {@link LocalDatasets} reads folders of the original CIFAR-10 and Fashion-MNIST files offline. */
public class LocalDatasetsTest {

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

    /** The five training batches are read as one split, in order, with exact pixels. */
    @Test
    public void cifar10TrainJoinsTheFiveBatchesInOrder() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Cifar10 train = LocalDatasets.cifar10(cifar10Dir, Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            train.prepare();
            int count = 5 * DatasetFiles.CIFAR10_PER_BATCH;
            Assert.assertEquals(train.size(), count);
            Assert.assertEquals(Samples.labels(train, manager),
                    Samples.expectedLabels(0, count, DatasetFiles::cifar10Label));
            Samples.assertImage(train, manager, 123, new Shape(32, 32, 3),
                    DatasetFiles.hwc(123, 32, 3));
        }
    }

    /** The test split is test_batch.bin. */
    @Test
    public void cifar10TestReadsTheTestBatch() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Cifar10 test = LocalDatasets.cifar10(cifar10Dir, Usage.TEST)
                    .optManager(manager).setSampling(32, false).build();
            test.prepare();
            Assert.assertEquals(test.size(), DatasetFiles.CIFAR10_TEST);
            Assert.assertEquals(Samples.labels(test, manager), Samples.expectedLabels(
                    TEST_OFFSET, DatasetFiles.CIFAR10_TEST, DatasetFiles::cifar10Label));
            Samples.assertImage(test, manager, 7, new Shape(32, 32, 3),
                    DatasetFiles.hwc(TEST_OFFSET + 7, 32, 3));
        }
    }

    /** Two folders get separate DJL cache entries, so each yields its own images. */
    @Test
    public void twoFoldersNeverShareDjlsCache() throws IOException, TranslateException {
        Path other = root.resolve("cifar-10-copy");
        DatasetFiles.writeCifar10(other);
        Files.copy(cifar10Dir.resolve("test_batch.bin"), other.resolve("data_batch_1.bin"),
                StandardCopyOption.REPLACE_EXISTING);
        try (NDManager manager = NDManager.newBaseManager()) {
            Cifar10 first = LocalDatasets.cifar10(cifar10Dir, Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            Cifar10 second = LocalDatasets.cifar10(other, Usage.TRAIN)
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
                () -> LocalDatasets.cifar10(partial, Usage.TRAIN));
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
                () -> LocalDatasets.cifar10(absent, Usage.TEST));
        Assert.assertTrue(e.getMessage().contains(absent + " does not exist"), e.getMessage());
        Assert.assertTrue(e.getMessage().contains("test_batch.bin"), e.getMessage());
    }

    /** There is no validation split. */
    @Test
    public void validationSplitIsRejected() {
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> LocalDatasets.fashionMnist(fashionDir, Usage.VALIDATION));
        Assert.assertTrue(e.getMessage().contains("no VALIDATION split"), e.getMessage());
    }

    /** Gzipped IDX files give both splits with labels in order and exact pixels. */
    @Test
    public void fashionMnistReadsGzippedIdxFiles() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            FashionMnist train = LocalDatasets.fashionMnist(fashionDir, Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            FashionMnist test = LocalDatasets.fashionMnist(fashionDir, Usage.TEST)
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
            FashionMnist test = LocalDatasets.fashionMnist(plain, Usage.TEST)
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
                () -> LocalDatasets.fashionMnist(partial, Usage.TEST));
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
                () -> LocalDatasets.fashionMnist(swapped, Usage.TEST));
        Assert.assertTrue(e.getMessage().contains("is not an IDX image file"), e.getMessage());
    }

    /** Debian's real Fashion-MNIST test split: 10,000 images, labels 9, 2, 1, 1, 6 first. */
    @Test
    public void debianFashionMnistTestSplit() throws IOException, TranslateException {
        Assert.assertTrue(Files.isDirectory(LocalDatasets.DEBIAN_FASHION_MNIST), LocalDatasets.DEBIAN_FASHION_MNIST
                + " is absent: install Debian's dataset-fashion-mnist package (.ci/run does)");
        try (NDManager manager = NDManager.newBaseManager()) {
            FashionMnist test = LocalDatasets.fashionMnist(Usage.TEST)
                    .optManager(manager).setSampling(32, false).build();
            test.prepare();
            Assert.assertEquals(test.size(), 10_000);
            Assert.assertEquals(Samples.labels(test, manager, 5), new int[] {9, 2, 1, 1, 6});
        }
    }
}
