package ai.dla.examples.cli;

import ai.dla.network.Complexity;
import ai.dla.network.DlaResNet;
import ai.dla.nn.ParameterPaths;
import ai.dla.stage.Stage;
import ai.dla.zoo.ModelName;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Locale;

/** {@code dla summary}: the architecture, stage by stage, with parameters and MACs. */
@Command(name = "summary", description = "print a model's architecture with its parameter count and multiply-accumulates")
final class SummaryCommand extends DlaCommand {

    @Option(names = "--model", paramLabel = "NAME", required = true, completionCandidates = ModelNames.class,
            description = "the model, such as dla_l-20-cifar10")
    private String model;

    @Override
    void run(PrintStream out) throws Exception {
        ModelName name = ModelNames.parse(name(), model);
        DlaResNet net = name.builder().build();
        int side = name.dataset().getImageSize();
        long channels = name.dataset().getChannels();
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = new Shape(1, channels, side, side);
            net.initialize(manager, DataType.FLOAT32, shape);
            out.printf(Locale.ROOT, "%s: %s, input %dx%dx%d%n", name, net.getConfig().describe(), channels, side, side);
            out.printf(Locale.ROOT, "%-8s %6s %9s %14s %12s %16s%n", "block", "units", "channels", "output", "parameters", "macs");
            shape = net.getStem().getOutputShapes(new Shape[] {shape})[0];
            row(out, "stem", "-", shape, ParameterPaths.countTrainable(net.getStem()), net.getStem().macs(side, side));
            for (int s = 0; s < net.getStages().size(); s++) {
                Stage stage = net.getStages().get(s);
                long macs = stage.macs(shape.get(2), shape.get(3));
                shape = stage.getOutputShapes(new Shape[] {shape})[0];
                row(out, "stage" + (s + 1), String.valueOf(stage.getUnits().size()), shape, ParameterPaths.countTrainable(stage), macs);
            }
            Shape logits = new Shape(1, net.getConfig().classes(), 1, 1);
            row(out, "head", "-", logits, ParameterPaths.countTrainable(net.getHead()), shape.get(1) * net.getConfig().classes());
            out.println("parameters " + Complexity.parameters(net));
            out.println("macs " + Complexity.macs(net, side, side));
        }
    }

    private static void row(PrintStream out, String block, String units, Shape shape, long params, long macs) {
        String size = String.format(Locale.ROOT, "%dx%dx%d", shape.get(1), shape.get(2), shape.get(3));
        out.printf(Locale.ROOT, "%-8s %6s %9d %14s %,12d %,16d%n", block, units, shape.get(1), size, params, macs);
    }
}
