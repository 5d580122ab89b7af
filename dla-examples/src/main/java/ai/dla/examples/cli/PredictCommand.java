package ai.dla.examples.cli;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.ZooModel;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** {@code dla predict}: the top classes of each image, with names and probabilities. */
public final class PredictCommand implements Command {

    @Override
    public String name() {
        return "predict";
    }

    @Override
    public String usage() {
        return "--model NAME | --model-dir DIR [--top K] IMAGE...";
    }

    @Override
    public String description() {
        return "classify image files: the top-5 classes with their probabilities";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, Set.of("model", "model-dir", "top"), Set.of(), true);
        if (args.positional().isEmpty()) {
            throw new UsageException("dla predict: name at least one image file");
        }
        int top = args.integer("top", 5);
        for (String image : args.positional()) {
            if (!Files.isRegularFile(Path.of(image))) {
                throw new UsageException("dla predict: image file not found: " + image);
            }
        }
        try (ZooModel<Path, Classifications> model = Models.load(args, name(), Path.class, Classifications.class);
                Predictor<Path, Classifications> predictor = model.newPredictor()) {
            for (String image : args.positional()) {
                Classifications result = predictor.predict(Path.of(image));
                out.println(image);
                for (Classifications.Classification c : result.topK(top)) {
                    out.printf(Locale.ROOT, "  %-16s %6.2f%%%n", c.getClassName(), 100 * c.getProbability());
                }
            }
        }
    }
}
