package ai.dla.examples.data;

import static ai.dla.examples.data.DatasetFiles.CIFAR100_TEST;
import static ai.dla.examples.data.DatasetFiles.CIFAR100_TRAIN;
import static ai.dla.examples.data.DatasetFiles.TEST_OFFSET;

import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.translate.Pipeline;
import ai.djl.translate.TranslateException;
import ai.djl.util.Utils;
import ai.dla.examples.data.BinaryImageDataset.LabelType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testng.Assert;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/** {@link BinaryImageDataset#cifar100} reads the CIFAR-100 binary format with fine or coarse labels. */
public class Cifar100Test {

    private Path root;
    private Path dir;

    /** Writes a CIFAR-100 binary folder into a temporary directory. */
    @BeforeClass
    public void writeFiles() throws IOException {
        root = Files.createTempDirectory("dla-cifar100");
        dir = root.resolve("cifar-100-binary");
        DatasetFiles.writeCifar100(dir);
    }

    /** Deletes the temporary directory. */
    @AfterClass(alwaysRun = true)
    public void deleteFiles() {
        Utils.deleteQuietly(root);
    }

    /** Class names: 100 fine and 20 coarse, in the standard label order. */
    @Test
    public void classNamesAreTheStandardOnesInLabelOrder() throws IOException {
        List<String> fine = BinaryImageDataset.cifar100(dir).setSampling(1, false).build().getClassNames();
        List<String> coarse = BinaryImageDataset.cifar100(dir).optLabelType(LabelType.COARSE).setSampling(1, false)
                .build().getClassNames();
        Assert.assertEquals(fine.size(), 100);
        Assert.assertEquals(coarse.size(), 20);
        Assert.assertEquals(fine.get(0), "apple");
        Assert.assertEquals(fine.get(19), "cattle");
        Assert.assertEquals(fine.get(58), "pickup_truck");
        Assert.assertEquals(fine.get(99), "worm");
        Assert.assertEquals(coarse.get(0), "aquatic_mammals");
        Assert.assertEquals(coarse.get(9), "large_man-made_outdoor_things");
        Assert.assertEquals(coarse.get(19), "vehicles_2");
        Assert.assertEquals(fine.stream().distinct().count(), 100);
        Assert.assertEquals(coarse.stream().distinct().count(), 20);
    }

    /** The training split yields fine labels in file order and the exact pixels. */
    @Test
    public void fineLabelsByDefault() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset train = BinaryImageDataset.cifar100(dir).optUsage(Usage.TRAIN)
                    .optManager(manager).setSampling(32, false).build();
            train.prepare();
            Assert.assertEquals(train.getLabelType(), LabelType.FINE);
            Assert.assertEquals(train.getClassNames().size(), 100);
            Assert.assertEquals(train.size(), CIFAR100_TRAIN);
            Assert.assertEquals(Samples.labels(train, manager),
                    Samples.expectedLabels(0, CIFAR100_TRAIN, DatasetFiles::fineLabel));
            Samples.assertImage(train, manager, 201, new Shape(32, 32, 3),
                    DatasetFiles.hwc(201, 32, 3));
        }
    }

    /** The test split yields coarse labels when asked to. */
    @Test
    public void coarseLabelsOnRequest() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset test = BinaryImageDataset.cifar100(dir).optUsage(Usage.TEST)
                    .optLabelType(LabelType.COARSE)
                    .optManager(manager).setSampling(32, false).build();
            test.prepare();
            Assert.assertEquals(test.getClassNames().size(), 20);
            Assert.assertEquals(test.size(), CIFAR100_TEST);
            Assert.assertEquals(Samples.labels(test, manager),
                    Samples.expectedLabels(TEST_OFFSET, CIFAR100_TEST, DatasetFiles::coarseLabel));
            Samples.assertImage(test, manager, 59, new Shape(32, 32, 3),
                    DatasetFiles.hwc(TEST_OFFSET + 59, 32, 3));
        }
    }

    /** The default ToTensor pipeline yields NCHW batches in [0, 1] and (N) labels. */
    @Test
    public void defaultPipelineYieldsNchwBatchesInZeroOne() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset test = BinaryImageDataset.cifar100(dir).optUsage(Usage.TEST)
                    .optManager(manager).setSampling(16, false).build();
            try (Batch batch = test.getData(manager).iterator().next()) {
                NDArray images = batch.getData().singletonOrThrow();
                NDArray labels = batch.getLabels().singletonOrThrow();
                Assert.assertEquals(images.getShape(), new Shape(16, 3, 32, 32));
                Assert.assertEquals(labels.getShape(), new Shape(16));
                Assert.assertEquals(images.get(0).toFloatArray(), chwUnit(TEST_OFFSET), 1e-6f);
                Assert.assertEquals((int) labels.getFloat(3),
                        DatasetFiles.fineLabel(TEST_OFFSET + 3));
            }
        }
    }

    /** PadRandomCrop on HWC batches, then ToTensor, yields NCHW batches in [0, 1]. */
    @Test
    public void padRandomCropFitsBeforeToTensor() throws IOException, TranslateException {
        try (NDManager manager = NDManager.newBaseManager()) {
            BinaryImageDataset train = BinaryImageDataset.cifar100(dir).optUsage(Usage.TRAIN)
                    .optPipeline(new Pipeline(new PadRandomCrop(4), new ToTensor()))
                    .optManager(manager).setSampling(50, true).build();
            try (Batch batch = train.getData(manager).iterator().next()) {
                NDArray images = batch.getData().singletonOrThrow();
                Assert.assertEquals(images.getShape(), new Shape(50, 3, 32, 32));
                Assert.assertTrue(images.min().getFloat() >= 0f);
                Assert.assertTrue(images.max().getFloat() <= 1f);
            }
        }
    }

    /** A missing test.bin is named, with the expected file names. */
    @Test
    public void missingTestFileIsNamed() throws IOException {
        Path partial = root.resolve("partial");
        DatasetFiles.writeCifar100(partial);
        Files.delete(partial.resolve("test.bin"));
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar100(partial).optUsage(Usage.TEST).build());
        Assert.assertTrue(e.getMessage().contains("lacks test.bin"), e.getMessage());
        Assert.assertTrue(e.getMessage().contains("expected a folder holding train.bin, test.bin"),
                e.getMessage());
    }

    /** A CIFAR-10 file under a CIFAR-100 name is rejected. */
    @Test
    public void cifar10FilesAreNotTakenForCifar100() throws IOException {
        Path cifar10 = root.resolve("cifar-10");
        DatasetFiles.writeCifar10(cifar10);
        Files.copy(cifar10.resolve("test_batch.bin"), cifar10.resolve("test.bin"));
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar100(cifar10).optUsage(Usage.TEST).build());
        Assert.assertTrue(e.getMessage().contains("is not a CIFAR-100 binary file"),
                e.getMessage());
    }

    /** There is no validation split. */
    @Test
    public void validationSplitIsRejected() {
        IllegalArgumentException e = Assert.expectThrows(IllegalArgumentException.class,
                () -> BinaryImageDataset.cifar100(dir).optUsage(Usage.VALIDATION).setSampling(1, false).build());
        Assert.assertTrue(e.getMessage().contains("no VALIDATION split"), e.getMessage());
    }

    /** The expected image as CHW floats in [0, 1], as ToTensor yields it. */
    private static float[] chwUnit(int image) {
        float[] values = new float[3 * 32 * 32];
        int i = 0;
        for (int channel = 0; channel < 3; channel++) {
            for (int row = 0; row < 32; row++) {
                for (int col = 0; col < 32; col++) {
                    values[i++] = DatasetFiles.pixel(image, channel, row, col) / 255f;
                }
            }
        }
        return values;
    }
}
