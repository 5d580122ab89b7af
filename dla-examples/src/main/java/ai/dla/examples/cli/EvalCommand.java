package ai.dla.examples.cli;

import ai.dla.examples.data.TrainingData;
import ai.dla.examples.train.Score;
import ai.dla.network.DlaResNet;
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

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/** {@code dla eval}: top-1 and top-5 of a model on a dataset's test split. */
public final class EvalCommand implements Command {

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String usage() {
        return "--model NAME | --model-dir DIR [--dataset D] [--data-dir D] [--batch-size B] [--max-batches M]";
    }

    @Override
    public String description() {
        return "print a model's top-1 and top-5 accuracy on a dataset's test split";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv,
                Set.of("model", "model-dir", "dataset", "data-dir", "batch-size", "max-batches"), Set.of());
        int batchSize = args.positive("batch-size", 256);
        long maxBatches = args.has("max-batches") ? args.positive("max-batches", 1) : -1;
        Path dataDir = args.has("data-dir") ? Path.of(args.get("data-dir", null)) : null;
        long begin = System.nanoTime();
        try (ZooModel<NDList, NDList> model = Models.load(args, name(), NDList.class, NDList.class);
                NDManager manager = NDManager.newBaseManager()) {
            DlaResNet net = (DlaResNet) model.getBlock();
            ModelName modelName = ModelName.parse(model.getProperty(DlaBlockFactory.MODEL));
            DatasetProfile dataset = args.has("dataset")
                    ? DatasetProfile.fromId(args.get("dataset", null))
                    : modelName.dataset();
            if (dataset.getChannels() != net.getConfig().inputChannels() || dataset.getClasses() != net.getConfig().classes()) {
                throw new UsageException(String.format(Locale.ROOT,
                        "dla eval: %s takes %d channels and has %d classes, but %s has %d and %d", modelName,
                        net.getConfig().inputChannels(), net.getConfig().classes(), dataset.getId(), dataset.getChannels(),
                        dataset.getClasses()));
            }
            RandomAccessDataset test =
                    TrainingData.build(dataset, dataDir, Usage.TEST, batchSize, 0, maxBatches, manager);
            ParameterStore parameters = new ParameterStore(manager, false);
            Score score = new Score();
            for (Batch batch : test.getData(manager)) {
                try (batch) {
                    NDList logits = net.forward(parameters, batch.getData(), false);
                    score.add(logits.head(), batch.getLabels().head());
                }
            }
            double seconds = (System.nanoTime() - begin) / 1e9;
            out.printf(Locale.ROOT, "%s on %s test (%d images): top-1 %.2f%% top-5 %.2f%% loss %.4f (%.0f s)%n",
                    modelName, dataset.getId(), score.images(), 100 * score.top1(), 100 * score.top5(),
                    score.loss(), seconds);
        }
    }
}
