package ai.dla.examples.bench;

import ai.dla.examples.train.Recipe;
import ai.dla.examples.train.ResumableSgd;
import ai.dla.examples.train.Score;
import ai.dla.examples.train.TrainingRun;
import ai.dla.resnet.ContextMode;
import ai.dla.resnet.DatasetProfile;
import ai.dla.resnet.ModelName;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.translate.Batchifier;

import java.util.function.IntConsumer;

/**
 * Times one network's steps on a fixed synthetic batch of the dataset's input size: inference
 * steps (the eval-mode forward pass) and training steps (forward, backward and the SGD update of
 * {@code dla train}, with the published recipe's DropPath and weight decay). Every step runs in a
 * scoped manager that is closed before the next, as in training.
 */
public final class Benchmark implements AutoCloseable {

    private static final float LEARNING_RATE = 0.01f;

    private final ModelName name;
    private final int batch;
    private final Model model;
    private final Trainer trainer;
    private final NDManager data;
    private final NDArray images;
    private final NDArray labels;

    /**
     * Builds the network, initialised from a fixed seed, and its synthetic batch.
     *
     * @param name the network
     * @param contextMode the context the DLA backward path reads
     * @param device where it runs
     * @param batch the images per step
     */
    public Benchmark(ModelName name, ContextMode contextMode, Device device, int batch) {
        this.name = name;
        this.batch = batch;
        DatasetProfile dataset = name.dataset();
        Recipe recipe = Recipe.published(dataset);
        Engine.getInstance().setRandomSeed(1);
        model = Model.newInstance(name.toString(), device);
        model.setBlock(name.builder().optDropPathRate(recipe.dropPath()).optContextMode(contextMode).build());
        ResumableSgd sgd = new ResumableSgd(step -> LEARNING_RATE, recipe.momentum(), recipe.weightDecay());
        trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(sgd)
                .optDevices(new Device[] {device}));
        Shape input = new Shape(batch, dataset.getChannels(), dataset.getImageSize(), dataset.getImageSize());
        trainer.initialize(input);
        data = NDManager.newBaseManager(device);
        images = data.randomNormal(input);
        labels = data.randomInteger(0, dataset.getClasses(), new Shape(batch), DataType.INT32)
                .toType(DataType.FLOAT32, false);
    }

    /**
     * Returns the network measured.
     *
     * @return its name
     */
    public ModelName getName() {
        return name;
    }

    /**
     * Times eval-mode forward passes.
     *
     * @param warmup the steps run first and not timed
     * @param steps the steps timed
     * @return the times of the timed steps
     */
    public StepTimes infer(int warmup, int steps) {
        Block block = model.getBlock();
        ParameterStore parameters = new ParameterStore(data, false);
        return time(warmup, steps, scope -> {
            NDArray x = images.duplicate();
            x.attach(scope);
            NDArray logits = block.forward(parameters, new NDList(x), false).head();
            logits.getFloat(0, 0); // waits for the device, and reads what a caller would
        }, step -> { });
    }

    /**
     * Times training steps.
     *
     * @param warmup the steps run first and not timed
     * @param steps the steps timed
     * @param afterStep called with the number of timed steps completed, after each one
     * @return the times of the timed steps
     */
    public StepTimes train(int warmup, int steps, IntConsumer afterStep) {
        Score fit = new Score();
        return time(warmup, steps, scope -> {
            Batch step = new Batch(scope.newSubManager(), new NDList(images.duplicate()),
                    new NDList(labels.duplicate()), batch, Batchifier.STACK, Batchifier.STACK, 0, 0);
            try (step) {
                TrainingRun.trainStep(trainer, step, fit);
            }
        }, afterStep);
    }

    private StepTimes time(int warmup, int steps, Step step, IntConsumer afterStep) {
        long[] nanos = new long[steps];
        for (int i = -warmup; i < steps; i++) {
            long begin = System.nanoTime();
            try (NDManager scope = data.newSubManager()) {
                step.run(scope);
            }
            if (i >= 0) {
                nanos[i] = System.nanoTime() - begin;
                afterStep.accept(i + 1);
            }
        }
        return new StepTimes(nanos, batch);
    }

    @Override
    public void close() {
        data.close();
        trainer.close();
        model.close();
    }

    private interface Step {
        void run(NDManager scope);
    }
}
