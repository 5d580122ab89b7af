package ai.dla;

import ai.dla.network.DlaResNet;
import ai.dla.network.Layout;
import ai.dla.network.Variant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import java.util.Map;
import java.util.Random;

/** Helpers the tests share: non-trivial BatchNorm statistics and eval-mode forward passes. */
final class TestNets {

    /** The datasets of the zoo's model names, as (layout, classes, channels): the zoo owns the real table. */
    private static final Map<String, Object[]> DATASETS = Map.of(
            "cifar10", new Object[] {Layout.CIFAR, 10, 3},
            "cifar100", new Object[] {Layout.CIFAR, 100, 3},
            "imagenet", new Object[] {Layout.IMAGENET, 1000, 3},
            "fashion_mnist", new Object[] {Layout.CIFAR, 10, 1});

    private TestNets() {}

    /**
     * Returns a builder for a zoo model name such as {@code dla_l-20-cifar10}.
     *
     * @param name {@code <variant>-<depth>-<dataset>}
     * @return the builder with variant, depth, layout, classes and channels set
     */
    static DlaResNet.Builder builder(String name) {
        String[] parts = name.split("-");
        Object[] dataset = DATASETS.get(parts[2]);
        return DlaResNet.builder()
                .setVariant(Variant.fromId(parts[0]))
                .setDepth(Integer.parseInt(parts[1]))
                .optLayout((Layout) dataset[0])
                .setClasses((Integer) dataset[1])
                .optInputChannels((Integer) dataset[2]);
    }

    /**
     * Gives every BatchNorm of an initialised block running means in ±0.2 and running variances in
     * [0.5, 1.5], so that eval-mode outputs do not coincide with those of fresh statistics.
     *
     * @param block the initialised block
     * @param seed the seed of the values
     */
    static void randomiseBatchNormStatistics(Block block, long seed) {
        Random random = new Random(seed);
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter.Type type = p.getValue().getType();
            if (type != Parameter.Type.RUNNING_MEAN && type != Parameter.Type.RUNNING_VAR) {
                continue;
            }
            NDArray array = p.getValue().getArray();
            float[] values = new float[Math.toIntExact(array.size())];
            for (int k = 0; k < values.length; k++) {
                float u = random.nextFloat();
                values[k] = type == Parameter.Type.RUNNING_MEAN ? 0.4f * u - 0.2f : 0.5f + u;
            }
            array.set(values);
        }
    }

    /**
     * Runs an inference forward pass.
     *
     * @param block the block
     * @param input the images
     * @param manager the manager of the temporary arrays
     * @return the first output
     */
    static NDArray eval(Block block, NDArray input, NDManager manager) {
        return block.forward(new ParameterStore(manager, false), new NDList(input), false).head();
    }
}
