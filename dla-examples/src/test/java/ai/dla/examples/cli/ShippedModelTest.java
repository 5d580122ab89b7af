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

    /**
     * The README's main command in a process of its own, as a user's terminal shows it: the answers
     * and nothing else, none of libtorch's native warnings (NNPACK's "Unsupported hardware" on AMD
     * hosts among them, {@code TorchStartup}) and no log line.
     */
    @Test
    public void readmeMainCommandPrintsOnlyItsAnswers() throws IOException, InterruptedException {
        List<Path> samples = samples();
        List<String> args = new ArrayList<>(List.of("predict", "--model", MODEL));
        samples.forEach(p -> args.add(p.toString()));
        CliRun r = CliRun.inOwnProcess(args.toArray(String[]::new));
        assertEquals(r.status(), 0, r.out());
        String[] lines = r.out().split("\n");
        assertEquals(lines.length, 6 * samples.size(), r.out());
        for (String line : lines) {
            assertTrue(line.startsWith("  ") || line.endsWith(".png"), "not an answer: " + line + "\n" + r.out());
        }
    }

    @Test
    public void readmeMainCommandClassifiesTheShippedSamples() throws IOException {
        List<String> args = new ArrayList<>(List.of("predict", "--model", MODEL));
        List<Path> samples = samples();
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

    private static List<Path> samples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "samples"))) {
            return files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
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
