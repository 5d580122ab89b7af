package ai.dla.examples.cli;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;

import ai.djl.ModelException;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The model a command loads: {@code --model NAME} from the zoo or {@code --model-dir DIR}, one of
 * the two; a picocli mixin of the commands that load one.
 */
final class ModelChoice {

    @Option(names = "--model", paramLabel = "NAME", completionCandidates = ModelNames.class,
            description = "a zoo model, such as dla_l-20-fashion_mnist (dla models lists them)")
    String model;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "a model directory from dla import or dla train")
    Path modelDir;

    /**
     * Checks that exactly one of the two flags is given.
     *
     * @param command the command, for messages
     * @throws UsageException if neither or both are given
     */
    void check(String command) throws UsageException {
        if ((model == null) == (modelDir == null)) {
            throw new UsageException(command + ": give --model NAME (a zoo model) or --model-dir DIR"
                    + " (a directory from dla import or dla train), one of the two");
        }
    }

    /**
     * Loads the model.
     *
     * @param command the command, for messages
     * @param input the input type
     * @param output the output type
     * @param <I> the input type
     * @param <O> the output type
     * @return the model
     * @throws UsageException if neither or both flags are given, or the name is not a zoo model
     * @throws IOException if the files cannot be read
     * @throws ModelException if the model cannot be loaded
     */
    <I, O> ZooModel<I, O> load(String command, Class<I> input, Class<O> output)
            throws UsageException, IOException, ModelException {
        check(command);
        Criteria.Builder<I, O> criteria = model != null
                ? DlaModelZoo.criteria(ModelNames.parse(command, model), input, output)
                : ModelDirectory.criteria(modelDir, input, output);
        return criteria.build().loadModel();
    }
}
