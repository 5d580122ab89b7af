package ai.dla.examples.train;

import ai.dla.resnet.DatasetProfile;

import java.util.List;

/**
 * The hyper-parameters of a training run. {@link #published} gives the paper's recipes (spec
 * section 6) for CIFAR and ImageNet, and this project's for Fashion-MNIST; the {@code with}
 * methods override one setting each.
 *
 * @param epochs the number of epochs
 * @param batchSize the total batch size (split over the devices)
 * @param learningRate the base learning rate
 * @param schedule how the learning rate changes
 * @param milestones the epochs at which a {@link Schedule#STEP} schedule multiplies the rate by
 *     {@code factor}
 * @param factor the step schedule's multiplier
 * @param warmupEpochs epochs of warm-up: epoch 0 at a thousandth of the rate, epoch e at e/w of it
 * @param weightDecay the L2 weight decay, on every parameter
 * @param momentum the SGD momentum
 * @param dropPath the DropPath rate of the deepest block
 * @param pad the zero padding of the random crop (32×32 and 28×28 datasets), 0 for none
 */
public record Recipe(int epochs, int batchSize, float learningRate, Schedule schedule,
        List<Integer> milestones, float factor, int warmupEpochs, float weightDecay, float momentum,
        float dropPath, int pad) {

    /** Checks the settings. */
    public Recipe {
        milestones = List.copyOf(milestones);
        require(epochs > 0, "epochs must be positive, got " + epochs);
        require(batchSize > 0, "batch size must be positive, got " + batchSize);
        require(learningRate > 0, "learning rate must be positive, got " + learningRate);
        require(warmupEpochs >= 0 && warmupEpochs < epochs,
                "warm-up epochs must be 0 or more and fewer than the epochs, got " + warmupEpochs);
        require(weightDecay >= 0, "weight decay must be 0 or more, got " + weightDecay);
        require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        require(dropPath >= 0 && dropPath < 1, "DropPath rate must be in [0, 1), got " + dropPath);
        require(pad >= 0, "pad must be 0 or more, got " + pad);
    }

    /**
     * Returns the recipe published for a dataset: CIFAR-10/100 180 epochs at 0.1, ×0.1 at 100 and
     * 150, batch 128, weight decay 1e-4, DropPath 0.2; ImageNet 100 epochs at 0.1, batch 256,
     * 3 warm-up epochs, ×0.1 every 30 epochs. Fashion-MNIST has no published DLA recipe: this
     * project uses 15 epochs of cosine decay from 0.1, batch 128, weight decay 5e-4, no DropPath,
     * crops padded by 2, the recipe of the shipped weights.
     *
     * @param dataset the dataset
     * @return its recipe
     */
    public static Recipe published(DatasetProfile dataset) {
        return switch (dataset) {
            case CIFAR10, CIFAR100 ->
                    new Recipe(180, 128, 0.1f, Schedule.STEP, List.of(100, 150), 0.1f, 0, 1e-4f, 0.9f, 0.2f, 4);
            case IMAGENET ->
                    new Recipe(100, 256, 0.1f, Schedule.STEP, List.of(30, 60, 90), 0.1f, 3, 1e-4f, 0.9f, 0.2f, 0);
            case FASHION_MNIST ->
                    new Recipe(15, 128, 0.1f, Schedule.COSINE, List.of(), 0.1f, 0, 5e-4f, 0.9f, 0f, 2);
        };
    }

    /**
     * Returns the learning rate after {@code step} completed steps.
     *
     * @param step the number of completed optimizer steps
     * @param stepsPerEpoch the steps in one epoch
     * @return the learning rate
     */
    public float learningRateAt(int step, int stepsPerEpoch) {
        int epoch = step / stepsPerEpoch;
        if (epoch < warmupEpochs) {
            return epoch == 0 ? learningRate / 1000f : learningRate * epoch / warmupEpochs;
        }
        if (schedule == Schedule.COSINE) {
            double done = step - (double) warmupEpochs * stepsPerEpoch;
            double total = (double) (epochs - warmupEpochs) * stepsPerEpoch;
            return (float) (0.5 * learningRate * (1 + Math.cos(Math.PI * Math.min(1.0, done / total))));
        }
        int passed = (int) milestones.stream().filter(m -> epoch >= m).count();
        return (float) (learningRate * Math.pow(factor, passed));
    }

    /**
     * Returns this recipe with another number of epochs.
     *
     * @param value the epochs
     * @return the new recipe
     */
    public Recipe withEpochs(int value) {
        return new Recipe(value, batchSize, learningRate, schedule, milestones, factor,
                Math.min(warmupEpochs, value - 1), weightDecay, momentum, dropPath, pad);
    }

    /**
     * Returns this recipe with another batch size.
     *
     * @param value the batch size
     * @return the new recipe
     */
    public Recipe withBatchSize(int value) {
        return new Recipe(epochs, value, learningRate, schedule, milestones, factor, warmupEpochs,
                weightDecay, momentum, dropPath, pad);
    }

    /**
     * Returns this recipe with another base learning rate.
     *
     * @param value the learning rate
     * @return the new recipe
     */
    public Recipe withLearningRate(float value) {
        return new Recipe(epochs, batchSize, value, schedule, milestones, factor, warmupEpochs,
                weightDecay, momentum, dropPath, pad);
    }

    /**
     * Returns this recipe with another schedule; a step schedule keeps this recipe's milestones.
     *
     * @param value the schedule
     * @param newMilestones the milestones for a step schedule (ignored by cosine)
     * @return the new recipe
     */
    public Recipe withSchedule(Schedule value, List<Integer> newMilestones) {
        return new Recipe(epochs, batchSize, learningRate, value, newMilestones, factor, warmupEpochs,
                weightDecay, momentum, dropPath, pad);
    }

    /**
     * Returns this recipe with another number of warm-up epochs.
     *
     * @param value the warm-up epochs
     * @return the new recipe
     */
    public Recipe withWarmupEpochs(int value) {
        return new Recipe(epochs, batchSize, learningRate, schedule, milestones, factor, value,
                weightDecay, momentum, dropPath, pad);
    }

    /**
     * Returns this recipe with another weight decay.
     *
     * @param value the weight decay
     * @return the new recipe
     */
    public Recipe withWeightDecay(float value) {
        return new Recipe(epochs, batchSize, learningRate, schedule, milestones, factor, warmupEpochs,
                value, momentum, dropPath, pad);
    }

    /**
     * Returns this recipe with another DropPath rate.
     *
     * @param value the rate
     * @return the new recipe
     */
    public Recipe withDropPath(float value) {
        return new Recipe(epochs, batchSize, learningRate, schedule, milestones, factor, warmupEpochs,
                weightDecay, momentum, value, pad);
    }

    /**
     * Returns this recipe with another crop padding.
     *
     * @param value the padding, 0 for no random crop
     * @return the new recipe
     */
    public Recipe withPad(int value) {
        return new Recipe(epochs, batchSize, learningRate, schedule, milestones, factor, warmupEpochs,
                weightDecay, momentum, dropPath, value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
