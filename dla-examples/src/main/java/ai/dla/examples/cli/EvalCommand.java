package ai.dla.examples.cli;

import ai.dla.examples.data.TrainingData;
import ai.dla.examples.train.Score;
import ai.dla.network.DlaResNet;
import ai.dla.runtime.NativeMemory;
import ai.dla.runtime.ProcessCounters;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.DlaBlockFactory;
import ai.dla.zoo.ModelName;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.training.dataset.RandomAccessDataset;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutorService;

/** {@code dla eval}: top-1 and top-5 of a model on a dataset's test split. */
@Command(name = "eval", description = "print a model's top-1 and top-5 accuracy on a dataset's test split")
final class EvalCommand extends DlaCommand {

    @Mixin
    private ModelChoice models;

    @Option(names = "--dataset", paramLabel = "D", completionCandidates = Candidates.DatasetIds.class,
            description = "the dataset (default: the model's): ${COMPLETION-CANDIDATES}")
    private DatasetProfile dataset;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "the folder of the dataset's files (default: Debian's Fashion-MNIST, or DJL's CIFAR-10 download)")
    private Path dataDir;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "256", description = "images per batch (default: ${DEFAULT-VALUE})")
    private int batchSize;

    @Option(names = "--max-batches", paramLabel = "M", description = "evaluate only the first M batches")
    private Integer maxBatches;

    @Override
    void run(PrintStream out) throws Exception {
        positive("--batch-size", batchSize);
        long limit = maxBatches == null ? -1 : positive("--max-batches", maxBatches);
        NativeMemory.keepFreedMemory();
        long begin = System.nanoTime();
        ExecutorService loader = TrainingData.loader();
        try (ZooModel<NDList, NDList> model = models.load(name(), NDList.class, NDList.class);
                NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = (DlaResNet) model.getBlock();
            ModelName modelName = ModelName.parse(model.getProperty(DlaBlockFactory.MODEL));
            DatasetProfile dataset = this.dataset == null ? modelName.dataset() : this.dataset;
            if (dataset.getChannels() != net.getConfig().inputChannels() || dataset.getClasses() != net.getConfig().classes()) {
                throw new UsageException(String.format(Locale.ROOT,
                        "dla eval: %s takes %d channels and has %d classes, but %s has %d and %d", modelName,
                        net.getConfig().inputChannels(), net.getConfig().classes(), dataset.getId(), dataset.getChannels(),
                        dataset.getClasses()));
            }
            RandomAccessDataset test =
                    TrainingData.build(dataset, dataDir, Usage.TEST, batchSize, 0, limit, manager);
            ParameterStore parameters = new ParameterStore(manager, false);
            Score score = new Score();
            ProcessCounters warm = null;
            long warmImages = 0;
            int batches = 0;
            for (Batch batch : test.getData(manager, loader)) {
                try (batch) {
                    NDList logits = net.forward(parameters, batch.getData(), false);
                    score.add(logits.head(), batch.getLabels().head());
                }
                if (batches++ == 0) {
                    warm = ProcessCounters.now();
                    warmImages = score.images();
                }
            }
            ProcessCounters end = ProcessCounters.now();
            out.printf(Locale.ROOT, "%s on %s test (%d images): top-1 %.2f%% top-5 %.2f%% loss %.4f (%.0f s; %s)%n",
                    modelName, dataset.getId(), score.images(), 100 * score.top1(), 100 * score.top5(),
                    score.loss(), (end.nanos() - begin) / 1e9, batches > 1
                            ? String.format(Locale.ROOT, "after the first batch %.0f img/s, %s",
                                    (score.images() - warmImages) / ((end.nanos() - warm.nanos()) / 1e9),
                                    end.since(warm, batches - 1))
                            : "one batch");
        } finally {
            loader.shutdownNow();
        }
    }
}
