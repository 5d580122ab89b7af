package ai.dla.examples.bench;

import ai.dla.examples.train.Recipe;
import ai.dla.examples.train.ResumableSgd;
import ai.dla.examples.train.Score;
import ai.dla.examples.train.TrainingRun;
import ai.dla.light.NativeKernel;
import ai.dla.stage.ContextMode;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelName;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.translate.Batchifier;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One network and its fixed synthetic batch of the dataset's input size, to time its inference
 * steps (the eval-mode forward pass) and training steps (forward, backward and the SGD update of
 * {@code dla train}, with the published recipe's DropPath and weight decay), alone or interleaved
 * with other networks ({@link #interleaved}). Every step runs in a scoped manager that is closed
 * before the next, as in training.
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
    private final ParameterStore inference;
    private final Score fit = new Score();

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
        inference = new ParameterStore(data, false);
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
     * Times several networks' steps interleaved: each round runs one step of every network in
     * turn, so that all of them see the same state of the machine (a shared virtual machine drifts
     * by tens of percent over seconds, which a run of one network after the other would report as
     * a difference between them). Warm-up rounds are not timed.
     *
     * @param benchmarks the networks, each with its batch
     * @param training whether to time training steps (else eval-mode forward passes)
     * @param warmup the rounds run first and not timed
     * @param steps the rounds timed
     * @param afterRound called with 0 when the warm-up is over, then with the number of timed rounds
     *     completed after each one
     * @return the times of each network, in the order given
     */
    public static List<StepTimes> interleaved(
            List<Benchmark> benchmarks, boolean training, int warmup, int steps, IntConsumer afterRound) {
        long[][] nanos = new long[benchmarks.size()][steps];
        long[] kernelCalls = new long[benchmarks.size()];
        for (int i = -warmup; i < steps; i++) {
            if (i == 0) {
                afterRound.accept(0);
            }
            for (int b = 0; b < benchmarks.size(); b++) {
                Benchmark bench = benchmarks.get(b);
                long calls = NativeKernel.calls();
                long begin = System.nanoTime();
                try (NDManager scope = bench.data.newSubManager()) {
                    if (training) {
                        bench.trainStep(scope);
                    } else {
                        bench.inferStep(scope);
                    }
                }
                long elapsed = System.nanoTime() - begin;
                kernelCalls[b] += NativeKernel.calls() - calls;
                if (i >= 0) {
                    nanos[b][i] = elapsed;
                }
            }
            if (i >= 0) {
                afterRound.accept(i + 1);
            }
        }
        List<StepTimes> times = new ArrayList<>();
        for (int b = 0; b < benchmarks.size(); b++) {
            times.add(new StepTimes(nanos[b], benchmarks.get(b).batch, kernelCalls[b] / (double) (warmup + steps)));
        }
        return times;
    }

    /** One eval-mode forward pass of the batch, read back as a caller would. */
    private void inferStep(NDManager scope) {
        NDArray x = images.duplicate();
        x.attach(scope);
        NDArray logits = model.getBlock().forward(inference, new NDList(x), false).head();
        logits.getFloat(0, 0); // waits for the device, and reads what a caller would
    }

    /** One training step of {@code dla train}: forward, loss, backward and the update. */
    private void trainStep(NDManager scope) {
        Batch step = new Batch(scope.newSubManager(), new NDList(images.duplicate()),
                new NDList(labels.duplicate()), batch, Batchifier.STACK, Batchifier.STACK, 0, 0);
        try (step) {
            TrainingRun.trainStep(trainer, step, fit);
        }
    }

    @Override
    public void close() {
        data.close();
        trainer.close();
        model.close();
    }

}
