package ai.dla.zoo;

import ai.dla.network.Layout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The zoo's table of datasets: what each fixes about the network (layout, classes, channels) and
 * about its inputs and outputs (image size, normalisation, class names). A model name {@code
 * <variant>-<depth>-<dataset>} takes everything but variant and depth from here.
 */
public enum DatasetProfile {
    /** CIFAR-10: 32×32 colour, 10 classes, CIFAR layout. */
    CIFAR10(Layout.CIFAR, 10, 3, 32, new float[] {0.4914f, 0.4822f, 0.4465f},
            new float[] {0.2023f, 0.1994f, 0.2010f}),
    /** CIFAR-100: 32×32 colour, 100 classes, CIFAR layout. */
    CIFAR100(Layout.CIFAR, 100, 3, 32, new float[] {0.4914f, 0.4822f, 0.4465f},
            new float[] {0.2023f, 0.1994f, 0.2010f}),
    /** ImageNet-1k: 224×224 colour, 1000 classes, ImageNet layout. */
    IMAGENET(Layout.IMAGENET, 1000, 3, 224, new float[] {0.485f, 0.456f, 0.406f},
            new float[] {0.229f, 0.224f, 0.225f}),
    /** Fashion-MNIST: 28×28 grayscale, 10 classes, CIFAR layout with a 1-channel stem. */
    FASHION_MNIST(Layout.CIFAR, 10, 1, 28, new float[] {0.2860f}, new float[] {0.3530f});

    private final Layout layout;
    private final int classes;
    private final int channels;
    private final int imageSize;
    private final float[] mean;
    private final float[] std;
    private volatile List<String> classNames;

    DatasetProfile(Layout layout, int classes, int channels, int imageSize, float[] mean, float[] std) {
        this.layout = layout;
        this.classes = classes;
        this.channels = channels;
        this.imageSize = imageSize;
        this.mean = mean;
        this.std = std;
    }

    /**
     * Returns the per-channel mean that inputs are normalised with, on the [0, 1] pixel scale:
     * the published recipe's values for CIFAR and ImageNet, the training-set mean for
     * Fashion-MNIST.
     *
     * @return a copy of the means, one per input channel
     */
    public float[] getMean() {
        return mean.clone();
    }

    /**
     * Returns the per-channel standard deviation that inputs are normalised with, on the [0, 1]
     * pixel scale.
     *
     * @return a copy of the standard deviations, one per input channel
     */
    public float[] getStd() {
        return std.clone();
    }

    /**
     * Returns the name used in model names, such as {@code fashion_mnist}.
     *
     * @return the id
     */
    public String getId() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Returns the backbone layout.
     *
     * @return the layout
     */
    public Layout getLayout() {
        return layout;
    }

    /**
     * Returns the number of classes.
     *
     * @return the classes
     */
    public int getClasses() {
        return classes;
    }

    /**
     * Returns the image channels.
     *
     * @return 3 or 1
     */
    public int getChannels() {
        return channels;
    }

    /**
     * Returns the native image side.
     *
     * @return 32, 28 or 224
     */
    public int getImageSize() {
        return imageSize;
    }

    /**
     * Returns the profile with the given id.
     *
     * @param id for example {@code cifar100}
     * @return the profile
     * @throws IllegalArgumentException listing the valid ids for any other input
     */
    public static DatasetProfile fromId(String id) {
        for (DatasetProfile d : values()) {
            if (d.getId().equals(id)) {
                return d;
            }
        }
        throw new IllegalArgumentException("Unknown dataset '" + id + "'; valid datasets: " + ids());
    }

    /**
     * Lists the valid ids.
     *
     * @return the ids, comma separated
     */
    public static String ids() {
        return Arrays.stream(values()).map(DatasetProfile::getId).collect(Collectors.joining(", "));
    }

    /**
     * Returns the class path resource that lists the dataset's class names, one per line, in label
     * order.
     *
     * @return such as {@code /ai/dla/zoo/synset/cifar100.txt}
     */
    public String getSynsetResource() {
        return Catalog.RESOURCES + "synset/" + getId() + ".txt";
    }

    /**
     * Returns the dataset's class names in label order, from {@link #getSynsetResource()}.
     *
     * @return {@link #getClasses()} names
     * @throws IllegalStateException if the dla-zoo jar lacks the list or it has another length
     */
    public List<String> getClassNames() {
        List<String> names = classNames;
        if (names == null) {
            names = readClassNames();
            classNames = names;
        }
        return names;
    }

    private List<String> readClassNames() {
        List<String> names = new ArrayList<>();
        try (InputStream is = DatasetProfile.class.getResourceAsStream(getSynsetResource())) {
            if (is == null) {
                throw new IllegalStateException("The dla-zoo jar lacks " + getSynsetResource() + ": rebuild it");
            }
            new BufferedReader(new InputStreamReader(is, StandardCharsets.UTF_8)).lines()
                    .filter(line -> !line.isBlank())
                    .forEach(line -> names.add(line.strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + getSynsetResource(), e);
        }
        if (names.size() != classes) {
            throw new IllegalStateException(getSynsetResource() + " lists " + names.size() + " names for the "
                    + classes + " classes of " + getId() + ": the dla-zoo jar is damaged; rebuild it");
        }
        return List.copyOf(names);
    }
}
