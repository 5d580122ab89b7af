package ai.dla.examples.cli;

import ai.dla.zoo.DlaModelZoo;
import ai.dla.zoo.ZooEntry;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;

/** {@code dla models}: every model of the zoo, offline. */
public final class ModelsCommand implements Command {

    @Override
    public String name() {
        return "models";
    }

    @Override
    public String usage() {
        return "[--pretrained]";
    }

    @Override
    public String description() {
        return "list the zoo's models: filters, parameters, MACs, weights and their accuracy";
    }

    @Override
    public void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(name(), argv, Set.of(), Set.of("pretrained"));
        out.printf(Locale.ROOT, "%-26s %-8s %-7s %-14s %12s %15s  %-10s %s%n", "model", "artifact", "layers",
                "dataset", "parameters", "macs", "weights", "top-1");
        for (ZooEntry e : DlaModelZoo.list()) {
            if (args.has("pretrained") && e.weights() == ZooEntry.Availability.NONE) {
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
