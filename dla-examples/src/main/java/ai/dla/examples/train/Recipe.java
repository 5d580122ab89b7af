package ai.dla.examples.train;

import ai.dla.zoo.DatasetProfile;

import java.util.List;

/**
 * The hyper-parameters of a training run. {@link #published} gives the paper's recipes (spec
 * section 6) for CIFAR and ImageNet, and this project's for Fashion-MNIST; {@link #toBuilder()}
 * changes some of its settings.
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
        require(learningRate > 0 && Float.isFinite(learningRate), "learning rate must be positive and finite, got "
                + learningRate);
        for (int i = 0; i < milestones.size(); i++) {
            require(milestones.get(i) > (i == 0 ? 0 : milestones.get(i - 1)),
                    "milestones must be positive epochs in increasing order, got " + milestones);
        }
        require(warmupEpochs >= 0 && warmupEpochs < epochs,
                "warm-up epochs must be 0 or more and fewer than the epochs, got " + warmupEpochs);
        require(weightDecay >= 0 && Float.isFinite(weightDecay), "weight decay must be 0 or more and finite, got "
                + weightDecay);
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
     * Returns a builder holding this recipe, to change some of its settings.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Changes settings of a recipe; {@link #build()} checks them. */
    public static final class Builder {

        private int epochs;
        private int batchSize;
        private float learningRate;
        private Schedule schedule;
        private List<Integer> milestones;
        private final float factor;
        private int warmupEpochs;
        private float weightDecay;
        private final float momentum;
        private float dropPath;
        private int pad;

        private Builder(Recipe r) {
            epochs = r.epochs;
            batchSize = r.batchSize;
            learningRate = r.learningRate;
            schedule = r.schedule;
            milestones = r.milestones;
            factor = r.factor;
            warmupEpochs = r.warmupEpochs;
            weightDecay = r.weightDecay;
            momentum = r.momentum;
            dropPath = r.dropPath;
            pad = r.pad;
        }

        /**
         * Sets the number of epochs; the warm-up shrinks to fit if needed.
         *
         * @param value the epochs
         * @return this builder
         */
        public Builder setEpochs(int value) {
            epochs = value;
            warmupEpochs = Math.min(warmupEpochs, Math.max(0, value - 1));
            return this;
        }

        /**
         * Sets the total batch size.
         *
         * @param value the batch size
         * @return this builder
         */
        public Builder setBatchSize(int value) {
            batchSize = value;
            return this;
        }

        /**
         * Sets the base learning rate.
         *
         * @param value the learning rate
         * @return this builder
         */
        public Builder setLearningRate(float value) {
            learningRate = value;
            return this;
        }

        /**
         * Sets the schedule and, for a step schedule, its milestones.
         *
         * @param value the schedule
         * @param newMilestones the epochs at which a step schedule multiplies the rate (ignored by cosine)
         * @return this builder
         */
        public Builder setSchedule(Schedule value, List<Integer> newMilestones) {
            schedule = value;
            milestones = newMilestones;
            return this;
        }

        /**
         * Sets the number of warm-up epochs.
         *
         * @param value the warm-up epochs
         * @return this builder
         */
        public Builder setWarmupEpochs(int value) {
            warmupEpochs = value;
            return this;
        }

        /**
         * Sets the weight decay.
         *
         * @param value the weight decay
         * @return this builder
         */
        public Builder setWeightDecay(float value) {
            weightDecay = value;
            return this;
        }

        /**
         * Sets the DropPath rate of the deepest block.
         *
         * @param value the rate
         * @return this builder
         */
        public Builder setDropPath(float value) {
            dropPath = value;
            return this;
        }

        /**
         * Sets the zero padding of the random crop.
         *
         * @param value the padding, 0 for no random crop
         * @return this builder
         */
        public Builder setPad(int value) {
            pad = value;
            return this;
        }

        /**
         * Builds the recipe.
         *
         * @return the recipe
         * @throws IllegalArgumentException naming the first setting out of range
         */
        public Recipe build() {
            return new Recipe(epochs, batchSize, learningRate, schedule, milestones, factor, warmupEpochs,
                    weightDecay, momentum, dropPath, pad);
        }
    }
}
