package ai.dla.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Names every parameter of a block tree by a dotted path of child names, such as {@code
 * stages.0.units.1.conv1.weight}: DJL's own names with the child-order prefixes removed.
 */
public final class ParameterPaths {

    private ParameterPaths() {}

    /**
     * Lists the parameters of a block and all its descendants in DJL's save order.
     *
     * @param block the root block
     * @return the parameters by dotted path, in save order
     */
    public static Map<String, Parameter> of(Block block) {
        Map<String, Parameter> paths = new LinkedHashMap<>();
        collect(block, "", paths);
        return paths;
    }

    /**
     * Returns the path name DJL gives a child, without its order prefix ({@code 03units.1} becomes
     * {@code units.1}).
     *
     * @param childKey the key under which DJL registered the child
     * @return the child's own name
     */
    public static String childName(String childKey) {
        return childKey.replaceFirst("^\\d+", "");
    }

    /**
     * Counts the trainable values of an initialised block: every parameter but BatchNorm's running
     * statistics.
     *
     * @param block the block
     * @return the number of trainable values
     */
    public static long countTrainable(Block block) {
        long count = 0;
        for (Parameter p : block.getParameters().values()) {
            Parameter.Type type = p.getType();
            if (type != Parameter.Type.RUNNING_MEAN && type != Parameter.Type.RUNNING_VAR) {
                count += p.getArray().size();
            }
        }
        return count;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> paths) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            paths.put(prefix + p.getValue().getName(), p.getValue());
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collect(child.getValue(), prefix + childName(child.getKey()) + ".", paths);
        }
    }
}
