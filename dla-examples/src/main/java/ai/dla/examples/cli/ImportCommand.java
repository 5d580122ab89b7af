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

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code dla import}: a checkpoint of the authors' code ({@code .npz}) into a DJL model directory.
 * A folder that already holds files is replaced only with {@code --force}, after the checkpoint
 * has been read and matched.
 */
@Command(name = "import", description = "import a PyTorch checkpoint (exported with tools/pth_to_npz.py) into a model directory")
final class ImportCommand extends DlaCommand {

    @Option(names = "--model", paramLabel = "NAME", required = true, completionCandidates = ModelNames.class,
            description = "the network the checkpoint holds, such as dla_l-20-cifar10")
    private String model;

    @Option(names = "--weights", paramLabel = "FILE.npz", required = true, description = "the exported checkpoint")
    private Path weights;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "the model directory to write")
    private Path dir;

    @Option(names = "--context", paramLabel = "CONTEXT", defaultValue = "per-sample", completionCandidates = Candidates.ContextIds.class,
            description = "the DLA context of a batch: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    private ContextMode mode;

    @Option(names = "--force", description = "replace the files in --out")
    private boolean force;

    @Override
    void run(PrintStream out) throws Exception {
        ModelName name = ModelNames.parse(name(), model);
        OutputPaths.folder(name(), "out", dir, "files", force);
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
            if (force) {
                Utils.deleteQuietly(dir);
            }
            ModelDirectory.write(dir, model, name, Map.of());
            out.printf("imported %d parameter values of %s into %s%n", Complexity.parameters(net), name, dir.toAbsolutePath());
        }
    }
}
