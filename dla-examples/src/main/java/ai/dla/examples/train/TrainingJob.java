package ai.dla.examples.train;

import ai.dla.zoo.ModelName;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a training run is asked to do.
 *
 * @param model the network and dataset, such as {@code dla_l-20-fashion_mnist}
 * @param recipe the hyper-parameters
 * @param dataDir the folder of the dataset's files, or null for the dataset's default source
 * @param outputDir where the run writes {@code metrics.csv}, {@code curves.png}, {@code
 *     checkpoint/}, {@code best/} and {@code final/}
 * @param seed the seed of initialisation, shuffling, augmentation and DropPath
 * @param maxBatches the training and test batches per epoch to use, or -1 for all (for quick runs)
 * @param gpus the CUDA devices to train on data-parallel, 0 for the CPU
 * @param resume whether to continue from the output directory's checkpoint
 */
public record TrainingJob(ModelName model, Recipe recipe, Path dataDir, Path outputDir, int seed,
        long maxBatches, int gpus, boolean resume) {

    /** Checks the job. */
    public TrainingJob {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(outputDir, "outputDir");
        if (maxBatches == 0 || maxBatches < -1) {
            throw new IllegalArgumentException("max batches must be positive, got " + maxBatches);
        }
        if (gpus < 0) {
            throw new IllegalArgumentException("gpus must be 0 or more, got " + gpus);
        }
    }
}
