package ai.dla.examples.train;

import ai.dla.zoo.ModelDirectory;
import ai.dla.zoo.ModelName;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What a run needs to continue exactly where it stopped: the model directory (parameters and
 * BatchNorm statistics, loadable by {@code dla infer} and {@code Criteria.optModelPath}), the
 * optimizer's momentum buffers and step count, the number of completed epochs, the seed and the
 * best test top-1 so far. The random state is the seed: every epoch reseeds DJL and PyTorch with
 * (seed, epoch), so nothing else is needed to replay the shuffles, crops, flips and DropPath masks
 * of the epochs to come.
 *
 * @param dir the checkpoint directory
 * @param model the model name
 * @param epochs the completed epochs
 * @param step the completed optimizer steps
 * @param seed the run's seed
 * @param bestTop1 the best test top-1 over the completed epochs
 */
record Checkpoint(Path dir, ModelName model, int epochs, int step, int seed, double bestTop1) {

    /** The directory name of the latest checkpoint inside a run's output directory. */
    static final String DIRECTORY = "checkpoint";

    private static final String STATE = "state.properties";
    private static final String OPTIMIZER = "optimizer.npz";
    private static final String OPTIMIZER_SHA1 = "optimizerSha1";

    /**
     * Writes a checkpoint of the run into {@code outputDir/checkpoint}, replacing the previous one
     * atomically; the step count comes from the optimizer.
     *
     * @param outputDir the run's output directory
     * @param model the model being trained
     * @param name the model name
     * @param optimizer the optimizer
     * @param epochs the completed epochs
     * @param seed the run's seed
     * @param bestTop1 the best test top-1 so far
     * @throws IOException if the checkpoint cannot be written
     */
    static void write(Path outputDir, Model model, ModelName name, ResumableSgd optimizer, int epochs, int seed,
            double bestTop1) throws IOException {
        AtomicDirectory.replace(outputDir.resolve(DIRECTORY), dir -> {
            ModelDirectory.write(dir, model, name, Map.of());
            try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                    OutputStream os = Files.newOutputStream(dir.resolve(OPTIMIZER))) {
                NDList buffers = optimizer.saveState(model.getBlock().getParameters(), manager);
                buffers.encode(os, NDList.Encoding.NPZ);
            }
            Properties p = new Properties();
            p.setProperty("model", name.toString());
            p.setProperty("epochs", String.valueOf(epochs));
            p.setProperty("step", String.valueOf(optimizer.getStep()));
            p.setProperty("seed", String.valueOf(seed));
            p.setProperty("bestTop1", String.valueOf(bestTop1));
            p.setProperty(OPTIMIZER_SHA1, ModelDirectory.sha1(dir.resolve(OPTIMIZER)));
            try (Writer w = Files.newBufferedWriter(dir.resolve(STATE), StandardCharsets.UTF_8)) {
                p.store(w, "DLA training checkpoint: resume with dla train --resume");
            }
        });
    }

    /**
     * Reads the latest whole checkpoint of a run.
     *
     * @param outputDir the run's output directory
     * @return the checkpoint, or empty if the run has none
     * @throws IOException if a checkpoint exists but cannot be read
     */
    static Optional<Checkpoint> latest(Path outputDir) throws IOException {
        Optional<Path> found = AtomicDirectory.latest(outputDir.resolve(DIRECTORY));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Path dir = found.get();
        String fix = "; restore " + dir + " from a copy, or start the run again with --force";
        Path state = dir.resolve(STATE);
        Properties p = new Properties();
        Checkpoint checkpoint;
        try (Reader r = Files.newBufferedReader(state, StandardCharsets.UTF_8)) {
            p.load(r);
            checkpoint = new Checkpoint(dir, ModelName.parse(p.getProperty("model")),
                    Integer.parseInt(p.getProperty("epochs")), Integer.parseInt(p.getProperty("step")),
                    Integer.parseInt(p.getProperty("seed")), Double.parseDouble(p.getProperty("bestTop1")));
        } catch (IOException | RuntimeException e) {
            throw new IOException("Checkpoint " + state + " is damaged (" + e.getMessage() + ")" + fix, e);
        }
        try {
            ModelDirectory.check(dir);
            String expected = p.getProperty(OPTIMIZER_SHA1);
            Path optimizer = dir.resolve(OPTIMIZER);
            if (!Files.isRegularFile(optimizer)) {
                throw new IOException("Checkpoint file " + optimizer + " is missing");
            }
            if (expected != null && !expected.equals(ModelDirectory.sha1(optimizer))) {
                throw new IOException("Checkpoint file " + optimizer + " is damaged: its SHA-1 differs from the one"
                        + " in " + STATE);
            }
        } catch (IOException e) {
            throw new IOException(e.getMessage() + fix, e);
        }
        return Optional.of(checkpoint);
    }

    /**
     * Restores the parameters and BatchNorm statistics of this checkpoint. Call before the trainer
     * is initialised, on a model whose block was built for the same network.
     *
     * @param model the model
     * @throws IOException if the parameters cannot be read or do not fit the model's network
     */
    void restoreParameters(Model model) throws IOException {
        try {
            model.load(dir, this.model.toString(), ModelDirectory.loadOptions(dir));
        } catch (MalformedModelException e) {
            throw new IOException("Checkpoint parameters in " + dir + " do not fit the network "
                    + this.model + ": " + e.getMessage(), e);
        }
    }

    /**
     * Restores the optimizer's momentum buffers and step count, after the trainer is initialised.
     *
     * @param model the model
     * @param optimizer the optimizer
     * @throws IOException if the file cannot be read
     */
    void restoreOptimizer(Model model, ResumableSgd optimizer) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
                InputStream is = Files.newInputStream(dir.resolve(OPTIMIZER))) {
            NDList buffers = NDList.decode(manager, is);
            optimizer.loadState(model.getBlock().getParameters(), buffers, step);
        }
    }
}
