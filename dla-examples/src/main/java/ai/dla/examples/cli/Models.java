package ai.dla.examples.cli;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;

import ai.djl.ModelException;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.nio.file.Path;

/** Loads the model a command names: {@code --model NAME} from the zoo or {@code --model-dir DIR}. */
final class Models {

    private Models() {}

    static <I, O> ZooModel<I, O> load(Args args, String command, Class<I> input, Class<O> output)
            throws UsageException, IOException, ModelException {
        boolean byName = args.has("model");
        boolean byDir = args.has("model-dir");
        if (byName == byDir) {
            throw new UsageException("dla " + command + ": give --model NAME (a zoo model) or --model-dir DIR"
                    + " (a directory from dla import or dla train), one of the two");
        }
        Criteria.Builder<I, O> criteria = byName
                ? DlaModelZoo.criteria(ModelName.parse(args.get("model", null)), input, output)
                : ModelDirectory.criteria(Path.of(args.get("model-dir", null)), input, output);
        return criteria.build().loadModel();
    }
}
