package ai.dla.zoo;

import static org.testng.Assert.assertNotEquals;

import ai.djl.util.Utils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Finds a model's parameter file in DJL's cache. The folders differ between DJL versions (0.25:
 * {@code dla_l/20/cifar10/0.1.0/}, 0.36: {@code dla_l/0.1.0/dla_l-20-cifar10/}), so the file is
 * looked for by name under the variant's folder.
 */
final class CachedWeights {

    private CachedWeights() {}

    /** The variant's folder in DJL's cache, which holds every cached model of that variant. */
    static Path variantDirectory(ModelName name) {
        return Utils.getCacheDir().resolve("cache/repo/model/cv/image_classification/ai/dla/zoo/" + name.variant().getId());
    }

    /** The model's cached, non-empty parameter file. */
    static Path parameters(ModelName name) throws IOException {
        try (Stream<Path> files = Files.walk(variantDirectory(name))) {
            Path found = files.filter(p -> p.getFileName().toString().startsWith(name + "-")
                            && p.getFileName().toString().endsWith(".params"))
                    .findFirst()
                    .orElseThrow(() -> new IOException("no parameters of " + name + " in " + variantDirectory(name)));
            assertNotEquals(Files.size(found), 0L);
            return found;
        }
    }
}
