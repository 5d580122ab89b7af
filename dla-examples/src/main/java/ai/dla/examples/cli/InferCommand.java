package ai.dla.examples.cli;

import ai.dla.stage.ContextMode;
import ai.dla.zoo.DlaBlockFactory;
import ai.dla.zoo.ModelDirectory;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code dla infer}: eval-mode logits of an NCHW batch, from {@code .npy} to {@code .npy}. The
 * batch is checked by the model's translator: float64 and integer arrays are converted to float32;
 * a wrong rank or channel count, an empty batch and NaN or infinite values are refused.
 */
@Command(name = "infer", description = "write the eval-mode logits of an NCHW float32 .npy batch to a float32 .npy file")
final class InferCommand extends DlaCommand {

    @Option(names = "--model-dir", paramLabel = "DIR", required = true, description = "a model directory")
    private Path dir;

    @Option(names = "--input", paramLabel = "X.npy", required = true, description = "the NCHW batch")
    private Path input;

    @Option(names = "--output", paramLabel = "Y.npy", required = true, description = "where the logits go")
    private Path output;

    @Option(names = "--context", paramLabel = "CONTEXT", completionCandidates = Candidates.ContextIds.class,
            description = "the DLA context of a batch (default: the model directory's): ${COMPLETION-CANDIDATES}")
    private ContextMode context;

    @Override
    void run(PrintStream out) throws Exception {
        OutputPaths.file(name(), "output", output);
        Map<String, Object> overrides = new HashMap<>();
        if (context != null) {
            overrides.put(DlaBlockFactory.CONTEXT_MODE, context.getId());
        }
        try (ZooModel<NDList, NDList> model = ModelDirectory.loadTensors(dir, overrides);
                NDManager manager = NDManager.newBaseManager();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            NDArray x = Npy.read(input, manager);
            NDArray logits;
            try {
                logits = predictor.predict(new NDList(x)).head();
            } catch (TranslateException e) {
                throw new IllegalArgumentException(input + ": " + Dla.describe(e), e);
            }
            Npy.write(output, logits);
            out.printf("wrote logits %s to %s%n", logits.getShape(), output.toAbsolutePath());
        }
    }
}
