package ai.dla.examples.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.dla.examples.data.BinaryImageDataset;
import ai.dla.zoo.DlaWeights;
import ai.dla.zoo.ModelName;

import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The shipped DLA-L-20 for Fashion-MNIST, as the README's main command and CI use it. */
public class ShippedModelTest {

    private static final String MODEL = "dla_l-20-fashion_mnist";

    @Test
    public void shippedModelReachesItsRecordedTop1OnTheRealTestSet() {
        assertTrue(Files.isDirectory(BinaryImageDataset.DEBIAN_FASHION_MNIST), BinaryImageDataset.DEBIAN_FASHION_MNIST
                + " is absent: install Debian's dataset-fashion-mnist package (.ci/run does)");
        DlaWeights weights = DlaWeights.of(ModelName.parse(MODEL)).orElseThrow();
        String out = run("eval", "--model", MODEL);
        Matcher m = Pattern.compile("\\((\\d+) images\\): top-1 (\\d+\\.\\d+)% top-5 (\\d+\\.\\d+)%").matcher(out);
        assertTrue(m.find(), out);
        assertEquals(Integer.parseInt(m.group(1)), 10_000);
        assertEquals(Double.parseDouble(m.group(2)), weights.getTop1(), 0.1, out);
        assertEquals(Double.parseDouble(m.group(3)), weights.getTop5(), 0.1, out);
        assertTrue(weights.getTop1() >= 94.0, "the shipped weights reach the 94.0% target");
    }

    /**
     * {@code dla eval} in a process of its own, whose native standard error is read too: libtorch's
     * "AutoNonVariableTypeMode is deprecated" warning, which DJL's dataset readers set off, is gone.
     */
    @Test
    public void evalPrintsNoLibtorchWarning() throws IOException, InterruptedException {
        CliRun r = CliRun.inOwnProcess("eval", "--model", MODEL, "--max-batches", "2");
        assertEquals(r.status(), 0, r.out());
        assertTrue(r.out().contains("top-1 "), r.out());
        assertFalse(r.out().contains("AutoNonVariableTypeMode") || r.out().contains("[W "), r.out());
    }

    @Test
    public void readmeMainCommandClassifiesTheShippedSamples() throws IOException {
        List<String> args = new ArrayList<>(List.of("predict", "--model", MODEL));
        List<Path> samples;
        try (Stream<Path> files = Files.list(Path.of("..", "samples"))) {
            samples = files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        samples.forEach(p -> args.add(p.toString()));
        String out = run(args.toArray(String[]::new));
        String[] lines = out.split("\n");
        assertEquals(lines.length, 6 * samples.size(), out);
        for (int i = 0; i < samples.size(); i++) {
            String file = samples.get(i).getFileName().toString();
            String label = file.substring(file.lastIndexOf('-') + 1, file.length() - ".png".length());
            String top = lines[6 * i + 1].trim().split(" {2,}")[0];
            assertEquals(normalise(top), label, "top-1 of " + file + ": " + out);
        }
    }

    private static String normalise(String className) {
        String s = className.toLowerCase(Locale.ROOT).replace(' ', '_');
        return s.equals("t-shirt/top") ? "tshirt" : s;
    }

    private static String run(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(r.status(), 0, r.err());
        return r.out();
    }
}
