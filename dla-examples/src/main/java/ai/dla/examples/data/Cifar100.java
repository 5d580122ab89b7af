package ai.dla.examples.data;

import ai.dla.zoo.DatasetProfile;

import ai.djl.Application.CV;
import ai.djl.basicdataset.BasicDatasets;
import ai.djl.engine.Engine;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Repository;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.translate.Pipeline;
import ai.djl.util.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The CIFAR-100 image classification dataset (https://www.cs.toronto.edu/~kriz/cifar.html):
 * 50,000 training and 10,000 test colour images of 32x32 pixels, each labelled with one of 100
 * fine classes and one of 20 coarse classes (superclasses).
 *
 * <p>Each sample is a float32 {@link NDArray} of shape (32, 32, 3), HWC, values 0 to 255; its label
 * is the float32 class index of the chosen {@link LabelType} (fine by default). The default
 * pipeline is {@link ToTensor}, which turns a batch into NCHW float32 in [0, 1].
 *
 * <p>The data come from a DJL {@link Repository}, in one of two layouts:
 *
 * <ul>
 *   <li>the original binary files as items named {@code train.bin} and {@code test.bin} (each
 *       record: 1 coarse label byte, 1 fine label byte, 3072 pixel bytes in CHW RGB order), from a
 *       repository holding {@code dataset/cv/<groupId path>/<artifactId>/metadata.json} with
 *       artifact version {@value #VERSION}, or from a plain folder of the two files given to
 *       {@link Repository#newInstance(String, java.nio.file.Path)};
 *   <li>the official archive {@link #OFFICIAL_URL} (a single archive item holding {@code
 *       cifar-100-binary/train.bin} and {@code test.bin}), which is the default repository: with
 *       network access, {@code Cifar100.builder()} downloads and unpacks it into the DJL cache.
 * </ul>
 *
 * <p>{@link LocalDatasets#cifar100} builds a dataset from a local folder with no network.
 */
public final class Cifar100 extends ArrayDataset {

    /** Width of every image, in pixels. */
    public static final int IMAGE_WIDTH = 32;

    /** Height of every image, in pixels. */
    public static final int IMAGE_HEIGHT = 32;

    /** The official archive of the binary version, the default repository. */
    public static final String OFFICIAL_URL =
            "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz";

    /** Name of the training file (50,000 records) in the binary version. */
    public static final String TRAIN_FILE = "train.bin";

    /** Name of the test file (10,000 records) in the binary version. */
    public static final String TEST_FILE = "test.bin";

    /** Size in bytes of one record: coarse label, fine label and 3x32x32 pixels. */
    public static final int RECORD_SIZE = 2 + 3 * IMAGE_HEIGHT * IMAGE_WIDTH;

    /** The artifact id used in repositories with metadata when none is given. */
    public static final String ARTIFACT_ID = "cifar100";

    /** The artifact version this dataset asks a repository for. */
    public static final String VERSION = "1.0";

    private static final String ARCHIVE_FOLDER = "cifar-100-binary";

    /** The fine names are the zoo's CIFAR-100 class names, the one list of them. */
    private static final List<String> FINE_CLASS_NAMES = DatasetProfile.CIFAR100.getClassNames();

    private static final List<String> COARSE_CLASS_NAMES =
            List.of(
                    "aquatic_mammals",
                    "fish",
                    "flowers",
                    "food_containers",
                    "fruit_and_vegetables",
                    "household_electrical_devices",
                    "household_furniture",
                    "insects",
                    "large_carnivores",
                    "large_man-made_outdoor_things",
                    "large_natural_outdoor_scenes",
                    "large_omnivores_and_herbivores",
                    "medium_mammals",
                    "non-insect_invertebrates",
                    "people",
                    "reptiles",
                    "small_mammals",
                    "trees",
                    "vehicles_1",
                    "vehicles_2");

    /** Which of the two labels of every image the dataset yields. */
    public enum LabelType {
        /** The coarse label: one of 20 superclasses, byte 0 of a record. */
        COARSE(0, COARSE_CLASS_NAMES),
        /** The fine label: one of 100 classes, byte 1 of a record. */
        FINE(1, FINE_CLASS_NAMES);

        private final int recordOffset;
        private final List<String> classNames;

        LabelType(int recordOffset, List<String> classNames) {
            this.recordOffset = recordOffset;
            this.classNames = classNames;
        }

        /**
         * Returns the standard CIFAR-100 class names of this label type, in label order (index i
         * names label i): 100 fine names from "apple" to "worm", or 20 coarse names from
         * "aquatic_mammals" to "vehicles_2".
         *
         * @return an unmodifiable list of the class names
         */
        public List<String> classNames() {
            return classNames;
        }

        /**
         * Returns the number of classes of this label type, 100 or 20.
         *
         * @return the number of classes
         */
        public int numClasses() {
            return classNames.size();
        }
    }

    private final NDManager manager;
    private final Usage usage;
    private final LabelType labelType;
    private final MRL mrl;
    private boolean prepared;

    private Cifar100(Builder builder) {
        super(builder);
        manager =
                builder.manager == null
                        ? Engine.getInstance().newBaseManager()
                        : builder.manager.newSubManager();
        manager.setName("cifar100");
        usage = builder.usage;
        labelType = builder.labelType;
        Repository repository =
                builder.repository == null
                        ? Repository.newInstance(ARTIFACT_ID, OFFICIAL_URL)
                        : builder.repository;
        mrl = repository.dataset(CV.ANY, builder.groupId, builder.artifactId, VERSION);
    }

    /**
     * Creates a builder for a {@link Cifar100} dataset.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the label type this dataset yields.
     *
     * @return fine or coarse
     */
    public LabelType getLabelType() {
        return labelType;
    }

    /**
     * Returns the class names of this dataset's label type, in label order.
     *
     * @return 100 fine or 20 coarse class names
     */
    public List<String> getClassNames() {
        return labelType.classNames();
    }

    /**
     * Reads the whole split into memory: images as float32 (N, 32, 32, 3), labels as float32 (N).
     * Does nothing when already prepared.
     *
     * @param progress the progress tracker of the download, or null
     * @throws IOException if the repository holds no CIFAR-100 artifact or the file is not in the
     *     CIFAR-100 binary format
     */
    @Override
    public void prepare(Progress progress) throws IOException {
        if (prepared) {
            return;
        }
        Artifact artifact = resolveArtifact();
        mrl.prepare(artifact, progress);
        String fileName = usage == Usage.TRAIN ? TRAIN_FILE : TEST_FILE;
        byte[] records = readFile(artifact, fileName);
        try (NDManager scratch = manager.newSubManager()) {
            Shape shape = new Shape(records.length / RECORD_SIZE, RECORD_SIZE);
            NDArray table = scratch.create(shape, DataType.UINT8);
            table.set(records);
            NDArray images =
                    table.get(":, 2:")
                            .reshape(-1, 3, IMAGE_HEIGHT, IMAGE_WIDTH)
                            .transpose(0, 2, 3, 1)
                            .toType(DataType.FLOAT32, false);
            NDArray classes =
                    table.get(":, " + labelType.recordOffset).toType(DataType.FLOAT32, false);
            images.attach(manager);
            classes.attach(manager);
            data = new NDArray[] {images};
            labels = new NDArray[] {classes};
        }
        prepared = true;
    }

    private Artifact resolveArtifact() throws IOException {
        Repository repository = mrl.getRepository();
        String where = "repository '" + repository.getName() + "' (" + repository.getBaseUri()
                + ")";
        if (repository.locate(mrl) == null) {
            throw new IOException(
                    "CIFAR-100 not found: " + where + " has no dataset " + mrl.getGroupId() + ":"
                            + mrl.getArtifactId() + ". Use a repository holding " + TRAIN_FILE
                            + " and " + TEST_FILE + ", the official archive " + OFFICIAL_URL
                            + ", or LocalDatasets.cifar100(folder, usage).");
        }
        Artifact artifact = mrl.getDefaultArtifact();
        if (artifact == null) {
            throw new IOException("CIFAR-100 dataset " + mrl.getGroupId() + ":"
                    + mrl.getArtifactId() + " in " + where + " has no version " + VERSION + ".");
        }
        return artifact;
    }

    private byte[] readFile(Artifact artifact, String fileName) throws IOException {
        Repository repository = mrl.getRepository();
        Map<String, Artifact.Item> files = artifact.getFiles();
        Artifact.Item item = files.get(fileName);
        String path = null;
        if (item == null) {
            item = files.values().stream()
                    .filter(candidate -> "dir".equals(candidate.getType()))
                    .findFirst()
                    .orElseThrow(() -> new IOException("The CIFAR-100 artifact in repository '"
                            + repository.getName() + "' has no " + fileName
                            + " and no archive; its files are " + files.keySet() + "."));
            path = ARCHIVE_FOLDER + "/" + fileName;
        }
        byte[] bytes;
        try (InputStream is = repository.openStream(item, path)) {
            bytes = is.readAllBytes();
        }
        if (bytes.length == 0 || bytes.length % RECORD_SIZE != 0) {
            throw new IOException(fileName + " from repository '" + repository.getName()
                    + "' is not a CIFAR-100 binary file: its " + bytes.length
                    + " bytes are not a whole number of " + RECORD_SIZE + "-byte records.");
        }
        return bytes;
    }

    /** A builder for {@link Cifar100}; call {@code setSampling} before {@link #build()}. */
    public static final class Builder extends BaseBuilder<Builder> {

        private NDManager manager;
        private Repository repository;
        private String groupId = BasicDatasets.GROUP_ID;
        private String artifactId = ARTIFACT_ID;
        private Usage usage = Usage.TRAIN;
        private LabelType labelType = LabelType.FINE;

        private Builder() {
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
         * Sets the repository to read from (default: the official archive {@link #OFFICIAL_URL}).
         *
         * @param repository the repository
         * @return this builder
         */
        public Builder optRepository(Repository repository) {
            this.repository = repository;
            return this;
        }

        /**
         * Sets the group id looked up in a repository with metadata (default {@value
         * BasicDatasets#GROUP_ID}).
         *
         * @param groupId the group id
         * @return this builder
         */
        public Builder optGroupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        /**
         * Sets the artifact id looked up in a repository with metadata (default {@value
         * #ARTIFACT_ID}); {@code "group:artifact"} sets the group id too.
         *
         * @param artifactId the artifact id, optionally prefixed by a group id and a colon
         * @return this builder
         */
        public Builder optArtifactId(String artifactId) {
            int colon = artifactId.indexOf(':');
            if (colon >= 0) {
                groupId = artifactId.substring(0, colon);
                this.artifactId = artifactId.substring(colon + 1);
            } else {
                this.artifactId = artifactId;
            }
            return this;
        }

        /**
         * Sets the split to read (default {@link Usage#TRAIN}); CIFAR-100 has TRAIN and TEST.
         *
         * @param usage the split
         * @return this builder
         */
        public Builder optUsage(Usage usage) {
            this.usage = usage;
            return this;
        }

        /**
         * Sets which label the dataset yields (default {@link LabelType#FINE}).
         *
         * @param labelType fine (100 classes) or coarse (20 classes)
         * @return this builder
         */
        public Builder optLabelType(LabelType labelType) {
            this.labelType = labelType;
            return this;
        }

        /**
         * Builds the dataset; its data are read by {@link Cifar100#prepare(Progress)}.
         *
         * @return a new {@link Cifar100}
         * @throws IllegalArgumentException if the usage is not TRAIN or TEST
         */
        public Cifar100 build() {
            if (usage != Usage.TRAIN && usage != Usage.TEST) {
                throw new IllegalArgumentException(
                        "CIFAR-100 has a TRAIN and a TEST split, no " + usage + " split.");
            }
            return new Cifar100(this);
        }
    }
}
