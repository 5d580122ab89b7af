package example;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.modality.Classifications;

import org.testng.annotations.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The application's classes and probabilities for dla-zoo's cross-version images are those the
 * default build (DJL 0.25) recorded, within 1e-5, on whichever DJL the application was built with.
 */
public class ClassifyTest {

    @Test
    public void probabilitiesAreTheDefaultBuildsOnThisDjl() throws Exception {
        Path images = Path.of(System.getProperty("images"));
        Path expected = Path.of(System.getProperty("expected"));
        assertTrue(Files.isDirectory(images), images + " is missing: run mvn verify in the dla-zoo repository first");
        List<String> lines = Files.readAllLines(expected, StandardCharsets.UTF_8);
        List<Path> files = new ArrayList<>();
        for (String line : lines) {
            files.add(images.resolve(line.split("\t")[0]));
        }
        Map<Path, Classifications> results = Classify.classify(files);
        System.out.println("DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getEngine("PyTorch").getVersion());
        for (int i = 0; i < lines.size(); i++) {
            String[] fields = lines.get(i).split("\t");
            Classifications c = results.get(files.get(i));
            double best = -1;
            int bestClass = -1;
            for (int k = 0; k < fields.length - 1; k++) {
                double recorded = Double.parseDouble(fields[k + 1]);
                assertEquals(c.getProbabilities().get(k), recorded, 1e-5, fields[0] + ", class " + k);
                if (recorded > best) {
                    best = recorded;
                    bestClass = k;
                }
            }
            assertEquals(c.best().getClassName(), c.getClassNames().get(bestClass), fields[0]);
        }
    }
}
