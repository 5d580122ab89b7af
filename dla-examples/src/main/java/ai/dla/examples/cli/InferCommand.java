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

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code dla infer}: eval-mode logits of an NCHW batch, from {@code .npy} to {@code .npy}. The
 * batch is checked by the model's translator: float64 and integer arrays are converted to float32;
 * a wrong rank or channel count, an empty batch and NaN or infinite values are refused.
 */
public final class InferCommand implements Command {

    @Override
    public String name() {
        return "infer";
    }

    @Override
    public String usage() {
        return "--model-dir DIR --input X.npy --output Y.npy [--context per-sample|sample-zero]";
    }

    @Override
    public String description() {
        return "write the eval-mode logits of an NCHW float32 .npy batch to a float32 .npy file";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, Set.of("model-dir", "input", "output", "context"), Set.of());
        Path dir = args.path("model-dir");
        Path input = args.path("input");
        Path output = args.path("output");
        OutputPaths.file(name(), "output", output);
        Map<String, Object> overrides = new HashMap<>();
        if (args.has("context")) {
            overrides.put(DlaBlockFactory.CONTEXT_MODE, ContextMode.fromId(args.get("context", null)).getId());
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
