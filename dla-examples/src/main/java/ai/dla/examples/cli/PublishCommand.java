package ai.dla.examples.cli;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelName;
import ai.dla.zoo.WeightsRepository;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code dla publish}: adds a model directory's weights to a weights repository for the zoo. */
public final class PublishCommand implements Command {

    @Override
    public String name() {
        return "publish";
    }

    @Override
    public String usage() {
        return "--model-dir DIR --repository ROOT [--force]";
    }

    @Override
    public String description() {
        return "add a model directory's weights to a repository the zoo can load from";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, Set.of("model-dir", "repository"), Set.of("force"));
        Path root = args.path("repository");
        OutputPaths.folder(name(), "repository", root, null, false);
        ModelName model = WeightsRepository.publish(root, args.path("model-dir"), args.has("force"));
        out.printf("published %s to %s%nload it with -D%s=%s (or %s=...)%n", model, root.toAbsolutePath(),
                DlaModelZoo.REPOSITORY_PROPERTY, root.toAbsolutePath().toUri(), DlaModelZoo.REPOSITORY_ENV);
    }
}
