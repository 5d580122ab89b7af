package ai.dla.importer;

import ai.dla.network.Layout;
import ai.dla.network.Variant;

import ai.djl.ndarray.NDArray;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What network a checkpoint of the published code holds, read from its key names and shapes
 * alone: the variant from the names of its modules, the depth from the units per stage, the
 * classes from the head and the input channels from the stem. Used to tell a user who imports a
 * checkpoint under the wrong name which name it has.
 *
 * @param variant the variant
 * @param layout the CIFAR or ImageNet layout
 * @param depth the depth
 * @param classes the number of classes of the head
 * @param channels the input channels of the stem
 */
public record CheckpointSignature(Variant variant, Layout layout, int depth, int classes, int channels) {

    private static final Pattern UNIT = Pattern.compile("^(?:stages\\.(\\d+)\\.layers|layer(\\d+)\\.layers|layer(\\d+))\\.(\\d+)\\.");
    private static final int[] IMAGENET_50 = {3, 4, 6, 3};
    private static final int[] IMAGENET_101 = {3, 4, 23, 3};

    /**
     * Reads the signature of a state dict in the published layout.
     *
     * @param arrays the state dict's arrays by key
     * @return the signature, or empty if the keys are not those of a network the published code builds
     */
    public static Optional<CheckpointSignature> of(Map<String, NDArray> arrays) {
        NDArray stem = arrays.get("conv1.weight");
        NDArray head = arrays.get("fc.weight");
        if (stem == null || head == null || stem.getShape().dimension() != 4 || head.getShape().dimension() != 2) {
            return Optional.empty();
        }
        Layout layout = stem.getShape().get(2) == 7 ? Layout.IMAGENET : Layout.CIFAR;
        Map<Integer, TreeSet<Integer>> units = new TreeMap<>();
        boolean stages = false;
        boolean excite = false;
        boolean mrla = false;
        for (String key : arrays.keySet()) {
            Matcher m = UNIT.matcher(key);
            if (m.find()) {
                stages |= m.group(1) != null;
                int stage = m.group(1) != null ? Integer.parseInt(m.group(1)) + 1
                        : Integer.parseInt(m.group(2) != null ? m.group(2) : m.group(3));
                units.computeIfAbsent(stage, s -> new TreeSet<>()).add(Integer.parseInt(m.group(4)));
            }
            excite |= key.contains(".excite.") || key.contains(".extict.");
            mrla |= key.contains(".mrla.");
        }
        int[] perStage = units.values().stream().mapToInt(TreeSet::size).toArray();
        Variant variant = mrla ? Variant.MRLA_L : excite ? Variant.DLA_L : stages ? Variant.DLA_B : Variant.RESNET;
        int depth;
        if (layout == Layout.IMAGENET) {
            depth = Arrays.equals(perStage, IMAGENET_50) ? 50 : Arrays.equals(perStage, IMAGENET_101) ? 101 : -1;
        } else {
            boolean even = perStage.length == 3 && perStage[0] == perStage[1] && perStage[1] == perStage[2];
            depth = even ? 9 * perStage[0] + 2 : -1;
        }
        if (depth < 0) {
            return Optional.empty();
        }
        return Optional.of(new CheckpointSignature(variant, layout, depth, (int) head.getShape().get(0),
                (int) stem.getShape().get(1)));
    }

    @Override
    public String toString() {
        return variant.getId() + "-" + depth + " with " + classes + " classes and " + channels + " input channels";
    }
}
