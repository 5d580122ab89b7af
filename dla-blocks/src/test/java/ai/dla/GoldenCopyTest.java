package ai.dla;

import static org.testng.Assert.assertEquals;

import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The repository's copy of the golden vectors is the project's current one: where the shared
 * {@code ../shared/golden} is beside the repository (as in CI), it holds the same {@code .npz} files,
 * byte for byte, as {@code dla-blocks/src/test/resources/golden}.
 */
public class GoldenCopyTest {

    @Test
    public void theRepositoryCopyEqualsTheSharedGoldens() throws IOException, NoSuchAlgorithmException {
        Path shared = Path.of(System.getProperty("dla.shared.golden.dir", "../../shared/golden"));
        if (!Files.isDirectory(shared)) {
            throw new SkipException("no shared golden folder at " + shared.toAbsolutePath() + " to compare the copy with");
        }
        assertEquals(digests(Golden.dir()), digests(shared),
                "the repository's goldens differ from " + shared + ": copy the shared files into " + Golden.dir());
    }

    /** File name to SHA-256 of every .npz file of a folder. */
    private static Map<String, String> digests(Path dir) throws IOException, NoSuchAlgorithmException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".npz"))::iterator) {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
                digests.put(file.getFileName().toString(), HexFormat.of().formatHex(hash));
            }
        }
        return digests;
    }
}
