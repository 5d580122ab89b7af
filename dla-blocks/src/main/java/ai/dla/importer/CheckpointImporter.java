package ai.dla.importer;

import ai.dla.network.DlaResNet;
import ai.dla.network.DlaResNetConfig;
import ai.dla.nn.ParameterPaths;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a checkpoint of the authors' PyTorch code into a {@link DlaResNet}.
 *
 * <pre>{@code
 * DlaResNet net = DlaResNet.builder().setVariant(Variant.DLA_L).setDepth(56).setClasses(100).build();
 * StateDict weights = StateDict.read(Path.of("dla56.npz"), manager);
 * CheckpointImporter.load(net, weights, manager);
 * }</pre>
 *
 * Every parameter must find its key with the right shape, and every key must be used: otherwise
 * nothing is loaded and one {@link IllegalArgumentException} says which network the checkpoint
 * holds ({@link CheckpointSignature}) or, if it holds this one, counts the missing, unexpected and
 * mis-shaped keys and lists the first of each.
 */
public final class CheckpointImporter {

    private static final int MAX_LISTED = 3;

    /** The image side the network is initialised with; its parameters' shapes do not depend on it. */
    private static final int PROBE_SIDE = 32;

    private CheckpointImporter() {}

    /**
     * Copies a state dict into a network, initialising the network first if it is not.
     *
     * @param net the network, built with the checkpoint's settings
     * @param weights the state dict in the published layout
     * @param manager the manager that owns the network's parameters
     * @throws CheckpointMismatchException if the keys or shapes do not match, listing every mismatch
     */
    public static void load(DlaResNet net, StateDict weights, NDManager manager) {
        CheckpointLayout layout = CheckpointLayout.of(net);
        if (!net.isInitialized()) {
            net.initialize(manager, DataType.FLOAT32, new Shape(1, net.getConfig().inputChannels(), PROBE_SIDE, PROBE_SIDE));
        }
        Map<String, Parameter> params = ParameterPaths.of(net);
        Map<String, NDArray> arrays = weights.arrays();
        List<String> missing = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String key = layout.publishedKey(e.getKey());
            NDArray source = arrays.get(key);
            Shape expected = e.getValue().getArray().getShape();
            if (source == null) {
                missing.add(key + " " + expected);
            } else {
                used.add(key);
                if (!source.getShape().equals(expected)) {
                    misshaped.add(key + " is " + source.getShape() + ", expected " + expected);
                }
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : arrays.keySet()) {
            if (!used.contains(key)) {
                unexpected.add(key);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshaped.isEmpty()) {
            Optional<CheckpointSignature> found = CheckpointSignature.of(arrays);
            if (found.isPresent() && !found.get().equals(signature(net))) {
                throw new CheckpointMismatchException("The checkpoint holds " + found.get() + ", not "
                        + net.getConfig().describe(), found.get());
            }
            throw new CheckpointMismatchException(
                    "The checkpoint does not match "
                            + net.getConfig().describe()
                            + " (layout "
                            + layout
                            + ")"
                            + section("wrong shapes", misshaped)
                            + section("unexpected keys", unexpected)
                            + section("missing keys", missing)
                            + "\nBuild the network with the checkpoint's variant, depth, classes and input channels.",
                    null);
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray target = e.getValue().getArray();
            NDArray source = arrays.get(layout.publishedKey(e.getKey()));
            boolean grad = target.hasGradient();
            target.setRequiresGradient(false);
            // a slice copy: set(Buffer) goes through JNI code that sets off libtorch's
            // AutoNonVariableTypeMode warning
            try (NDArray values = source.toType(DataType.FLOAT32, true)) {
                target.set(new NDIndex(":"), values);
            }
            target.setRequiresGradient(grad);
        }
        net.clearInferenceWeights(); // the values changed in place
    }

    private static CheckpointSignature signature(DlaResNet net) {
        DlaResNetConfig c = net.getConfig();
        return new CheckpointSignature(c.variant(), c.layout(), c.depth(), c.classes(), c.inputChannels());
    }

    private static String section(String title, List<String> items) {
        if (items.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("\n").append(items.size()).append(' ').append(title).append(':');
        for (String item : items.subList(0, Math.min(items.size(), MAX_LISTED))) {
            sb.append("\n  ").append(item);
        }
        if (items.size() > MAX_LISTED) {
            sb.append("\n  ... and ").append(items.size() - MAX_LISTED).append(" more");
        }
        return sb.toString();
    }
}
