package ai.dla.examples.data;

import ai.djl.basicdataset.cv.classification.Cifar10;
import ai.djl.basicdataset.cv.classification.FashionMnist;
import ai.djl.repository.Repository;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.util.JsonUtils;
import ai.djl.util.Utils;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Builders for DJL's {@link Cifar10} and {@link FashionMnist} and for {@link Cifar100} that read a
 * local folder of the original files, with no network.
 *
 * <p>Each factory checks the folder, then writes a small DJL repository describing the files
 * ({@code metadata.json} with absolute {@code file://} URIs) under {@code
 * $DJL_CACHE_DIR/dla/local-datasets/} and returns the dataset's builder pointed at it; the caller
 * adds sampling, transforms and a manager and builds. On {@code prepare}, DJL copies (and gunzips)
 * the files of the chosen split into its own cache. DJL keys that cache by artifact id and reuses
 * it whatever repository is passed later, so the artifact id here names the split and a hash of
 * the files' absolute paths, sizes and modification times: two folders, or a changed file, never
 * share a cache entry.
 *
 * <p>Only TRAIN and TEST exist; each split is described separately, so a test-only run neither
 * concatenates nor copies the training files.
 */
public final class LocalDatasets {

    /** The folder of Debian's {@code dataset-fashion-mnist} package. */
    public static final Path DEBIAN_FASHION_MNIST = Paths.get("/usr/share/datasets/fashion-mnist");

    /** The files of the CIFAR-10 binary version ({@code cifar-10-batches-bin}) this class reads. */
    public static final List<String> CIFAR10_FILES =
            List.of(
                    "data_batch_1.bin",
                    "data_batch_2.bin",
                    "data_batch_3.bin",
                    "data_batch_4.bin",
                    "data_batch_5.bin",
                    "test_batch.bin");

    /** The files of the CIFAR-100 binary version ({@code cifar-100-binary}) this class reads. */
    public static final List<String> CIFAR100_FILES =
            List.of(Cifar100.TRAIN_FILE, Cifar100.TEST_FILE);

    /**
     * The files of Fashion-MNIST this class reads, each either gzipped as published or, without
     * the {@code .gz} suffix, uncompressed.
     */
    public static final List<String> FASHION_MNIST_FILES =
            List.of(
                    "train-images-idx3-ubyte.gz",
                    "train-labels-idx1-ubyte.gz",
                    "t10k-images-idx3-ubyte.gz",
                    "t10k-labels-idx1-ubyte.gz");

    private static final String GROUP_ID = "ai.dla.local";
    private static final String VERSION = "1.0";
    private static final int CIFAR10_RECORD_SIZE = 1 + 3 * 32 * 32;
    private static final int IDX_IMAGES_MAGIC = 0x00000803;
    private static final int IDX_LABELS_MAGIC = 0x00000801;
    private static final int FASHION_MNIST_SIDE = 28;

    private LocalDatasets() {}

    /**
     * Returns a CIFAR-10 builder reading a folder of the binary version: {@code
     * data_batch_1.bin} to {@code data_batch_5.bin} and {@code test_batch.bin}, as unpacked from
     * {@code cifar-10-binary.tar.gz}. DJL's {@link Cifar10} wants the training records in one file,
     * so the first TRAIN call writes the five batches, concatenated, into the local repository
     * (about 150 MB, reused by later calls).
     *
     * <p>Samples are float32 (32, 32, 3) HWC images, values 0 to 255; labels are float32 class
     * indices 0 to 9.
     *
     * @param dir the folder of the binary files
     * @param usage TRAIN (50,000 images in the full dataset) or TEST (10,000)
     * @return the builder, with repository, artifact id and usage set
     * @throws IllegalArgumentException if the folder or a file of the split is missing, a file is
     *     not in the CIFAR-10 binary format, or the usage is not TRAIN or TEST
     * @throws IOException if the local repository cannot be written
     */
    public static Cifar10.Builder cifar10(Path dir, Usage usage) throws IOException {
        List<String> needed =
                usage == Usage.TRAIN ? CIFAR10_FILES.subList(0, 5) : CIFAR10_FILES.subList(5, 6);
        List<Path> sources = requireFiles("CIFAR-10", dir, usage, CIFAR10_FILES, needed);
        for (Path source : sources) {
            requireRecords("CIFAR-10", source, CIFAR10_RECORD_SIZE);
        }
        String artifactId = artifactId("cifar10", usage, sources);
        Map<String, Path> items;
        if (usage == Usage.TRAIN) {
            Path joined = repositoryRoot(artifactId).resolve("data_batch.bin");
            items = Map.of("data_batch.bin", concatenate(sources, joined));
        } else {
            items = Map.of("test_batch.bin", sources.get(0));
        }
        return Cifar10.builder()
                .optRepository(writeRepository(artifactId, items))
                .optArtifactId(GROUP_ID + ":" + artifactId)
                .optUsage(usage);
    }

    /**
     * Returns a CIFAR-100 builder reading a folder of the binary version: {@code train.bin} and
     * {@code test.bin}, as unpacked from {@code cifar-100-binary.tar.gz}.
     *
     * <p>Samples are float32 (32, 32, 3) HWC images, values 0 to 255; labels are float32 fine
     * class indices 0 to 99 unless {@link Cifar100.Builder#optLabelType} selects the 20 coarse
     * ones.
     *
     * @param dir the folder of the binary files
     * @param usage TRAIN (50,000 images in the full dataset) or TEST (10,000)
     * @return the builder, with repository, artifact id and usage set
     * @throws IllegalArgumentException if the folder or the file of the split is missing, the file
     *     is not in the CIFAR-100 binary format, or the usage is not TRAIN or TEST
     * @throws IOException if the local repository cannot be written
     */
    public static Cifar100.Builder cifar100(Path dir, Usage usage) throws IOException {
        String fileName = usage == Usage.TRAIN ? Cifar100.TRAIN_FILE : Cifar100.TEST_FILE;
        List<Path> sources =
                requireFiles("CIFAR-100", dir, usage, CIFAR100_FILES, List.of(fileName));
        requireRecords("CIFAR-100", sources.get(0), Cifar100.RECORD_SIZE);
        String artifactId = artifactId("cifar100", usage, sources);
        return Cifar100.builder()
                .optRepository(writeRepository(artifactId, Map.of(fileName, sources.get(0))))
                .optArtifactId(GROUP_ID + ":" + artifactId)
                .optUsage(usage);
    }

    /**
     * Returns a Fashion-MNIST builder reading Debian's copy in {@link #DEBIAN_FASHION_MNIST}.
     *
     * @param usage TRAIN (60,000 images) or TEST (10,000)
     * @return the builder, with repository, artifact id and usage set
     * @throws IllegalArgumentException if the folder or a file of the split is missing
     * @throws IOException if the local repository cannot be written
     * @see #fashionMnist(Path, Usage)
     */
    public static FashionMnist.Builder fashionMnist(Usage usage) throws IOException {
        return fashionMnist(DEBIAN_FASHION_MNIST, usage);
    }

    /**
     * Returns a Fashion-MNIST builder reading a folder of the published IDX files ({@link
     * #FASHION_MNIST_FILES}, gzipped or not).
     *
     * <p>Samples are float32 (28, 28, 1) HWC images, values 0 to 255; labels are float32 class
     * indices 0 to 9.
     *
     * @param dir the folder of the IDX files
     * @param usage TRAIN (60,000 images) or TEST (10,000)
     * @return the builder, with repository, artifact id and usage set
     * @throws IllegalArgumentException if the folder or a file of the split is missing, a file has
     *     a wrong IDX header, or the usage is not TRAIN or TEST
     * @throws IOException if a file cannot be read or the local repository cannot be written
     */
    public static FashionMnist.Builder fashionMnist(Path dir, Usage usage) throws IOException {
        requireFolder("Fashion-MNIST", dir, usage, FASHION_MNIST_FILES);
        List<String> needed = new ArrayList<>();
        int first = usage == Usage.TRAIN ? 0 : 2;
        for (String published : FASHION_MNIST_FILES.subList(first, first + 2)) {
            String uncompressed = published.substring(0, published.length() - ".gz".length());
            boolean onlyUncompressed = !Files.isRegularFile(dir.resolve(published))
                    && Files.isRegularFile(dir.resolve(uncompressed));
            needed.add(onlyUncompressed ? uncompressed : published);
        }
        List<Path> sources =
                requireFiles("Fashion-MNIST", dir, usage, FASHION_MNIST_FILES, needed);
        int images = idxCount(sources.get(0), IDX_IMAGES_MAGIC);
        int labels = idxCount(sources.get(1), IDX_LABELS_MAGIC);
        if (images != labels) {
            throw new IllegalArgumentException("Fashion-MNIST " + usage + " files in " + dir
                    + " disagree: " + images + " images but " + labels + " labels.");
        }
        String artifactId = artifactId("fashmnist", usage, sources);
        String prefix = usage == Usage.TRAIN ? "train" : "test";
        Map<String, Path> items =
                Map.of(prefix + "_data", sources.get(0), prefix + "_labels", sources.get(1));
        return FashionMnist.builder()
                .optRepository(writeRepository(artifactId, items))
                .optArtifactId(GROUP_ID + ":" + artifactId)
                .optUsage(usage);
    }

    private static void requireFolder(
            String dataset, Path dir, Usage usage, List<String> expected) {
        if (usage != Usage.TRAIN && usage != Usage.TEST) {
            throw new IllegalArgumentException(
                    dataset + " has a TRAIN and a TEST split, no " + usage + " split.");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dataset + " folder " + dir + " does not exist; "
                    + expectation(expected));
        }
    }

    private static String expectation(List<String> expected) {
        return "expected a folder holding " + String.join(", ", expected) + ".";
    }

    private static List<Path> requireFiles(
            String dataset, Path dir, Usage usage, List<String> expected, List<String> needed) {
        requireFolder(dataset, dir, usage, expected);
        List<Path> files = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String name : needed) {
            Path file = dir.resolve(name).toAbsolutePath().normalize();
            if (Files.isRegularFile(file)) {
                files.add(file);
            } else {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(dataset + " folder " + dir + " lacks "
                    + String.join(", ", missing) + " for the " + usage + " split; "
                    + expectation(expected));
        }
        return files;
    }

    private static void requireRecords(String dataset, Path file, int recordSize)
            throws IOException {
        long size = Files.size(file);
        if (size == 0 || size % recordSize != 0) {
            throw new IllegalArgumentException(file + " is not a " + dataset + " binary file: its "
                    + size + " bytes are not a whole number of " + recordSize + "-byte records.");
        }
    }

    private static int idxCount(Path file, int magic) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                InputStream is = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                DataInputStream in = new DataInputStream(is)) {
            int actual = in.readInt();
            int count = in.readInt();
            if (actual != magic) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s is not an IDX %s file: magic number 0x%08x, expected 0x%08x.",
                        file, magic == IDX_IMAGES_MAGIC ? "image" : "label", actual, magic));
            }
            boolean images = magic == IDX_IMAGES_MAGIC;
            if (images && (in.readInt() != FASHION_MNIST_SIDE || in.readInt() != FASHION_MNIST_SIDE)) {
                throw new IllegalArgumentException(file + " does not hold 28x28 images.");
            }
            long expected = (long) count * (images ? FASHION_MNIST_SIDE * FASHION_MNIST_SIDE : 1);
            long actualBytes = in.transferTo(OutputStream.nullOutputStream());
            if (actualBytes != expected) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s is damaged: its header announces %d %s (%d bytes) but %d bytes follow; copy the"
                                + " file again.", file, count, images ? "images" : "labels", expected, actualBytes));
            }
            return count;
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " ends early: it is empty or truncated; copy the file again.", e);
        }
    }

    private static String artifactId(String dataset, Usage usage, List<Path> sources)
            throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("Every Java platform has SHA-256.", e);
        }
        for (Path source : sources) {
            String line = source + "|" + Files.size(source) + "|"
                    + Files.getLastModifiedTime(source).toMillis() + "\n";
            digest.update(line.getBytes(StandardCharsets.UTF_8));
        }
        String hash = HexFormat.of().formatHex(digest.digest(), 0, 6);
        return dataset + "-" + usage.name().toLowerCase(Locale.ROOT) + "-" + hash;
    }

    private static Path repositoryRoot(String artifactId) throws IOException {
        Path root = Utils.getCacheDir().resolve("dla/local-datasets").resolve(artifactId);
        Files.createDirectories(root);
        return root;
    }

    private static Path concatenate(List<Path> sources, Path target) throws IOException {
        long size = 0;
        for (Path source : sources) {
            size += Files.size(source);
        }
        if (Files.isRegularFile(target) && Files.size(target) == size) {
            return target;
        }
        Path tmp = Files.createTempFile(target.getParent(), "data_batch", ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                for (Path source : sources) {
                    Files.copy(source, os);
                }
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    private static Repository writeRepository(String artifactId, Map<String, Path> items)
            throws IOException {
        Map<String, Object> files = new LinkedHashMap<>();
        items.forEach((key, file) -> files.put(key, Map.of("uri", file.toUri().toString())));
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("metadataVersion", "0.1");
        metadata.put("resourceType", "dataset");
        metadata.put("groupId", GROUP_ID);
        metadata.put("artifactId", artifactId);
        metadata.put("name", artifactId);
        metadata.put("artifacts", List.of(Map.of("version", VERSION, "files", files)));

        Path root = repositoryRoot(artifactId);
        Path dir = root.resolve("dataset/cv/" + GROUP_ID.replace('.', '/') + "/" + artifactId);
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "metadata", ".tmp");
        try {
            try (Writer writer = Files.newBufferedWriter(tmp)) {
                JsonUtils.GSON_PRETTY.toJson(metadata, writer);
            }
            Files.move(tmp, dir.resolve("metadata.json"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return Repository.newInstance(artifactId, root);
    }
}
