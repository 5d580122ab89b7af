package ai.dla.examples.cli;

import ai.dla.resnet.ContextMode;
import ai.dla.resnet.DlaResNet;
import ai.dla.zoo.DlaBlockFactory;
import ai.dla.zoo.ModelDirectory;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code dla infer}: eval-mode logits of an NCHW float32 batch, from {@code .npy} to {@code .npy}. */
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
        Map<String, Object> overrides = new HashMap<>();
        if (args.has("context")) {
            overrides.put(DlaBlockFactory.CONTEXT_MODE, ContextMode.fromId(args.get("context", null)).getId());
        }
        try (ZooModel<NDList, NDList> model = ModelDirectory.loadTensors(dir, overrides);
                NDManager manager = NDManager.newBaseManager();
                Predictor<NDList, NDList> predictor = model.newPredictor()) {
            NDArray x = Npy.read(input, manager);
            checkShape(x.getShape(), (DlaResNet) model.getBlock(), input);
            NDArray logits = predictor.predict(new NDList(x)).head();
            Npy.write(output, logits);
            out.printf("wrote logits %s to %s%n", logits.getShape(), output.toAbsolutePath());
        }
    }

    private static void checkShape(Shape shape, DlaResNet net, Path input) {
        if (shape.dimension() != 4 || shape.get(1) != net.getInputChannels()) {
            throw new IllegalArgumentException(
                    "The model "
                            + net.describe()
                            + " expects an NCHW float32 batch [N, "
                            + net.getInputChannels()
                            + ", H, W]; "
                            + input
                            + " holds "
                            + shape);
        }
    }
}
