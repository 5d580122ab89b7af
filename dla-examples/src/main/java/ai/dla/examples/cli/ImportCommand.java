package ai.dla.examples.cli;

import ai.dla.importer.CheckpointImporter;
import ai.dla.importer.CheckpointMismatchException;
import ai.dla.importer.StateDict;
import ai.dla.network.Complexity;
import ai.dla.network.DlaResNet;
import ai.dla.stage.ContextMode;
import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;

import ai.djl.Model;
import ai.djl.util.Utils;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code dla import}: a checkpoint of the authors' code ({@code .npz}) into a DJL model directory.
 * A folder that already holds files is replaced only with {@code --force}, after the checkpoint
 * has been read and matched.
 */
public final class ImportCommand implements Command {

    @Override
    public String name() {
        return "import";
    }

    @Override
    public String usage() {
        return "--model NAME --weights FILE.npz --out DIR [--context per-sample|sample-zero] [--force]";
    }

    @Override
    public String description() {
        return "import a PyTorch checkpoint (exported with tools/pth_to_npz.py) into a model directory";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, Set.of("model", "weights", "out", "context"), Set.of("force"));
        ModelName name = ModelName.parse(args.required("model"));
        Path weights = args.path("weights");
        Path dir = args.path("out");
        OutputPaths.folder(name(), "out", dir, "files", args.has("force"));
        ContextMode mode = ContextMode.fromId(args.get("context", ContextMode.PER_SAMPLE.getId()));
        DlaResNet net = name.builder().optContextMode(mode).build();
        try (Model model = Model.newInstance(name.toString(), "PyTorch")) {
            StateDict state = StateDict.read(weights, model.getNDManager());
            try {
                CheckpointImporter.load(net, state, model.getNDManager());
            } catch (CheckpointMismatchException e) {
                Optional<ModelName> found = e.getFound().flatMap(ModelName::of);
                throw found.isEmpty() ? e : new IllegalArgumentException(e.getMessage() + ": import it as " + found.get(), e);
            }
            model.setBlock(net);
            if (args.has("force")) {
                Utils.deleteQuietly(dir);
            }
            ModelDirectory.write(dir, model, name, Map.of());
            out.printf("imported %d parameter values of %s into %s%n", Complexity.parameters(net), name, dir.toAbsolutePath());
        }
    }
}
