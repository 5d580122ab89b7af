package ai.dla.examples.cli;

import ai.dla.network.DlaResNet;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.repository.zoo.ZooModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code dla predict}: the top classes of each image, with names and probabilities. */
@Command(name = "predict", description = "classify image files: the top-5 classes with their probabilities")
final class PredictCommand extends DlaCommand {

    @Mixin
    private ModelChoice models;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5",
            description = "the number of classes to print for each image (default: ${DEFAULT-VALUE})")
    private int top;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "PNG, JPEG, BMP or GIF files")
    private List<Path> images = List.of();

    @Override
    void run(PrintStream out) throws Exception {
        models.check(name());
        if (images.isEmpty()) {
            throw new UsageException("dla predict: name at least one image file");
        }
        if (top < 1) {
            throw new UsageException("dla predict: --top takes the number of classes to print, 1 or more; got " + top);
        }
        for (Path file : images) {
            if (Files.isDirectory(file)) {
                throw new UsageException("dla predict: " + file + " is a directory; name image files");
            }
            if (!Files.isRegularFile(file)) {
                throw new UsageException("dla predict: image file not found: " + file);
            }
        }
        try (ZooModel<Path, Classifications> model = models.load(name(), Path.class, Classifications.class);
                Predictor<Path, Classifications> predictor = model.newPredictor()) {
            int classes = ((DlaResNet) model.getBlock()).getConfig().classes();
            if (top > classes) {
                throw new UsageException("dla predict: --top " + top + " is more than the " + classes
                        + " classes of the model; give 1 to " + classes);
            }
            for (Path image : images) {
                Classifications result = predictor.predict(image);
                out.println(image);
                for (Classifications.Classification c : result.topK(top)) {
                    out.printf(Locale.ROOT, "  %-16s %6.2f%%%n", c.getClassName(), 100 * c.getProbability());
                }
            }
        }
    }
}
