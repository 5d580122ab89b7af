package ai.dla.examples.train;

import ai.dla.examples.data.TrainingData;
import ai.dla.light.SegmentedBackward;
import ai.dla.network.DlaResNet;
import ai.dla.nn.Scalars;
import ai.dla.runtime.ProcessCounters;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelDirectory;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.stream.Stream;

/**
 * Trains a DLA network with a {@link Recipe}: one epoch of SGD, an evaluation on the test split,
 * a row of {@code metrics.csv}, new {@code curves.png}, an atomic checkpoint, and the best model
 * kept apart, epoch after epoch. {@link TrainingJob#resume()} continues from the last whole
 * checkpoint and replays exactly what an uninterrupted run would have done.
 *
 * <p>The output directory receives {@code metrics.csv}, {@code curves.png}, {@code checkpoint/}
 * (model directory plus optimizer state), {@code best/} (the model directory of the best test
 * top-1) and, at the end, {@code final/}. Each model directory loads with {@code
 * Criteria.optModelPath}, {@code dla infer}, {@code dla predict} and {@code dla eval}. {@code dla
 * train} holds the directory with a {@link RunLock} for the run, so that a second run cannot write
 * into it at the same time.
 */
public final class TrainingRun {

    /** The directory of the best model in the output directory. */
    public static final String BEST = "best";

    /** The directory of the final model in the output directory. */
    public static final String FINAL = "final";

    private static final int SEED_STRIDE = 100_003;

    private static final List<String> RESULTS = Stream.concat(Stream.of(MetricsLog.CSV, MetricsLog.PNG),
            Stream.of(Checkpoint.DIRECTORY, BEST, FINAL)
                    .flatMap(d -> Stream.of(d, d + AtomicDirectory.TMP, d + AtomicDirectory.OLD)))
            .toList();

    private final TrainingJob job;
    private final PrintStream out;

    /**
     * Creates a run.
     *
     * @param job what to train
     * @param out where progress is printed
     */
    public TrainingRun(TrainingJob job, PrintStream out) {
        this.job = job;
        this.out = out;
    }

    /**
     * Trains until the recipe's last epoch.
     *
     * @return the metrics of every epoch of the run, including those before a resume
     * @throws IOException if the data or the output directory cannot be read or written
     * @throws TranslateException if a batch cannot be prepared
     */
    public List<EpochMetrics> run() throws IOException, TranslateException {
        Recipe recipe = job.recipe();
        DatasetProfile dataset = job.model().dataset();
        Path outputDir = job.outputDir();
        Files.createDirectories(outputDir);
        Optional<Checkpoint> checkpoint = job.resume() ? Checkpoint.latest(outputDir) : Optional.empty();
        if (job.resume() && checkpoint.isEmpty()) {
            out.println("no checkpoint in " + outputDir + ": starting from epoch 1");
        }
        int seed = checkpoint.map(Checkpoint::seed).orElse(job.seed());
        checkpoint.ifPresent(this::requireSameModel);

        Device[] devices = Devices.of(job.gpus());
        Engine.getInstance().setRandomSeed(seed);
        DlaResNet net = job.model().builder().optDropPathRate(recipe.dropPath()).build();
        ExecutorService loader = TrainingData.loader();
        try (Model model = Model.newInstance(job.model().toString(), devices[0]);
                NDManager data = NDManager.newBaseManager(devices[0])) {
            model.setBlock(net);
            if (checkpoint.isPresent()) {
                checkpoint.get().restoreParameters(model);
            }
            RandomAccessDataset train = TrainingData.build(dataset, job.dataDir(), Usage.TRAIN,
                    recipe.batchSize(), recipe.pad(), job.maxBatches(), data);
            RandomAccessDataset test = TrainingData.build(dataset, job.dataDir(), Usage.TEST,
                    recipe.batchSize(), 0, job.maxBatches(), data);
            int stepsPerEpoch = (int) ((train.size() + recipe.batchSize() - 1) / recipe.batchSize());
            ResumableSgd sgd = new ResumableSgd(step -> recipe.learningRateAt(step, stepsPerEpoch),
                    recipe.momentum(), recipe.weightDecay());
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(sgd)
                    .optDevices(devices)
                    .optExecutorService(loader);
            try (Trainer trainer = model.newTrainer(config)) {
                int size = dataset.getImageSize();
                trainer.initialize(new Shape(1, dataset.getChannels(), size, size));
                int start = 0;
                double best = Double.NEGATIVE_INFINITY;
                if (checkpoint.isPresent()) {
                    checkpoint.get().restoreOptimizer(model, sgd);
                    start = checkpoint.get().epochs();
                    best = checkpoint.get().bestTop1();
                    out.printf("resuming %s after epoch %d (step %d) from %s%n", job.model(), start,
                            sgd.getStep(), checkpoint.get().dir());
                }
                out.printf("training %s: %d training and %d test images, %d steps per epoch, %s%n",
                        job.model(), train.size(), test.size(), stepsPerEpoch, describe(devices));
                MetricsLog log = MetricsLog.open(outputDir, start);
                for (int epoch = start; epoch < recipe.epochs(); epoch++) {
                    Engine.getInstance().setRandomSeed(seed * SEED_STRIDE + epoch + 1);
                    long begin = System.nanoTime();
                    ProcessCounters counters = ProcessCounters.now();
                    Progress progress = new Progress(out, epoch + 1, recipe.epochs(), stepsPerEpoch);
                    float lastRate = sgd.currentLearningRate();
                    Score fit = new Score();
                    Iterator<Batch> batches = trainer.iterateDataset(train).iterator();
                    long waiting = 0;
                    while (true) {
                        long asked = System.nanoTime();
                        if (!batches.hasNext()) {
                            break;
                        }
                        Batch batch = batches.next();
                        waiting += System.nanoTime() - asked;
                        try (batch) {
                            lastRate = sgd.currentLearningRate();
                            trainStep(trainer, batch, fit);
                            sgd.endStep();
                        }
                        progress.step(fit);
                    }
                    if (!Double.isFinite(fit.loss())) {
                        throw new IllegalStateException(String.format(Locale.ROOT,
                                "training diverged in epoch %d: the training loss is %s. The last whole"
                                        + " checkpoint is in %s; lower the learning rate (--lr) and start again",
                                epoch + 1, fit.loss(), outputDir.resolve(Checkpoint.DIRECTORY)));
                    }
                    double trainSeconds = (System.nanoTime() - begin) / 1e9;
                    String systemTime = ProcessCounters.now().since(counters, stepsPerEpoch);
                    Score eval = evaluate(trainer, test);
                    double seconds = (System.nanoTime() - begin) / 1e9;
                    EpochMetrics row = new EpochMetrics(epoch + 1, lastRate, fit.loss(), fit.top1(),
                            eval.loss(), eval.top1(), eval.top5(), seconds, fit.images() / trainSeconds);
                    progress.done(row, waiting / 1e9 / trainSeconds, systemTime);
                    log.append(row);
                    try {
                        if (row.testTop1() > best) {
                            best = row.testTop1();
                            AtomicDirectory.replace(outputDir.resolve(BEST), dir -> writeModel(dir, model, row));
                        }
                        Checkpoint.write(outputDir, model, job.model(), sgd, epoch + 1, seed, best);
                    } catch (IOException e) {
                        throw saveFailed(outputDir, epoch + 1, e);
                    }
                }
                List<EpochMetrics> rows = log.rows();
                if (!rows.isEmpty()) {
                    EpochMetrics last = rows.get(rows.size() - 1);
                    AtomicDirectory.replace(outputDir.resolve(FINAL), dir -> writeModel(dir, model, last));
                    out.printf("done: final test top-1 %.2f%%, best %.2f%%; models in %s and %s%n",
                            100 * last.testTop1(), 100 * best, outputDir.resolve(FINAL), outputDir.resolve(BEST));
                }
                return rows;
            }
        } finally {
            loader.shutdownNow();
        }
    }

    /**
     * Returns whether an output directory holds results of an earlier run: metrics, a checkpoint
     * or a model directory.
     *
     * @param outputDir the output directory
     * @return true if a new run there would replace something
     */
    public static boolean hasResults(Path outputDir) {
        return RESULTS.stream().anyMatch(name -> Files.exists(outputDir.resolve(name)));
    }

    /**
     * Deletes the results of an earlier run from an output directory, so that a new run starts
     * from nothing and a later {@code --resume} cannot pick up the old checkpoint.
     *
     * @param outputDir the output directory
     * @throws IOException if a file cannot be deleted
     */
    public static void deleteResults(Path outputDir) throws IOException {
        for (String name : RESULTS) {
            AtomicDirectory.deleteTree(outputDir.resolve(name));
        }
    }

    /**
     * Evaluates a model on a dataset, batch by batch, in inference mode.
     *
     * @param trainer the trainer of the model
     * @param dataset the dataset
     * @return the loss, top-1 and top-5
     * @throws IOException if the data cannot be read
     * @throws TranslateException if a batch cannot be prepared
     */
    static Score evaluate(Trainer trainer, RandomAccessDataset dataset) throws IOException, TranslateException {
        Score score = new Score();
        for (Batch batch : trainer.iterateDataset(dataset)) {
            try (batch) {
                NDList logits = trainer.evaluate(batch.getData());
                score.add(logits.head(), batch.getLabels().head());
            }
        }
        return score;
    }

    /**
     * One SGD step on a batch split over the trainer's devices. Each device's mean loss is weighted
     * by its share of the batch, so the summed gradient is the gradient of the batch mean. The step
     * runs inside a {@link SegmentedBackward}, so that DLA-L and MRLA-L take the fused training
     * kernels where they run.
     *
     * @param trainer the trainer, with its optimizer
     * @param batch the batch
     * @param fit where the step's loss and top-1 hits are added
     */
    public static void trainStep(Trainer trainer, Batch batch, Score fit) {
        Batch[] splits = batch.split(trainer.getDevices(), false);
        long total = batch.getSize();
        try (GradientCollector collector = trainer.newGradientCollector();
                SegmentedBackward segments = SegmentedBackward.open()) {
            for (Batch split : splits) {
                NDList predictions = trainer.forward(split.getData(), split.getLabels());
                NDArray loss = trainer.getLoss().evaluate(split.getLabels(), predictions);
                float share = (float) split.getSize() / total;
                segments.backward(collector, splits.length == 1 ? loss : Scalars.scale(loss, share));
                fit.addTraining(loss.getFloat(), predictions.head(), split.getLabels().head());
            }
        }
        trainer.step();
    }

    private void writeModel(Path dir, Model model, EpochMetrics row) throws IOException {
        ModelDirectory.write(dir, model, job.model(), Map.of(
                "epoch", String.valueOf(row.epoch()),
                "testTop1", String.valueOf(row.testTop1()),
                "testTop5", String.valueOf(row.testTop5())));
    }

    /**
     * The failure to save an epoch's best model or checkpoint, saying which checkpoint is still
     * whole: the previous one, read back and verified, or none.
     */
    private static IOException saveFailed(Path outputDir, int epoch, IOException e) {
        String kept;
        try {
            kept = Checkpoint.latest(outputDir)
                    .map(c -> "the checkpoint of epoch " + c.epochs() + " in " + c.dir() + " is intact; free space"
                            + " (or fix the folder) and continue with --resume")
                    .orElse("no earlier checkpoint exists");
        } catch (IOException unreadable) {
            kept = "the earlier checkpoint cannot be read either: " + unreadable.getMessage();
        }
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        return new IOException("could not save epoch " + epoch + " (" + reason + "); " + kept, e);
    }

    private void requireSameModel(Checkpoint checkpoint) {
        if (!checkpoint.model().equals(job.model())) {
            throw new IllegalArgumentException("The checkpoint in " + checkpoint.dir() + " is of "
                    + checkpoint.model() + ", not " + job.model()
                    + ": resume with --model " + checkpoint.model() + " or choose another --output-dir");
        }
    }

    private static String describe(Device[] devices) {
        return devices.length == 1 ? "on " + devices[0] : "data-parallel on " + List.of(devices);
    }
}
