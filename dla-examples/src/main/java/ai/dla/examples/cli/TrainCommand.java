package ai.dla.examples.cli;

import ai.dla.examples.runtime.NativeMemory;
import ai.dla.examples.train.Recipe;
import ai.dla.examples.train.Schedule;
import ai.dla.examples.train.TrainingJob;
import ai.dla.examples.train.TrainingRun;
import ai.dla.zoo.DatasetProfile;
import ai.dla.zoo.ModelName;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code dla train}: trains a model with its dataset's published recipe, flags overriding it. */
public final class TrainCommand implements Command {

    private static final Set<String> VALUED = Set.of("dataset", "model", "data-dir", "epochs", "batch-size",
            "lr", "schedule", "milestones", "warmup-epochs", "weight-decay", "drop-path", "pad", "max-batches",
            "gpus", "seed", "output-dir");

    private static final Set<String> SWITCHES = Set.of("resume", "force");

    @Override
    public String name() {
        return "train";
    }

    @Override
    public String usage() {
        return "--dataset cifar10|cifar100|imagenet|fashion_mnist --model NAME [--data-dir D] [--epochs N]"
                + " [--batch-size B] [--lr X] [--schedule step|cosine] [--milestones E1,E2,..]"
                + " [--warmup-epochs W] [--weight-decay X] [--drop-path X] [--pad P] [--max-batches M]"
                + " [--gpus G] [--seed S] [--output-dir O] [--resume | --force]";
    }

    @Override
    public String description() {
        return "train a model with the published recipe; metrics.csv, curves.png and checkpoints in --output-dir";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, VALUED, SWITCHES);
        ModelName model = modelName(args);
        Recipe recipe = recipe(args, model.dataset());
        Path dataDir = args.has("data-dir") ? Path.of(args.get("data-dir", null)) : null;
        Path outputDir = Path.of(args.get("output-dir", "runs/" + model));
        if (args.has("resume") && args.has("force")) {
            throw new UsageException("dla train: --resume continues the run in --output-dir and --force starts it"
                    + " again; give one of the two");
        }
        OutputPaths.folder(name(), "output-dir", outputDir, null, false);
        if (!args.has("resume") && !args.has("force") && TrainingRun.hasResults(outputDir)) {
            throw new UsageException("dla train: --output-dir " + outputDir + " holds an earlier run; add --resume"
                    + " to continue it, --force to start it again (its metrics and models are replaced), or choose"
                    + " another --output-dir");
        }
        if (args.has("force")) {
            TrainingRun.deleteResults(outputDir);
        }
        NativeMemory.keepFreedMemory();
        TrainingJob job = new TrainingJob(model, recipe, dataDir, outputDir, args.integer("seed", 42),
                args.has("max-batches") ? args.positive("max-batches", 1) : -1, args.integer("gpus", 0),
                args.has("resume"));
        out.println("recipe: " + recipe);
        new TrainingRun(job, out).run();
    }

    /**
     * Reads {@code --model}, completed by {@code --dataset} when the name has no dataset part.
     *
     * @param args the flags
     * @return the model name
     * @throws UsageException if the flags are missing or disagree
     */
    static ModelName modelName(Args args) throws UsageException {
        String model = args.required("model");
        String dataset = args.get("dataset", null);
        if (model.split("-").length == 2) {
            if (dataset == null) {
                throw new UsageException("dla: --model " + model + " names no dataset: add --dataset");
            }
            model = model + "-" + dataset;
        }
        ModelName name = ModelName.parse(model);
        if (dataset != null && !DatasetProfile.fromId(dataset).equals(name.dataset())) {
            throw new UsageException("dla: --dataset " + dataset + " disagrees with --model " + model
                    + ", which is for " + name.dataset().getId());
        }
        return name;
    }

    private static Recipe recipe(Args args, DatasetProfile dataset) throws UsageException {
        Recipe published = Recipe.published(dataset);
        Recipe.Builder r = published.toBuilder();
        try {
            if (args.has("epochs")) {
                r.setEpochs(args.integer("epochs", 0));
            }
            if (args.has("batch-size")) {
                r.setBatchSize(args.integer("batch-size", 0));
            }
            if (args.has("lr")) {
                r.setLearningRate(number(args, "lr"));
            }
            if (args.has("schedule") || args.has("milestones")) {
                Schedule schedule = Schedule.fromId(args.get("schedule", published.schedule().getId()));
                r.setSchedule(schedule, args.has("milestones") ? milestones(args) : published.milestones());
            }
            if (args.has("warmup-epochs")) {
                r.setWarmupEpochs(args.integer("warmup-epochs", 0));
            }
            if (args.has("weight-decay")) {
                r.setWeightDecay(number(args, "weight-decay"));
            }
            if (args.has("drop-path")) {
                r.setDropPath(number(args, "drop-path"));
            }
            if (args.has("pad")) {
                r.setPad(args.integer("pad", 0));
            }
            Recipe recipe = r.build();
            if (args.has("milestones") && recipe.milestones().stream().anyMatch(m -> m >= recipe.epochs())) {
                throw new UsageException("dla train: --milestones " + recipe.milestones() + " must come before the"
                        + " last epoch (" + recipe.epochs() + "); a milestone there would never change the rate");
            }
            return recipe;
        } catch (IllegalArgumentException e) {
            throw new UsageException("dla train: " + e.getMessage());
        }
    }

    private static List<Integer> milestones(Args args) throws UsageException {
        List<Integer> epochs = new ArrayList<>();
        for (String s : args.get("milestones", "").split(",")) {
            try {
                epochs.add(Integer.parseInt(s.trim()));
            } catch (NumberFormatException e) {
                throw new UsageException("dla train: --milestones takes epochs separated by commas, got '"
                        + args.get("milestones", "") + "'");
            }
        }
        return epochs;
    }

    private static float number(Args args, String flag) throws UsageException {
        String v = args.get(flag, null);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new UsageException("dla train: --" + flag + " takes a number, got '" + v + "'");
        }
    }
}
