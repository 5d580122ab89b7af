package ai.dla.examples.cli;

import ai.dla.examples.train.Recipe;
import ai.dla.examples.train.RunLock;
import ai.dla.examples.train.Schedule;
import ai.dla.examples.train.TrainingJob;
import ai.dla.examples.train.TrainingRun;
import ai.dla.runtime.NativeMemory;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelName;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code dla train}: trains a model with its dataset's published recipe, flags overriding it. */
@Command(name = "train", description = "train a model with the published recipe; metrics.csv, curves.png and checkpoints in"
        + " --output-dir")
final class TrainCommand extends DlaCommand {

    @Mixin
    private ModelAndDataset network;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "the folder of the dataset's files (default: Debian's Fashion-MNIST, or DJL's CIFAR-10 download)")
    private Path dataDir;

    @Option(names = "--epochs", paramLabel = "N", description = "the number of epochs (default: the recipe's)")
    private Integer epochs;

    @Option(names = "--batch-size", paramLabel = "B", description = "images per step (default: the recipe's)")
    private Integer batchSize;

    @Option(names = "--lr", paramLabel = "X", description = "the peak learning rate (default: the recipe's)")
    private Float learningRate;

    @Option(names = "--schedule", paramLabel = "S", completionCandidates = Candidates.ScheduleIds.class,
            description = "the learning-rate schedule: ${COMPLETION-CANDIDATES} (default: the recipe's)")
    private Schedule schedule;

    @Option(names = "--milestones", paramLabel = "E1,E2,..", split = ",",
            description = "the epochs of the step schedule's drops (default: the recipe's)")
    private List<Integer> milestones;

    @Option(names = "--warmup-epochs", paramLabel = "W", description = "epochs of linear warm-up (default: the recipe's)")
    private Integer warmupEpochs;

    @Option(names = "--weight-decay", paramLabel = "X", description = "the weight decay (default: the recipe's)")
    private Float weightDecay;

    @Option(names = "--drop-path", paramLabel = "X", description = "the DropPath rate (default: the recipe's)")
    private Float dropPath;

    @Option(names = "--pad", paramLabel = "P", description = "the padding of the random crop, 0 for none (default: the recipe's)")
    private Integer pad;

    @Option(names = "--max-batches", paramLabel = "M", description = "train and evaluate only M batches an epoch")
    private Integer maxBatches;

    @Option(names = "--gpus", paramLabel = "G", defaultValue = "0",
            description = "train data-parallel on the first G CUDA devices; 0 for the CPU (default)")
    private int gpus;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "the seed of every epoch's randomness (default: ${DEFAULT-VALUE})")
    private int seed;

    @Option(names = "--output-dir", paramLabel = "DIR", description = "where the run goes (default: runs/MODEL)")
    private Path outputDir;

    @Option(names = "--resume", description = "continue the run in --output-dir from its checkpoint")
    private boolean resume;

    @Option(names = "--force", description = "delete the run in --output-dir and start again")
    private boolean force;

    @Override
    void run(PrintStream out) throws Exception {
        ModelName name = network.resolve(name());
        Recipe recipe = recipe(name.dataset());
        Path output = outputDir == null ? Path.of("runs", name.toString()) : outputDir;
        if (resume && force) {
            throw new UsageException("dla train: --resume continues the run in --output-dir and --force starts it"
                    + " again; give one of the two");
        }
        OutputPaths.folder(name(), "output-dir", output, null, false);
        try (RunLock lock = RunLock.acquire(output)) {
            if (!resume && !force && TrainingRun.hasResults(output)) {
                throw new UsageException("dla train: --output-dir " + output + " holds an earlier run; add --resume"
                        + " to continue it, --force to start it again (its metrics and models are replaced), or"
                        + " choose another --output-dir");
            }
            if (force) {
                TrainingRun.deleteResults(output);
            }
            NativeMemory.keepFreedMemory();
            TrainingJob job = new TrainingJob(name, recipe, dataDir, output, seed,
                    maxBatches == null ? -1 : positive("--max-batches", maxBatches), gpus, resume);
            out.println("recipe: " + recipe);
            new TrainingRun(job, out).run();
        }
    }

    private Recipe recipe(DatasetProfile data) throws UsageException {
        Recipe published = Recipe.published(data);
        Recipe.Builder r = published.toBuilder();
        try {
            if (epochs != null) {
                r.setEpochs(epochs);
            }
            if (batchSize != null) {
                r.setBatchSize(batchSize);
            }
            if (learningRate != null) {
                r.setLearningRate(learningRate);
            }
            if (schedule != null || milestones != null) {
                r.setSchedule(schedule == null ? published.schedule() : schedule,
                        milestones == null ? published.milestones() : milestones);
            }
            if (warmupEpochs != null) {
                r.setWarmupEpochs(warmupEpochs);
            }
            if (weightDecay != null) {
                r.setWeightDecay(weightDecay);
            }
            if (dropPath != null) {
                r.setDropPath(dropPath);
            }
            if (pad != null) {
                r.setPad(pad);
            }
            Recipe recipe = r.build();
            if (milestones != null && recipe.milestones().stream().anyMatch(m -> m >= recipe.epochs())) {
                throw new UsageException("dla train: --milestones " + recipe.milestones() + " must come before the"
                        + " last epoch (" + recipe.epochs() + "); a milestone there would never change the rate");
            }
            return recipe;
        } catch (IllegalArgumentException e) {
            throw new UsageException("dla train: " + e.getMessage());
        }
    }
}
