package ai.dla.examples.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A directory that is replaced as a whole: its new content is written into {@code NAME.tmp}, the
 * old directory is renamed to {@code NAME.old}, the new one renamed into place, then the old one
 * deleted. A process killed at any moment leaves either {@code NAME} or {@code NAME.old} whole,
 * and {@link #latest} finds it; a half-written {@code NAME.tmp} is never read.
 */
final class AtomicDirectory {

    /** Writes the content of a directory. */
    @FunctionalInterface
    interface Writer {
        void write(Path dir) throws IOException;
    }

    /** The suffix of the directory being written. */
    static final String TMP = ".tmp";

    /** The suffix of the previous directory while the new one is renamed into place. */
    static final String OLD = ".old";

    private AtomicDirectory() {}

    /**
     * Replaces {@code target} with what {@code writer} writes.
     *
     * @param target the directory
     * @param writer writes the new content into the directory it is given
     * @throws IOException if writing or renaming fails; {@code target} or {@code target.old}
     *     then still holds the previous content, and a half-written {@code target.tmp} is deleted
     *     (to give back the space of a full disk)
     */
    static void replace(Path target, Writer writer) throws IOException {
        Path tmp = sibling(target, TMP);
        Path old = sibling(target, OLD);
        deleteTree(tmp);
        Files.createDirectories(tmp);
        try {
            writer.write(tmp);
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        if (Files.isDirectory(target)) {
            deleteTree(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(old);
    }

    /**
     * Returns the whole directory last written by {@link #replace}: {@code target}, or {@code
     * target.old} if the process stopped between the two renames.
     *
     * @param target the directory
     * @return the directory to read, or empty if none was ever completed
     */
    static Optional<Path> latest(Path target) {
        if (Files.isDirectory(target)) {
            return Optional.of(target);
        }
        Path old = sibling(target, OLD);
        return Files.isDirectory(old) ? Optional.of(old) : Optional.empty();
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    /**
     * Deletes a directory and everything in it, if it exists.
     *
     * @param dir the directory
     * @throws IOException if a file cannot be deleted
     */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
