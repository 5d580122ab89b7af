package ai.dla;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import java.util.Random;

/** Helpers the tests share: non-trivial BatchNorm statistics and eval-mode forward passes. */
final class TestNets {

    private TestNets() {}

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
