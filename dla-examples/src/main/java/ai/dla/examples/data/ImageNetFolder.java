package ai.dla.examples.data;

import ai.djl.basicdataset.cv.classification.AbstractImageFolder;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.util.JsonUtils;
import ai.djl.util.Pair;
import ai.djl.util.Progress;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * ImageNet-1k from a local folder, {@code train/<wnid>/*.JPEG} and {@code val/<wnid>/*.JPEG}, with
 * the standard class order of DJL's {@code ImageNet} ({@code imagenet/classes.json} in DJL's
 * basicdataset): the label of an image is the index of its WordNet id among the 1000, whichever
 * class folders are present.
 *
 * <p>DJL 0.25's own {@code ImageNet} cannot be used: its {@code prepare()} reads its class list
 * before loading it and fails with a {@code NullPointerException}, and its folder listing numbers
 * the classes it finds rather than the 1000, so a partial copy gets wrong labels.
 */
public final class ImageNetFolder extends AbstractImageFolder {

    private final Path folder;

    private ImageNetFolder(Builder builder) {
        super(builder);
        folder = builder.root.resolve(builder.usage == Usage.TRAIN ? "train" : "val");
    }

    /**
     * Creates a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void prepare(Progress progress) throws IOException {
        if (prepared) {
            return;
        }
        String[][] classes = readClasses();
        for (int label = 0; label < classes.length; label++) {
            synset.add(classes[label][0] + ", " + classes[label][1]);
            Path classFolder = folder.resolve(classes[label][0]);
            if (!Files.isDirectory(classFolder)) {
                continue;
            }
            try (Stream<Path> files = Files.list(classFolder)) {
                for (Path file : (Iterable<Path>) files.sorted(Comparator.naturalOrder())::iterator) {
                    if (isImage(file.toFile())) {
                        items.add(new Pair<>(file.toAbsolutePath().toString(), label));
                    }
                }
            }
        }
        prepared = true;
    }

    @Override
    protected Path getImagePath(String key) {
        return Path.of(key);
    }

    private static String[][] readClasses() throws IOException {
        try (InputStream is = ImageNetFolder.class.getClassLoader().getResourceAsStream("imagenet/classes.json")) {
            if (is == null) {
                throw new IOException("imagenet/classes.json is missing: DJL's basicdataset jar must be on the class path");
            }
            Reader reader = new InputStreamReader(is, StandardCharsets.UTF_8);
            return JsonUtils.GSON.fromJson(reader, String[][].class);
        }
    }

    /** Builds an {@link ImageNetFolder}. */
    public static final class Builder extends ImageFolderBuilder<Builder> {

        private Path root;
        private Usage usage = Usage.TRAIN;

        /**
         * Sets the ImageNet root, the folder that holds {@code train/} and {@code val/}.
         *
         * @param root the folder
         * @return this builder
         */
        public Builder setRoot(Path root) {
            this.root = root;
            return setRepositoryPath(root);
        }

        /**
         * Sets the split: TRAIN reads {@code train/}, TEST or VALIDATION read {@code val/}.
         *
         * @param usage the split
         * @return this builder
         */
        public Builder optUsage(Usage usage) {
            this.usage = usage;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Builds the dataset.
         *
         * @return the dataset
         * @throws IllegalArgumentException if no root was set
         */
        public ImageNetFolder build() {
            if (root == null) {
                throw new IllegalArgumentException("Set the ImageNet folder with setRoot");
            }
            return new ImageNetFolder(this);
        }
    }
}
