package ai.dla.zoo;

import ai.dla.importer.CheckpointSignature;
import ai.dla.network.DlaResNet;
import ai.dla.network.Variant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A model name {@code <variant>-<depth>-<dataset>}, such as {@code dla_l-56-cifar100} or {@code
 * dla_l-50-imagenet}: everything needed to build the network.
 *
 * @param variant the variant
 * @param depth the depth
 * @param dataset the dataset, which fixes layout, classes, channels and image size
 */
public record ModelName(Variant variant, int depth, DatasetProfile dataset) {

    /**
     * Parses and validates a model name.
     *
     * @param name for example {@code dla_l-20-cifar10}
     * @return the model name
     * @throws IllegalArgumentException that names the problem and lists valid names
     */
    public static ModelName parse(String name) {
        String[] parts = name == null ? new String[0] : name.split("-");
        if (parts.length != 3) {
            throw invalid(name, "expected <variant>-<depth>-<dataset>");
        }
        Variant variant;
        DatasetProfile dataset;
        int depth;
        try {
            variant = Variant.fromId(parts[0]);
            dataset = DatasetProfile.fromId(parts[2]);
            depth = Integer.parseInt(parts[1]);
            dataset.getLayout().unitsPerStage(depth);
        } catch (NumberFormatException e) {
            throw invalid(name, "the depth '" + parts[1] + "' is not a number");
        } catch (IllegalArgumentException e) {
            throw invalid(name, e.getMessage());
        }
        return new ModelName(variant, depth, dataset);
    }

    /**
     * Returns the zoo name of the network a checkpoint holds, if a dataset has its classes, channels
     * and layout.
     *
     * @param signature the checkpoint's network
     * @return the model name, such as {@code mrla_l-20-cifar10}, or empty
     */
    public static Optional<ModelName> of(CheckpointSignature signature) {
        return Arrays.stream(DatasetProfile.values())
                .filter(d -> d.getLayout() == signature.layout() && d.getClasses() == signature.classes()
                        && d.getChannels() == signature.channels())
                .findFirst()
                .map(d -> new ModelName(signature.variant(), signature.depth(), d));
    }

    private static IllegalArgumentException invalid(String name, String reason) {
        return new IllegalArgumentException(
                "Unknown model name '"
                        + name
                        + "': "
                        + reason
                        + ".\nValid names are <variant>-<depth>-<dataset> with variant in {"
                        + Variant.ids()
                        + "}, dataset in {"
                        + DatasetProfile.ids()
                        + "}, depth 9n+2 >= 20 for CIFAR-style datasets (e.g. 20, 56, 110) and 50 or 101 for imagenet; "
                        + "for example: "
                        + String.join(", ", examples()));
    }

    /**
     * Lists the standard model names: every variant at depths 20, 56, 110 on CIFAR-10, CIFAR-100 and
     * Fashion-MNIST, and 50, 101 on ImageNet.
     *
     * @return the names
     */
    public static List<String> standardNames() {
        List<String> names = new ArrayList<>();
        for (Variant v : Variant.values()) {
            for (DatasetProfile d : DatasetProfile.values()) {
                for (int depth : d.getLayout().getStandardDepths()) {
                    names.add(new ModelName(v, depth, d).toString());
                }
            }
        }
        return names;
    }

    private static List<String> examples() {
        return List.of("dla_l-20-cifar10", "dla_l-56-cifar100", "dla_l-50-imagenet", "resnet-20-fashion_mnist");
    }

    /**
     * Returns a builder set up for this model: variant, depth, layout, classes and channels.
     *
     * @return a new builder
     */
    public DlaResNet.Builder builder() {
        return DlaResNet.builder()
                .setVariant(variant)
                .setDepth(depth)
                .optLayout(dataset.getLayout())
                .setClasses(dataset.getClasses())
                .optInputChannels(dataset.getChannels());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s-%d-%s", variant.getId(), depth, dataset.getId());
    }
}
