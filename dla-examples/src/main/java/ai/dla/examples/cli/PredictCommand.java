package ai.dla.examples.cli;

import ai.dla.network.DlaResNet;

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
        if (top < 1) {
            throw new UsageException("dla predict: --top takes the number of classes to print, 1 or more; got " + top);
        }
        for (String image : args.positional()) {
            Path file = Path.of(image);
            if (Files.isDirectory(file)) {
                throw new UsageException("dla predict: " + image + " is a directory; name image files");
            }
            if (!Files.isRegularFile(file)) {
                throw new UsageException("dla predict: image file not found: " + image);
            }
        }
        try (ZooModel<Path, Classifications> model = Models.load(args, name(), Path.class, Classifications.class);
                Predictor<Path, Classifications> predictor = model.newPredictor()) {
            int classes = ((DlaResNet) model.getBlock()).getConfig().classes();
            if (top > classes) {
                throw new UsageException("dla predict: --top " + top + " is more than the " + classes
                        + " classes of the model; give 1 to " + classes);
            }
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
