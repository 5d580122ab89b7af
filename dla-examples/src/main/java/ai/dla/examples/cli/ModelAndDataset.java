package ai.dla.examples.cli;

import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelName;

import picocli.CommandLine.Option;

/**
 * The network a command builds: {@code --model}, as a full name or as {@code variant-depth} with
 * {@code --dataset}; a picocli mixin of {@code dla train} and {@code dla bench}.
 */
final class ModelAndDataset {

    @Option(names = "--model", paramLabel = "NAME", required = true, completionCandidates = ModelNames.class,
            description = "the model, such as dla_l-56-cifar10, or dla_l-56 with --dataset")
    private String model;

    @Option(names = "--dataset", paramLabel = "D", completionCandidates = Candidates.DatasetIds.class,
            description = "the dataset, when --model names none: ${COMPLETION-CANDIDATES}")
    private String dataset;

    /**
     * Returns the model name, completed by {@code --dataset} when {@code --model} has no dataset part.
     *
     * @param command the command, for messages
     * @return the model name
     * @throws UsageException if the flags are incomplete, unknown or disagree
     */
    ModelName resolve(String command) throws UsageException {
        String full = model;
        if (model.split("-").length == 2) {
            if (dataset == null) {
                throw new UsageException(command + ": --model " + model + " names no dataset: add --dataset");
            }
            full = model + "-" + dataset;
        }
        ModelName name = ModelNames.parse(command, full);
        if (dataset != null) {
            DatasetProfile given;
            try {
                given = DatasetProfile.fromId(dataset);
            } catch (IllegalArgumentException e) {
                throw new UsageException(command + ": " + e.getMessage());
            }
            if (given != name.dataset()) {
                throw new UsageException(command + ": --dataset " + dataset + " disagrees with --model " + full
                        + ", which is for " + name.dataset().getId());
            }
        }
        return name;
    }
}
