package ai.dla.examples.data;

import ai.dla.zoo.ChannelNormalize;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.Preprocessing;

import ai.djl.basicdataset.cv.classification.Cifar10;

import ai.djl.modality.cv.transform.RandomResizedCrop;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.translate.Pipeline;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The training and test splits of the four datasets, with the published augmentation and each
 * dataset's normalisation, as DJL datasets ready for {@code Trainer.iterateDataset}.
 *
 * <ul>
 *   <li>CIFAR-10: read from a folder of the binary files ({@link BinaryImageDataset#cifar10}), or
 *       DJL's {@code Cifar10}, downloaded by DJL, when no folder is given.
 *   <li>CIFAR-100: {@link BinaryImageDataset#cifar100} from a folder of {@code train.bin} and
 *       {@code test.bin}.
 *   <li>Fashion-MNIST: {@link BinaryImageDataset#fashionMnist} from a folder of the IDX files, by
 *       default Debian's {@link BinaryImageDataset#DEBIAN_FASHION_MNIST}.
 *   <li>ImageNet: {@link ImageNetFolder} (DJL's {@code ImageNet} layout and class order) from a
 *       folder with {@code train/<wnid>/} and {@code val/<wnid>/}.
 * </ul>
 *
 * <p>Training images of the 32×32 and 28×28 datasets are padded and randomly cropped ({@link
 * PadRandomCrop}) and flipped ({@link RandomFlip}), whole batches at a time; ImageNet training
 * images get {@code RandomResizedCrop} to 224 and a flip, evaluation images a resize of the
 * shorter side to 256 and a 224 centre crop. All images are then scaled to [0, 1] and normalised
 * with {@link DatasetProfile#getMean()} and {@link DatasetProfile#getStd()}; test images get
 * exactly the zoo's {@link Preprocessing}.
 */
public final class TrainingData {

    /** Where the CIFAR-10 binary release that {@code --data-dir} reads is published. */
    public static final String CIFAR10_RELEASE = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    private TrainingData() {}

    /**
     * Builds one split of a dataset, prepared (read into memory or listed) and ready to iterate.
     *
     * @param dataset the dataset
     * @param dataDir the folder of the dataset's files, or null for DJL's download (CIFAR-10) or
     *     Debian's copy (Fashion-MNIST)
     * @param usage TRAIN (augmented, shuffled) or TEST (the test or validation split, in order)
     * @param batchSize the batch size
     * @param pad the zero padding of the random crop for 32×32 and 28×28 images; 0 turns it off
     * @param limitBatches the number of batches to keep, or a negative number for all
     * @param manager the manager that owns the in-memory splits' arrays (CIFAR, Fashion-MNIST)
     * @return the prepared split
     * @throws IllegalArgumentException if the folder is needed and missing, or its files are not in
     *     the dataset's format; the message names the files expected
     * @throws IOException if the files cannot be read, or DJL cannot download CIFAR-10 (the message
     *     then says where the release is and how to pass its folder)
     */
    public static RandomAccessDataset build(DatasetProfile dataset, Path dataDir, Usage usage,
            int batchSize, int pad, long limitBatches, NDManager manager) throws IOException {
        boolean train = usage == Usage.TRAIN;
        Pipeline pipeline = pipeline(dataset, train, pad);
        long limit = limitBatches >= 0 ? limitBatches * batchSize : Long.MAX_VALUE;
        RandomAccessDataset split = switch (dataset) {
            case CIFAR10 -> dataDir == null
                    ? sampled(Cifar10.builder().optUsage(usage).optManager(manager), batchSize, train, pipeline, limit)
                            .build()
                    : sampled(BinaryImageDataset.cifar10(dataDir), usage, batchSize, train, pipeline, limit, manager);
            case CIFAR100 -> sampled(BinaryImageDataset.cifar100(require(dataset, dataDir)), usage, batchSize, train,
                    pipeline, limit, manager);
            case FASHION_MNIST -> sampled(dataDir == null
                    ? BinaryImageDataset.fashionMnist()
                    : BinaryImageDataset.fashionMnist(dataDir), usage, batchSize, train, pipeline, limit, manager);
            case IMAGENET -> sampled(imageNet(require(dataset, dataDir), usage), batchSize, train, pipeline,
                    limit).build();
        };
        try {
            split.prepare();
        } catch (TranslateException e) {
            throw new IOException("Cannot prepare " + dataset.getId() + " " + usage + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (dataset == DatasetProfile.CIFAR10 && dataDir == null) {
                throw new IOException("Cannot download CIFAR-10 from DJL's repository (" + e
                        + "): download the official binary release, " + CIFAR10_RELEASE
                        + ", unpack it and give its cifar-10-batches-bin folder with --data-dir", e);
            }
            throw e;
        }
        return split;
    }

    /**
     * Returns the pipeline that turns raw HWC images of a dataset into normalised NCHW input.
     *
     * @param dataset the dataset
     * @param train whether to augment
     * @param pad the zero padding of the random crop (32×32 and 28×28 datasets); 0 turns it off
     * @return the pipeline
     */
    public static Pipeline pipeline(DatasetProfile dataset, boolean train, int pad) {
        if (!train) {
            return new Preprocessing(dataset).pipeline(dataset == DatasetProfile.IMAGENET);
        }
        Pipeline pipeline = new Pipeline();
        if (dataset == DatasetProfile.IMAGENET) {
            int size = dataset.getImageSize();
            pipeline.add(new RandomResizedCrop(size, size));
        } else if (pad > 0) {
            pipeline.add(new PadRandomCrop(pad, AxisOrder.HWC));
        }
        return pipeline.add(new RandomFlip(AxisOrder.HWC))
                .add(new ToTensor())
                .add(new ChannelNormalize(dataset.getMean(), dataset.getStd()));
    }

    private static <B extends RandomAccessDataset.BaseBuilder<B>> B sampled(
            B builder, int batchSize, boolean shuffle, Pipeline pipeline, long limit) {
        return builder.setSampling(batchSize, shuffle, false).optPipeline(pipeline).optLimit(limit);
    }

    private static BinaryImageDataset sampled(BinaryImageDataset.Builder builder, Usage usage, int batchSize,
            boolean shuffle, Pipeline pipeline, long limit, NDManager manager) throws IOException {
        return sampled(builder.optUsage(usage).optManager(manager), batchSize, shuffle, pipeline, limit).build();
    }

    private static ImageNetFolder.Builder imageNet(Path dir, Usage usage) {
        Path folder = dir.resolve(usage == Usage.TRAIN ? "train" : "val");
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("ImageNet folder " + folder.toAbsolutePath()
                    + " not found: --data-dir must hold train/<wnid>/*.JPEG and val/<wnid>/*.JPEG");
        }
        return ImageNetFolder.builder().setRoot(dir).optUsage(usage);
    }

    private static Path require(DatasetProfile dataset, Path dir) {
        if (dir == null) {
            throw new IllegalArgumentException(dataset.getId()
                    + " has no download here: give --data-dir, the folder of its files");
        }
        return dir;
    }

    /**
     * Returns an executor that prepares the next batches while the network runs, for {@code
     * DefaultTrainingConfig.optExecutorService} or {@code Dataset.getData(manager, executor)}: DJL's
     * datasets then fetch {@code prefetchNumber} batches (2 by default) ahead on it. One thread, so
     * the batches are prepared one after the other in the sampler's order and draw the
     * augmentation's random numbers in the same order as without prefetching: a resumed run stays
     * exact. Shut it down after use.
     *
     * @return a single daemon thread named {@code dla-data}
     */
    public static ExecutorService loader() {
        return Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "dla-data");
            thread.setDaemon(true);
            return thread;
        });
    }
}
