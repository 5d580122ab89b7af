package ai.dla.examples.cli;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ZooEntry;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Locale;

/** {@code dla models}: every model of the zoo, offline. */
@Command(name = "models", description = "list the zoo's models: filters, parameters, MACs, weights and their accuracy")
final class ModelsCommand extends DlaCommand {

    @Option(names = "--pretrained", description = "only the models with weights, shipped or in a repository")
    private boolean pretrained;

    @Override
    void run(PrintStream out) {
        out.printf(Locale.ROOT, "%-26s %-8s %-7s %-14s %12s %15s  %-10s %s%n", "model", "artifact", "layers",
                "dataset", "parameters", "macs", "weights", "top-1");
        for (ZooEntry e : DlaModelZoo.list()) {
            if (pretrained && e.weights() == ZooEntry.Availability.NONE) {
                continue;
            }
            String top1 = e.top1().isPresent() ? String.format(Locale.ROOT, "%.2f%%", e.top1().getAsDouble()) : "-";
            out.printf(Locale.ROOT, "%-26s %-8s %-7s %-14s %,12d %,15d  %-10s %s%n", e.model(), e.artifactId(),
                    e.properties().get("layers"), e.properties().get("dataset"), e.parameters(), e.macs(),
                    e.weights().name().toLowerCase(Locale.ROOT), top1);
        }
        String url = DlaModelZoo.repositoryUrl();
        out.println(url == null
                ? "weights repository: none (set -D" + DlaModelZoo.REPOSITORY_PROPERTY + " or "
                        + DlaModelZoo.REPOSITORY_ENV + ")"
                : "weights repository: " + url);
    }
}
