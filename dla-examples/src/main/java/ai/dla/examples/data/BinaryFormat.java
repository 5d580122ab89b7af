package ai.dla.examples.data;

import ai.dla.examples.data.BinaryImageDataset.LabelType;
import ai.dla.zoo.DatasetProfile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Dataset.Usage;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The published binary formats of the three small datasets: which files a folder holds, how they
 * are checked, and how a split becomes two arrays. CIFAR files are fixed-size records (label bytes,
 * then 3×32×32 pixels in CHW order); Fashion-MNIST is a pair of IDX files, each a big-endian header
 * (magic number, count, and for images 28×28) followed by the bytes.
 */
enum BinaryFormat {

    /** CIFAR-10: five training batches and a test batch, one label byte per record. */
    CIFAR10("CIFAR-10", DatasetProfile.CIFAR10, List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"), 1) {
        @Override
        List<String> split(Path dir, Usage usage) {
            return usage == Usage.TRAIN ? files.subList(0, 5) : files.subList(5, 6);
        }
    },

    /** CIFAR-100: one training and one test file, a coarse and a fine label byte per record. */
    CIFAR100("CIFAR-100", DatasetProfile.CIFAR100, List.of("train.bin", "test.bin"), 2) {
        @Override
        List<String> split(Path dir, Usage usage) {
            return List.of(files.get(usage == Usage.TRAIN ? 0 : 1));
        }
    },

    /** Fashion-MNIST: an image and a label IDX file per split, gzipped as published or not. */
    FASHION_MNIST("Fashion-MNIST", DatasetProfile.FASHION_MNIST, List.of("train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"), 0) {
        @Override
        List<String> split(Path dir, Usage usage) {
            List<String> names = new ArrayList<>();
            int first = usage == Usage.TRAIN ? 0 : 2;
            for (String published : files.subList(first, first + 2)) {
                String plain = published.substring(0, published.length() - ".gz".length());
                boolean onlyPlain = !Files.isRegularFile(dir.resolve(published))
                        && Files.isRegularFile(dir.resolve(plain));
                names.add(onlyPlain ? plain : published);
            }
            return names;
        }

        @Override
        void checkFiles(Path dir, Usage usage, List<Path> sources) throws IOException {
            int images = idxCount(sources.get(0), IDX_IMAGES);
            int labels = idxCount(sources.get(1), IDX_LABELS);
            if (images != labels) {
                throw new IllegalArgumentException(getName() + " " + usage + " files in " + dir
                        + " disagree: " + images + " images but " + labels + " labels.");
            }
        }

        @Override
        NDArray[] read(List<Path> sources, LabelType labelType, NDManager manager) throws IOException {
            byte[] pixels = idxBody(sources.get(0), IDX_IMAGES);
            byte[] classes = idxBody(sources.get(1), IDX_LABELS);
            NDArray images = BinaryImageDataset.bytes(pixels, new Shape(classes.length, SIDE_28, SIDE_28, 1), manager);
            NDArray labels = BinaryImageDataset.bytes(classes, new Shape(classes.length), manager);
            return new NDArray[] {images.toType(DataType.FLOAT32, false), labels.toType(DataType.FLOAT32, false)};
        }
    };

    private static final int SIDE_32 = 32;
    private static final int SIDE_28 = 28;
    private static final int IDX_IMAGES = 0x00000803;
    private static final int IDX_LABELS = 0x00000801;
    private static final List<String> COARSE_NAMES = readNames("cifar100-coarse.txt");

    private final String name;
    private final DatasetProfile profile;
    /** The files a folder of this dataset holds, in their published names. */
    final List<String> files;
    private final int labelBytes;

    BinaryFormat(String name, DatasetProfile profile, List<String> files, int labelBytes) {
        this.name = name;
        this.profile = profile;
        this.files = files;
        this.labelBytes = labelBytes;
    }

    /**
     * Returns the dataset's name, for messages.
     *
     * @return such as {@code CIFAR-10}
     */
    String getName() {
        return name;
    }

    /**
     * Returns the class names of a label type, in label order.
     *
     * @param labelType fine, or coarse for CIFAR-100
     * @return the names
     */
    List<String> classNames(LabelType labelType) {
        return labelType == LabelType.COARSE ? COARSE_NAMES : profile.getClassNames();
    }

    /**
     * Returns the names of the files of a split, as they are found in a folder.
     *
     * @param dir the folder
     * @param usage TRAIN or TEST
     * @return the file names
     */
    abstract List<String> split(Path dir, Usage usage);

    /**
     * Returns the sentence that says what a folder must hold.
     *
     * @return the sentence
     */
    String expectation() {
        return "expected a folder holding " + String.join(", ", files) + ".";
    }

    /**
     * Finds and checks the files of a split in an existing folder.
     *
     * @param dir the folder
     * @param usage TRAIN or TEST
     * @return the files, absolute
     * @throws IllegalArgumentException naming a missing file or one not in the format
     * @throws IOException if a file cannot be read
     */
    List<Path> check(Path dir, Usage usage) throws IOException {
        List<Path> sources = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String file : split(dir, usage)) {
            Path path = dir.resolve(file).toAbsolutePath().normalize();
            if (Files.isRegularFile(path)) {
                sources.add(path);
            } else {
                missing.add(file);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(name + " folder " + dir + " lacks " + String.join(", ", missing)
                    + " for the " + usage + " split; " + expectation());
        }
        checkFiles(dir, usage, sources);
        return sources;
    }

    /**
     * Checks the files of a split: CIFAR files must be whole numbers of records.
     *
     * @param dir the folder, for messages
     * @param usage the split, for messages
     * @param sources the files
     * @throws IOException if a file cannot be read
     */
    void checkFiles(Path dir, Usage usage, List<Path> sources) throws IOException {
        for (Path file : sources) {
            long size = Files.size(file);
            if (size == 0 || size % recordSize() != 0) {
                throw new IllegalArgumentException(file + " is not a " + name + " binary file: its " + size
                        + " bytes are not a whole number of " + recordSize() + "-byte records.");
            }
        }
    }

    /**
     * Reads a split as float32 images (N, H, W, C) and float32 labels (N).
     *
     * @param sources the checked files of the split
     * @param labelType which CIFAR-100 label to keep
     * @param manager the manager of the arrays
     * @return the images and the labels
     * @throws IOException if a file cannot be read
     */
    NDArray[] read(List<Path> sources, LabelType labelType, NDManager manager) throws IOException {
        long total = 0;
        for (Path file : sources) {
            total += Files.size(file);
        }
        byte[] records = new byte[Math.toIntExact(total)];
        int offset = 0;
        for (Path file : sources) {
            int size = Math.toIntExact(Files.size(file));
            try (InputStream in = Files.newInputStream(file)) {
                if (size % recordSize() != 0 || offset + size > records.length
                        || in.readNBytes(records, offset, size) != size || in.read() != -1) {
                    throw new IOException(file + " changed while it was read: check the file and try again");
                }
            }
            offset += size;
        }
        NDArray table = BinaryImageDataset.bytes(records, new Shape(total / recordSize(), recordSize()), manager);
        NDArray images = table.get(":, {}:", labelBytes).reshape(-1, 3, SIDE_32, SIDE_32).transpose(0, 2, 3, 1);
        int label = labelType == LabelType.COARSE ? 0 : labelBytes - 1;
        return new NDArray[] {images.toType(DataType.FLOAT32, false),
                table.get(":, {}", label).toType(DataType.FLOAT32, false)};
    }

    private int recordSize() {
        return labelBytes + 3 * SIDE_32 * SIDE_32;
    }

    /** Reads an IDX file's header: the count, after checking the magic number and the 28×28 size. */
    private static int idxCount(Path file, int magic) throws IOException {
        try (DataInputStream in = idxStream(file, magic)) {
            return idxHeader(file, magic, in);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " ends early: it is empty or truncated; copy the file again.", e);
        }
    }

    /** Reads an IDX file's bytes after its header, refusing a file whose length is not the header's. */
    private static byte[] idxBody(Path file, int magic) throws IOException {
        try (DataInputStream in = idxStream(file, magic)) {
            int count = idxHeader(file, magic, in);
            boolean images = magic == IDX_IMAGES;
            int expected = Math.multiplyExact(count, images ? SIDE_28 * SIDE_28 : 1);
            byte[] body = in.readNBytes(expected);
            long actual = body.length + in.transferTo(OutputStream.nullOutputStream());
            if (actual != expected) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s is damaged: its header announces %d %s (%d bytes) but %d bytes follow; copy the"
                                + " file again.", file, count, images ? "images" : "labels", expected, actual));
            }
            return body;
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " ends early: it is empty or truncated; copy the file again.", e);
        }
    }

    private static int idxHeader(Path file, int magic, DataInputStream in) throws IOException {
        int count = in.readInt();
        if (magic == IDX_IMAGES && (in.readInt() != SIDE_28 || in.readInt() != SIDE_28)) {
            throw new IllegalArgumentException(file + " does not hold 28x28 images.");
        }
        return count;
    }

    /** Opens an IDX file, gunzipping a {@code .gz} one, and reads and checks its magic number. */
    private static DataInputStream idxStream(Path file, int magic) throws IOException {
        InputStream raw = Files.newInputStream(file);
        DataInputStream in = null;
        try {
            in = new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw);
            int actual = in.readInt();
            if (actual != magic) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s is not an IDX %s file: magic number 0x%08x, expected 0x%08x.",
                        file, magic == IDX_IMAGES ? "image" : "label", actual, magic));
            }
            return in;
        } catch (IOException | RuntimeException e) {
            (in == null ? raw : in).close();
            if (e instanceof EOFException) {
                throw new IllegalArgumentException(file + " ends early: it is empty or truncated; copy the file"
                        + " again.", e);
            }
            throw e;
        }
    }

    private static List<String> readNames(String resource) {
        InputStream is = BinaryFormat.class.getResourceAsStream(resource);
        if (is == null) {
            throw new IllegalStateException("The class list " + resource + " is missing from the jar");
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(is, StandardCharsets.UTF_8))) {
            return reader.lines().filter(line -> !line.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
