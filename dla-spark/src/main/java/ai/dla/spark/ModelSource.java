package ai.dla.spark;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;

import ai.djl.repository.zoo.Criteria;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the executors get the model: a zoo name, or a model directory (from {@code dla import} or
 * {@code dla train}) at the same path on every executor.
 *
 * @param zooName the zoo model's name, or null
 * @param directory the model directory's absolute path, or null
 */
record ModelSource(String zooName, String directory) implements Serializable {

    /**
     * A zoo model, its name checked here on the driver.
     *
     * @param name such as {@code dla_l-20-fashion_mnist}
     * @return the source
     * @throws IllegalArgumentException naming the valid models
     */
    static ModelSource zoo(String name) {
        return new ModelSource(ModelName.parse(name).toString(), null);
    }

    /**
     * A model directory; it is read on the executors, so it is not checked on the driver.
     *
     * @param dir the directory
     * @return the source
     */
    static ModelSource directory(Path dir) {
        return new ModelSource(null, dir.toAbsolutePath().normalize().toString());
    }

    /**
     * The criteria that load the model.
     *
     * @param input the input type
     * @param output the output type
     * @param <I> the input type
     * @param <O> the output type
     * @return the criteria's builder
     * @throws IOException if the directory is not a DLA model directory
     */
    <I, O> Criteria.Builder<I, O> criteria(Class<I> input, Class<O> output) throws IOException {
        return zooName != null
                ? DlaModelZoo.criteria(ModelName.parse(zooName), input, output)
                : ModelDirectory.criteria(Paths.get(directory), input, output);
    }

    /** The value of the model column: the zoo name, or the directory's path. */
    @Override
    public String toString() {
        return zooName != null ? zooName : directory;
    }
}
