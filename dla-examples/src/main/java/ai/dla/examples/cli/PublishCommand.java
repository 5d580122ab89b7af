package ai.dla.examples.cli;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ModelName;
import ai.dla.zoo.WeightsRepository;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/** {@code dla publish}: adds a model directory's weights to a weights repository for the zoo. */
@Command(name = "publish", description = "add a model directory's weights to a repository the zoo can load from")
final class PublishCommand extends DlaCommand {

    @Option(names = "--model-dir", paramLabel = "DIR", required = true, description = "the model directory")
    private Path dir;

    @Option(names = "--repository", paramLabel = "ROOT", required = true, description = "the repository's folder")
    private Path root;

    @Option(names = "--force", description = "replace the model's weights if the repository has them")
    private boolean force;

    @Override
    void run(PrintStream out) throws Exception {
        OutputPaths.folder(name(), "repository", root, null, false);
        ModelName model = WeightsRepository.publish(root, dir, force);
        out.printf("published %s to %s%nload it with -D%s=%s (or %s=...)%n", model, root.toAbsolutePath(),
                DlaModelZoo.REPOSITORY_PROPERTY, root.toAbsolutePath().toUri(), DlaModelZoo.REPOSITORY_ENV);
    }
}
