package ai.dla.examples.data;

import ai.djl.engine.Engine;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.translate.Pipeline;
import ai.djl.util.Progress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CIFAR-10, CIFAR-100 or Fashion-MNIST as a DJL {@link ArrayDataset}, read straight from a folder
 * of the files as published: the CIFAR binary version ({@code cifar-10-batches-bin}, {@code
 * cifar-100-binary}) or the IDX files of Fashion-MNIST, gzipped or not. Nothing is downloaded and
 * nothing is written to DJL's cache. Hand-written because DJL's {@code Cifar10} and {@code
 * FashionMnist} read only through a DJL repository, which copies the files into its cache first.
 *
 * <p>{@link Builder#build()} checks the folder and the files of the split (names, CIFAR record
 * sizes, IDX headers) and names what is wrong; {@link #prepare(Progress)} reads the split into
 * memory, each file once, and refuses an IDX file whose length is not its header's.
 * Samples are float32 HWC images, values 0 to 255: (32, 32, 3) for CIFAR, (28, 28, 1) for
 * Fashion-MNIST; labels are float32 class indices. The default pipeline is {@link ToTensor}.
 */
public final class BinaryImageDataset extends ArrayDataset {

    /** The folder of Debian's {@code dataset-fashion-mnist} package. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private final NDManager manager;
    private final BinaryFormat format;
    private final List<Path> files;
    private final LabelType labelType;
    private boolean prepared;

    private BinaryImageDataset(Builder builder, List<Path> files) {
        super(builder);
        manager = builder.manager == null
                ? Engine.getInstance().newBaseManager()
                : builder.manager.newSubManager();
        manager.setName(builder.format.getName());
        format = builder.format;
        this.files = files;
        labelType = builder.labelType;
    }

    /**
     * Returns a builder for CIFAR-10 in a folder of {@code data_batch_1.bin} to {@code
     * data_batch_5.bin} and {@code test_batch.bin}, as unpacked from {@code cifar-10-binary.tar.gz}.
     *
     * @param dir the folder
     * @return the builder
     */
    public static Builder cifar10(Path dir) {
        return new Builder(BinaryFormat.CIFAR10, dir);
    }

    /**
     * Returns a builder for CIFAR-100 in a folder of {@code train.bin} and {@code test.bin}, as
     * unpacked from {@code cifar-100-binary.tar.gz}; fine labels unless {@link
     * Builder#optLabelType} asks for the coarse ones.
     *
     * @param dir the folder
     * @return the builder
     */
    public static Builder cifar100(Path dir) {
        return new Builder(BinaryFormat.CIFAR100, dir);
    }

    /**
     * Returns a builder for Fashion-MNIST in a folder of the four IDX files ({@code
     * train-images-idx3-ubyte.gz} and so on, or the same names without {@code .gz}).
     *
     * @param dir the folder
     * @return the builder
     */
    public static Builder fashionMnist(Path dir) {
        return new Builder(BinaryFormat.FASHION_MNIST, dir);
    }

    /**
     * Returns a builder for Debian's copy of Fashion-MNIST in {@link #DEBIAN_FASHION_MNIST}.
     *
     * @return the builder
     */
    public static Builder fashionMnist() {
        return fashionMnist(DEBIAN_FASHION_MNIST);
    }

    /**
     * Returns the class names of this dataset's labels, in label order.
     *
     * @return 10 names for CIFAR-10 and Fashion-MNIST, 100 fine or 20 coarse for CIFAR-100
     */
    public List<String> getClassNames() {
        return format.classNames(labelType);
    }

    /**
     * Returns the label type: {@link LabelType#FINE} but for CIFAR-100 read with coarse labels.
     *
     * @return the label type
     */
    public LabelType getLabelType() {
        return labelType;
    }

    /**
     * Reads the split into memory, once.
     *
     * @param progress unused: nothing is downloaded
     * @throws IllegalArgumentException if an IDX file holds more or fewer bytes than its header
     *     announces (a damaged copy), naming the file
     * @throws IOException if a file cannot be read, or has changed since the build and no longer
     *     has its format
     */
    @Override
    public void prepare(Progress progress) throws IOException {
        if (prepared) {
            return;
        }
        try (NDManager scratch = manager.newSubManager()) {
            NDArray[] split = format.read(files, labelType, scratch);
            for (NDArray a : split) {
                a.attach(manager);
            }
            data = new NDArray[] {split[0]};
            labels = new NDArray[] {split[1]};
        }
        prepared = true;
    }

    /**
     * Creates the uint8 array of raw bytes, through DJL's copy of a buffer (no per-element access).
     *
     * @param bytes the bytes
     * @param shape the shape, whose size is the number of bytes
     * @param manager the manager of the array
     * @return the array
     */
    static NDArray bytes(byte[] bytes, Shape shape, NDManager manager) {
        return manager.create(ByteBuffer.wrap(bytes), shape, DataType.UINT8);
    }

    /** Which of the two labels of a CIFAR-100 image the dataset yields; the other datasets have one. */
    public enum LabelType {
        /** The coarse label: one of 20 superclasses, byte 0 of a CIFAR-100 record. */
        COARSE,
        /** The fine label: one of 100 classes, byte 1 of a CIFAR-100 record; the only label elsewhere. */
        FINE
    }

    /** A builder for {@link BinaryImageDataset}; call {@code setSampling} before {@link #build()}. */
    public static final class Builder extends BaseBuilder<Builder> {

        private final BinaryFormat format;
        private final Path dir;
        private NDManager manager;
        private Usage usage = Usage.TRAIN;
        private LabelType labelType = LabelType.FINE;

        private Builder(BinaryFormat format, Path dir) {
            this.format = format;
            this.dir = dir;
            pipeline = new Pipeline(new ToTensor());
        }

        /** {@inheritDoc} */
        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the manager whose sub-manager will own the dataset's arrays (default: a new base
         * manager of the default engine, never closed).
         *
         * @param manager the parent manager
         * @return this builder
         */
        public Builder optManager(NDManager manager) {
            this.manager = manager;
            return this;
        }

        /**
         * Sets the split to read (default {@link Usage#TRAIN}); these datasets have TRAIN and TEST.
         *
         * @param usage the split
         * @return this builder
         */
        public Builder optUsage(Usage usage) {
            this.usage = usage;
            return this;
        }

        /**
         * Sets which CIFAR-100 label the dataset yields (default {@link LabelType#FINE}).
         *
         * @param labelType fine (100 classes) or coarse (20 classes)
         * @return this builder
         */
        public Builder optLabelType(LabelType labelType) {
            this.labelType = labelType;
            return this;
        }

        /**
         * Checks the folder and the files of the split, then builds the dataset; its data are read
         * by {@link BinaryImageDataset#prepare(Progress)}.
         *
         * @return a new dataset
         * @throws IllegalArgumentException if the usage is not TRAIN or TEST, coarse labels are
         *     asked of a dataset without them, or the folder or a file of the split is missing or
         *     not in the dataset's format; the message names the files expected
         * @throws IOException if a file cannot be read
         */
        public BinaryImageDataset build() throws IOException {
            if (usage != Usage.TRAIN && usage != Usage.TEST) {
                throw new IllegalArgumentException(
                        format.getName() + " has a TRAIN and a TEST split, no " + usage + " split.");
            }
            if (labelType == LabelType.COARSE && format != BinaryFormat.CIFAR100) {
                throw new IllegalArgumentException(format.getName() + " has one label per image; only"
                        + " CIFAR-100 has coarse labels.");
            }
            if (dir == null || !Files.isDirectory(dir)) {
                throw new IllegalArgumentException(format.getName() + " folder " + dir + " does not exist; "
                        + format.expectation());
            }
            return new BinaryImageDataset(this, format.check(dir, usage));
        }
    }
}
